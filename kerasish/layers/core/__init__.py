"""Core layers: Dense, Embedding, Identity, Lambda, Masking."""

from kerasish.layers import keras2_modules
from kerasish.layers.core.dense import Dense
from kerasish.layers.core.einsum_dense import EinsumDense
from kerasish.layers.core.embedding import Embedding
from kerasish.layers.core.identity import Identity
from kerasish.layers.core.lambda_layer import Lambda
from kerasish.layers.core.masking import Masking
from kerasish.layers.core.reversible_embedding import ReversibleEmbedding
from kerasish.layers.core.torch_module_wrapper import TorchModuleWrapper
from kerasish.layers.core.wrapper import Wrapper

__all__ = [
    "Dense",
    "EinsumDense",
    "Embedding",
    "Identity",
    "Lambda",
    "Masking",
    "ReversibleEmbedding",
    "TorchModuleWrapper",
    "Wrapper",
]

# Keras 2's `keras.layers.core` module held more names (`from keras.layers.core import ...`).
__getattr__ = keras2_modules.family_getattr("core")
