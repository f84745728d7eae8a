"""Keras 2's module paths under `keras.layers` (`from keras.layers.recurrent import LSTM`,
`from keras.layers.core import Dropout`, ...), as aliases of kerasish's layers.

Keras 2 filed its layers in modules whose names kerasish's family packages do not use (`embeddings`, `recurrent`,
`merge`, ...): those become modules of their own, registered when `kerasish.layers` is imported. Where a Keras 2
module shares its name with a family package (`core`, `convolutional`, `pooling`, `normalization`), the package
answers Keras 2's extra names through `family_getattr`.
"""

from __future__ import annotations

import sys
import types

# Keras 2 module -> the names it held.
MODULES = {
    "embeddings": ["Embedding"],
    "recurrent": ["RNN", "SimpleRNN", "GRU", "LSTM", "SimpleRNNCell", "GRUCell", "LSTMCell", "StackedRNNCells"],
    "convolutional_recurrent": ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"],
    "merge": [
        "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
        "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    ],
    "advanced_activations": ["LeakyReLU", "PReLU", "ELU", "ReLU", "Softmax", "ThresholdedReLU"],
    "wrappers": ["Wrapper", "Bidirectional", "TimeDistributed"],
    "noise": ["GaussianNoise", "GaussianDropout", "AlphaDropout"],
    "local": ["LocallyConnected1D", "LocallyConnected2D"],
    "dense_attention": ["Attention", "AdditiveAttention"],
}  # fmt: skip

# Family packages named like a Keras 2 module -> the names Keras 2's module held beyond the family's own.
FAMILY_EXTRAS = {
    "core": [
        "Dropout", "Activation", "Flatten", "Reshape", "Permute", "RepeatVector", "ActivityRegularization",
        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    ],
    "convolutional": [
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
        "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
        "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
        "Cropping1D", "Cropping2D", "Cropping3D",
    ],
    "normalization": ["BatchNormalization", "LayerNormalization"],
}  # fmt: skip


def family_getattr(family: str):
    """A module `__getattr__` for a family package: Keras 2's extra names, looked up in `kerasish.layers`."""

    def __getattr__(name: str):
        if name in FAMILY_EXTRAS[family]:
            from kerasish import layers

            return getattr(layers, name)
        raise AttributeError(f"module 'kerasish.layers.{family}' has no attribute {name!r}")

    return __getattr__


def install(layers_namespace: dict) -> None:
    """Registers the Keras 2 modules (called by `kerasish.layers` once its names exist)."""
    for module_name, names in MODULES.items():
        full_name = f"kerasish.layers.{module_name}"
        module = types.ModuleType(full_name, f"Keras 2's `keras.layers.{module_name}` path.")
        for name in names:
            setattr(module, name, layers_namespace[name])
        module.__all__ = list(names)
        sys.modules[full_name] = module
        layers_namespace[module_name] = module
