"""Utilities, as `keras.utils`.

The modules here are ground-floor helpers that import no package above them. `FeatureSpace` is the exception
Keras's API asks for: it is a layer (`kerasish/layers/preprocessing/feature_space.py`, where Keras has it) that
`keras.utils` exports, so this facade looks it up on first use (PEP 562) instead of importing the layers here.
"""

from __future__ import annotations

from kerasish.saving.object_registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from kerasish.utils.audio_dataset_utils import audio_dataset_from_directory
from kerasish.utils.dataset_utils import split_dataset
from kerasish.utils.file_utils import get_file
from kerasish.utils.image_dataset_utils import image_dataset_from_directory
from kerasish.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from kerasish.utils.numerical_utils import normalize, to_categorical
from kerasish.utils.progbar import Progbar
from kerasish.utils.py_dataset import PyDataset, Sequence
from kerasish.utils.rng_utils import get_random_seed, set_random_seed
from kerasish.utils.sequence_utils import pad_sequences
from kerasish.utils.text_dataset_utils import text_dataset_from_directory
from kerasish.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = [
    "CustomObjectScope",
    "FeatureSpace",
    "Progbar",
    "PyDataset",
    "Sequence",
    "custom_object_scope",
    "get_custom_objects",
    "get_file",
    "get_random_seed",
    "get_registered_name",
    "get_registered_object",
    "normalize",
    "pad_sequences",
    "register_keras_serializable",
    "set_random_seed",
    "to_categorical",
    "array_to_img",
    "img_to_array",
    "load_img",
    "save_img",
    "smart_resize",
    "audio_dataset_from_directory",
    "image_dataset_from_directory",
    "split_dataset",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]


def __getattr__(name: str):
    if name == "FeatureSpace":
        from kerasish.layers.preprocessing.feature_space import FeatureSpace  # facade: see the module docstring

        globals()[name] = FeatureSpace
        return FeatureSpace
    raise AttributeError(f"module 'kerasish.utils' has no attribute {name!r}")
