"""Utilities, as `keras.utils`.

The modules here are ground-floor helpers that import no package above them. A few names Keras's API puts here
live higher up, where Keras has them too: `FeatureSpace` is a layer (`kerasish/layers/preprocessing/
feature_space.py`), `unpack_x_y_sample_weight` belongs to the data adapters, `clear_session` to the session
state of `kerasish/legacy/backend/` and `plot_model`/`model_to_dot` draw models (`kerasish/models/plotting.py`).
This facade looks those up on first use (PEP 562) instead of importing the upper floors here.
"""

from __future__ import annotations

from kerasish.backend.common.dtypes import standardize_dtype
from kerasish.backend.common.keras_tensor import get_source_inputs
from kerasish.config import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled
from kerasish.saving.object_registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from kerasish.utils import legacy  # noqa: F401  (keras.utils.legacy)
from kerasish.utils.audio_dataset_utils import audio_dataset_from_directory
from kerasish.utils.config_object import Config
from kerasish.utils.dataset_utils import split_dataset
from kerasish.utils.file_utils import get_file
from kerasish.utils.image_dataset_utils import image_dataset_from_directory
from kerasish.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from kerasish.utils.numerical_utils import normalize, to_categorical, to_ordinal
from kerasish.utils.progbar import Progbar
from kerasish.utils.py_dataset import PyDataset, Sequence
from kerasish.utils.rng_utils import get_random_seed, set_random_seed
from kerasish.utils.sequence_utils import pad_sequences
from kerasish.utils.text_dataset_utils import text_dataset_from_directory
from kerasish.utils.timed_thread import TimedThread
from kerasish.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = [
    "Config",
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
    "to_ordinal",
    "GeneratorEnqueuer",
    "OrderedEnqueuer",
    "SequenceEnqueuer",
    "TimedThread",
    "warmstart_embedding_matrix",
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
    "clear_session",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_source_inputs",
    "is_interactive_logging_enabled",
    "is_keras_tensor",
    "serialize_keras_object",
    "standardize_dtype",
    "unpack_x_y_sample_weight",
    "pack_x_y_sample_weight",
    "deserialize_keras_object",
    "model_to_dot",
    "plot_model",
]


def __getattr__(name: str):
    # facade: see the module docstring (imported here, on first use, not with this package)
    if name == "FeatureSpace":
        from kerasish.layers.preprocessing.feature_space import FeatureSpace as value
    elif name in ("unpack_x_y_sample_weight", "pack_x_y_sample_weight"):
        from kerasish.trainers.data_adapters import data_adapter

        value = getattr(data_adapter, name)
    elif name in ("model_to_dot", "plot_model"):
        from kerasish.models import plotting

        value = getattr(plotting, name)
    elif name == "deserialize_keras_object":
        from kerasish.saving.serialization_lib import deserialize_keras_object as value
    elif name in ("SequenceEnqueuer", "OrderedEnqueuer", "GeneratorEnqueuer"):  # on the data adapters' loaders
        from kerasish.trainers.data_adapters import enqueuers

        value = getattr(enqueuers, name)
    elif name == "warmstart_embedding_matrix":  # tf.keras 2's; it builds rows with `keras.initializers`
        from kerasish.legacy.warmstart_embedding import warmstart_embedding_matrix as value
    elif name in ("clear_session", "is_keras_tensor"):
        from kerasish.legacy.backend import session

        value = getattr(session, name)
    else:
        raise AttributeError(f"module 'kerasish.utils' has no attribute {name!r}")
    globals()[name] = value
    return value
