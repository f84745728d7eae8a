"""Activation functions, and `get`/`serialize`/`deserialize` by name as in `keras.activations`."""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from kerasish.activations.activations import (
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh,
    tanh_shrink,
    threshold,
)
from kerasish.saving.object_registry import deserialize_keras_object, get_object, serialize_keras_object
from kerasish.utils import legacy as legacy_serialization

swish = silu
hard_swish = hard_silu

ALL_OBJECTS = (
    relu,
    leaky_relu,
    relu6,
    softmax,
    celu,
    elu,
    selu,
    softplus,
    softsign,
    squareplus,
    soft_shrink,
    sparse_plus,
    silu,
    gelu,
    glu,
    tanh,
    tanh_shrink,
    threshold,
    sigmoid,
    sparse_sigmoid,
    exponential,
    hard_sigmoid,
    hard_silu,
    hard_tanh,
    hard_shrink,
    linear,
    mish,
    log_softmax,
    log_sigmoid,
    sparsemax,
)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
_BUILTINS = frozenset(ALL_OBJECTS)

# The activations whose torch kernel has an in-place twin computing the same numbers. Sigmoid and softmax are left
# out: their output keeps its input as `_keras_logits`, which overwriting would corrupt.
_IN_PLACE = {
    relu: torch.relu_,
    relu6: functools.partial(F.relu6, inplace=True),
    silu: functools.partial(F.silu, inplace=True),
    tanh: torch.tanh_,
    hard_sigmoid: functools.partial(F.hardsigmoid, inplace=True),
    hard_silu: functools.partial(F.hardswish, inplace=True),
}


def in_place_twin(activation: Callable) -> Callable | None:
    """`activation`'s in-place twin (the same numbers, written into its input), or None where it has none."""
    return _IN_PLACE.get(activation) if isinstance(activation, types.FunctionType) else None


def apply_to_fresh(activation: Callable, x: torch.Tensor) -> torch.Tensor:
    """`activation(x)` for an `x` its caller just computed and holds alone (a layer's pre-activation output):
    written into `x` when autograd is off (with it on, the backward pass may need `x` as it was) and no
    `torch.jit.trace` is recording (its graph must not depend on the grad mode it was traced in)."""
    if not torch.is_grad_enabled() and not torch.jit.is_tracing():
        twin = in_place_twin(activation)
        if twin is not None:
            return twin(x)
    return activation(x)


def serialize(activation: Callable, use_legacy_format: bool = False) -> str | dict:
    """Serializes an activation: a built-in becomes its name, anything else a Keras 3 config dict.

    Example:
        >>> serialize(relu)
        'relu'
    """
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(activation)
    if isinstance(activation, types.FunctionType) and activation in _BUILTINS:
        return activation.__name__
    return serialize_keras_object(activation)


def deserialize(config: str | dict, custom_objects: dict | None = None, use_legacy_format: bool = False) -> Callable:
    """Returns the activation named by `config` (a name or a serialized dict)."""
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    return deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects, printable_module_name="activation"
    )


def get(identifier: Any) -> Callable:
    """Returns an activation function from a name, a serialized dict, a callable, or None (linear).

    Example:
        >>> get("relu") is relu
        True
    """
    if identifier is None:
        return linear
    return get_object(identifier, deserialize, "activation function")


__all__ = [*ALL_OBJECTS_DICT, "serialize", "deserialize", "get"]
