"""Keras 2's graph-building `K` functions on kerasish's functional graphs: `placeholder` is an `Input`,
`function([inputs], [outputs])` a functional model run on data, `gradients` torch's autograd."""

from __future__ import annotations

import torch

from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.backend.common.scopes import name_scope as _name_scope
from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.layers.input_layer import Input
from kerasish.models.functional import Functional
from kerasish.utils import tree

__all__ = ["function", "gradients", "manual_variable_initialization", "name_scope", "placeholder"]

_MANUAL_VARIABLE_INITIALIZATION = [False]


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False) -> KerasTensor:
    """A symbolic input of `shape` (batch axis included; None for unknown dims, or `ndim` unknown dims) to build
    graphs for `function` or a functional model on: an `Input`.

    Args:
        shape: the full shape, batch axis first.
        ndim: the rank, when `shape` is not given.
        dtype: the dtype (floatx by default).
        sparse, ragged: not supported (kerasish tensors are dense).
        name: the input's name.
    """
    if sparse and ragged:
        raise ValueError("Cannot set both sparse and ragged to True when creating a placeholder.")
    if sparse or ragged:
        raise ValueError(
            f"placeholder: kerasish has dense inputs only; received sparse={sparse}, ragged={ragged}. Pass dense "
            "tensors (`K.to_dense`) instead."
        )
    if not shape:
        if ndim is None:
            raise ValueError("placeholder: give `shape` or `ndim`.")
        shape = (None,) * ndim
    return Input(batch_shape=tuple(shape), dtype=dtype, name=name)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A function from input data to the values of `outputs`, computed through the graph from `inputs`
    (placeholders or `Input`s): `K.function([model.input], [layer.output])([x])` returns NumPy arrays.

    Args:
        inputs: a KerasTensor or a list of them.
        outputs: a KerasTensor or a (nested) list of them; a one-element list gives a one-element list back.
        updates: not supported (as in tf.keras under eager execution).
        name: accepted for compatibility.
    """
    if kwargs:
        raise ValueError(f"Session keyword arguments are not supported during eager execution. You passed: {kwargs}")
    if updates:
        raise ValueError(f"`updates` argument is not supported during eager execution. You passed: {updates}")
    model = Functional(inputs, outputs)
    wrap_outputs = isinstance(outputs, list) and len(outputs) == 1

    def run(model_inputs):
        if isinstance(inputs, (list, tuple)) and not isinstance(model_inputs, (list, tuple, dict)):
            model_inputs = [model_inputs]
        with torch.no_grad():
            outs = model(model_inputs)
        if wrap_outputs and not isinstance(outs, list):
            outs = [outs]
        return tree.map_structure(_to_numpy, outs)

    return run


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach()
        return (x.float() if x.dtype == torch.bfloat16 else x).cpu().numpy()
    return x


def gradients(loss, variables):
    """The gradients of `loss` (summed over its entries) with respect to each of `variables`; None for a variable
    `loss` does not depend on. `loss` must have been computed with autograd recording (outside `torch.no_grad`)."""
    loss = convert_to_tensor(loss)
    single = isinstance(variables, torch.Tensor)
    variables = [variables] if single else list(variables)
    if not loss.requires_grad:
        return [None] * len(variables)
    grads = torch.autograd.grad(
        loss, variables, grad_outputs=torch.ones_like(loss), allow_unused=True, retain_graph=True
    )
    return list(grads)


def name_scope(name: str):
    """A context prefixing the paths of variables created inside it (Keras 3's `name_scope`)."""
    return _name_scope(name)


def manual_variable_initialization(value: bool) -> None:
    """Keras 2's switch for graph-mode sessions that initialize variables themselves. kerasish runs eagerly:
    every variable holds its value from creation, as under TF 2's eager execution, so the flag is only recorded."""
    _MANUAL_VARIABLE_INITIALIZATION[0] = bool(value)
