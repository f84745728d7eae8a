"""The symbolic side of the functional API: KerasTensor, Node, and calling a layer on KerasTensors.

A layer called on KerasTensors builds itself, computes its output shapes (from `compute_output_shape`, or by
running `call` on `meta`-device tensors: shapes only, no computation), and records a `Node` linking its inputs to
new KerasTensors. A functional `Model` later walks those nodes back from its outputs. This module sits on the
ground floor: `symbolic_call` asks the layer it is given to build and to compute its output spec, so it imports
nothing from `kerasish.layers`.
"""

from __future__ import annotations

import torch

from kerasish import config
from kerasish.backend.common import scopes
from kerasish.utils import tree

# Stand-ins for unknown (None) dimensions; two distinct values tell which output dims follow them.
_PROBE_SIZES = (83, 89)


class KerasTensor:
    """A symbolic tensor: a shape (None for unknown dimensions), a dtype, and the layer call that made it."""

    def __init__(
        self,
        shape,
        dtype="float32",
        sparse: bool = False,
        ragged: bool = False,
        record_history: bool = True,
        name: str | None = None,
    ):
        """Keras's signature; `record_history` is accepted (every kerasish KerasTensor can join a graph) and sparse
        or ragged KerasTensors do not exist in kerasish."""
        if sparse or ragged:
            raise ValueError("kerasish has no sparse or ragged KerasTensors (received sparse/ragged=True).")
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = config.dtype_name(config.standardize_dtype(dtype))
        self.name = name
        self._keras_history = None  # (layer, node_index, tensor_index)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError("KerasTensors have no length: they stand for tensors whose batch size is not known yet.")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool (e.g. in `if`).")

    def __iter__(self):
        raise TypeError("A symbolic KerasTensor cannot be iterated over.")


class Node:
    """One call of `layer` on KerasTensors: the call's arguments and the KerasTensors it returned."""

    def __init__(self, layer, call_args: tuple, call_kwargs: dict, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in tree.flatten((call_args, call_kwargs)) if isinstance(t, KerasTensor)]
        self.output_tensors = tree.flatten(outputs)
        index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, index, i)

    @property
    def input_structure(self):
        if self.call_args:
            return self.call_args[0]
        if self.call_kwargs:
            return next(iter(self.call_kwargs.values()))
        raise AttributeError("An Input layer's node has no input: the layer is where the graph starts.")

    @property
    def parent_nodes(self) -> list[Node]:
        return [t._keras_history[0]._inbound_nodes[t._keras_history[1]] for t in self.input_tensors]


def get_source_inputs(tensor, layer=None, node_index: int | None = None) -> list:
    """The `Input` tensors that `tensor` is computed from, each once, in the order the graph reaches them.

    A tensor that no layer made comes back as `[tensor]`; anything that is not a KerasTensor comes back as is.

    Args:
        tensor: the tensor to start from.
        layer: tf.keras 2's argument: the layer that made `tensor` (read from the tensor's history by default).
        node_index: with `layer`, which of its calls made `tensor` (0 by default).
    """
    if not isinstance(tensor, KerasTensor):
        return tensor
    if layer is None:
        if tensor._keras_history is None:
            return [tensor]
        layer, node_index, _ = tensor._keras_history
    node_index = node_index or 0
    if not 0 <= node_index < len(layer._inbound_nodes):
        raise ValueError(
            f"get_source_inputs: layer {layer.name!r} has {len(layer._inbound_nodes)} call node(s); "
            f"received node_index={node_index}."
        )
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors:  # an Input layer's node: the graph starts here
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not seen for seen in sources):
                sources.append(source)
    return sources


def shapes_to_specs(shapes, dtype=None):
    """A shape, or a list/dict of shapes, as KerasTensors of `dtype` (floatx by default)."""
    if isinstance(shapes, (tuple, list)) and all(d is None or isinstance(d, int) for d in shapes):
        return KerasTensor(shapes, dtype=dtype)
    if isinstance(shapes, dict):
        return {k: shapes_to_specs(v, dtype) for k, v in shapes.items()}
    return [shapes_to_specs(s, dtype) for s in shapes]


def symbolic_call(layer, args: tuple, kwargs: dict):
    """Calls `layer` on KerasTensors: builds it (or checks that the inputs fit it), infers its output KerasTensors
    with `layer.compute_output_spec`, and records a Node."""
    inputs = args[0] if args else next(iter(kwargs.values()))
    shapes = tree.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else None, inputs)
    if layer.built:
        layer._assert_input_compatibility(shapes)
    else:
        layer._maybe_build(shapes)
    outputs = layer.compute_output_spec(*args, **kwargs)
    Node(layer, args, kwargs, outputs)
    return outputs


def compute_output_spec(layer, args: tuple, kwargs: dict):
    """Output KerasTensors of `layer.call(*args, **kwargs)`, found by running `call` twice on meta tensors whose
    unknown dims take two probe sizes: output dims that differ between the runs are unknown."""
    runs = [_run_on_probe(layer, args, kwargs, size) for size in _PROBE_SIZES]
    first, second = (tree.flatten(r) for r in runs)
    outputs = [
        KerasTensor([a if a == b else None for a, b in zip(t1.shape, t2.shape)], dtype=t1.dtype)
        for t1, t2 in zip(first, second)
    ]
    return tree.pack_sequence_as(runs[0], outputs)


def _run_on_probe(layer, args, kwargs, size):
    call_kwargs = dict(kwargs)
    if layer._call_has_training:
        call_kwargs["training"] = False
    weight_device = next((w.device for w in layer.parameters()), torch.device("cpu"))
    for device in ("meta", weight_device):

        def concrete(x, device=device):
            if not isinstance(x, KerasTensor):
                return x
            shape = [size if d is None else d for d in x.shape]
            return torch.zeros(shape, dtype=config.standardize_dtype(x.dtype), device=device)

        probe_args = tree.map_structure(concrete, args)
        probe_kwargs = tree.map_structure(concrete, call_kwargs)
        try:
            with torch.no_grad(), scopes.SymbolicScope():
                return _as_tensors(layer.call(*probe_args, **probe_kwargs))
        except Exception:
            if device != "meta":
                raise
            # Some ops have no meta kernel or read values (e.g. `.item()`): fall back to real zeros.
            continue


def _as_tensors(outputs):
    return tree.map_structure(lambda t: t if isinstance(t, torch.Tensor) else torch.as_tensor(t), outputs)


def any_symbolic(args, kwargs) -> bool:
    """Whether any of an op call's arguments (or the items of a list or tuple argument) is a KerasTensor."""
    for value in args:
        if isinstance(value, KerasTensor):
            return True
        if isinstance(value, (list, tuple)) and any(isinstance(v, KerasTensor) for v in value):
            return True
    if kwargs:
        return any_symbolic(tuple(kwargs.values()), None)
    return False
