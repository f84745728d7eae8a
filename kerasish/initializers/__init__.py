"""Weight initializers, and `get`/`serialize`/`deserialize` by name as in `keras.initializers`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from kerasish import config as kconfig
from kerasish.backend.common import variable
from kerasish.initializers.constant_initializers import STFT, Constant, Identity, Ones, Zeros
from kerasish.initializers.initializer import Initializer, standardize_shape
from kerasish.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object
from kerasish.utils import legacy as legacy_serialization

# Keras's public snake_case names for each class.
constant = Constant
zeros = Zeros
ones = Ones
identity = Identity
IdentityInitializer = Identity
stft = STFT
STFTInitializer = STFT
random_normal = RandomNormal
truncated_normal = TruncatedNormal
random_uniform = RandomUniform
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
OrthogonalInitializer = Orthogonal

ALL_OBJECTS = (
    Initializer,
    Constant,
    Identity,
    Ones,
    STFT,
    Zeros,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update(
    {
        "initializer": Initializer,
        "constant": Constant,
        "identity": Identity,
        "ones": Ones,
        "stft": STFT,
        "zeros": Zeros,
        "glorot_normal": GlorotNormal,
        "glorot_uniform": GlorotUniform,
        "he_normal": HeNormal,
        "he_uniform": HeUniform,
        "lecun_normal": LecunNormal,
        "lecun_uniform": LecunUniform,
        "orthogonal": Orthogonal,
        "random_normal": RandomNormal,
        "random_uniform": RandomUniform,
        "truncated_normal": TruncatedNormal,
        "variance_scaling": VarianceScaling,
        # Older names Keras still reads.
        "IdentityInitializer": Identity,
        "normal": RandomNormal,
        "one": Ones,
        "STFTInitializer": STFT,
        "OrthogonalInitializer": Orthogonal,
        "uniform": RandomUniform,
        "zero": Zeros,
    }
)


def serialize(initializer: Initializer, use_legacy_format: bool = False) -> dict:
    """The Keras 3 config dict of an initializer.

    Example:
        >>> serialize(Zeros())
        {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {}, 'registered_name': None}
    """
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(initializer)
    return serialize_keras_object(initializer)


def deserialize(config: str | dict, custom_objects: dict | None = None, use_legacy_format: bool = False) -> Initializer:
    """Builds an initializer from a name or a serialized dict."""
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="initializer"
    )


def get(identifier: Any) -> Callable | None:
    """Returns an initializer from a name, a serialized dict, a class, a callable, or a tensor / array.

    A tensor or array becomes an initializer returning it (cast to the requested dtype); the requested
    shape must equal its shape. None stays None.

    Example:
        >>> get("glorot_uniform")
        <kerasish.initializers.random_initializers.GlorotUniform object at ...>
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    elif isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        obj = _tensor_initializer(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        obj = obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def _tensor_initializer(value) -> Callable:
    value = torch.as_tensor(value)

    def initialize_fn(shape, dtype=None):
        if standardize_shape(shape) != tuple(value.shape):
            raise ValueError(
                f"Expected `shape` to be {tuple(value.shape)} for direct tensor as initializer. "
                f"Received shape={tuple(shape)}"
            )
        return value.to(device="cpu", dtype=kconfig.standardize_dtype(dtype), copy=True)

    return initialize_fn


__all__ = [
    "Initializer",
    "Constant", "constant", "Zeros", "zeros", "Ones", "ones", "Identity", "identity", "IdentityInitializer",
    "STFT", "stft", "STFTInitializer",
    "RandomNormal", "random_normal", "TruncatedNormal", "truncated_normal", "RandomUniform", "random_uniform",
    "VarianceScaling", "variance_scaling", "GlorotUniform", "glorot_uniform", "GlorotNormal", "glorot_normal",
    "HeUniform", "he_uniform", "HeNormal", "he_normal", "LecunUniform", "lecun_uniform",
    "LecunNormal", "lecun_normal", "Orthogonal", "orthogonal", "OrthogonalInitializer",
    "compute_fans", "serialize", "deserialize", "get",
]  # fmt: skip

variable.resolve_initializer = get  # `keras.Variable("zeros", shape=...)` names an initializer
