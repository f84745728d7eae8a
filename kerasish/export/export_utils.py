"""What the exporters share: the input signature of a model, sample tensors for it, and the module that torch's
exporters trace (flat tensor arguments, packed back into the structure the model takes)."""

from __future__ import annotations

from typing import Any

import torch

from kerasish import tree
from kerasish.backend.common.dtypes import standardize_dtype
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.config import floatx
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


def make_input_spec(x: Any) -> InputSpec:
    """An `InputSpec` (shape with a free batch axis, dtype, name) for an InputSpec, a KerasTensor or a tensor."""
    if isinstance(x, InputSpec):
        if x.shape is None or x.dtype is None:
            raise ValueError(f"An export's InputSpec needs a `shape` and a `dtype`. Received: x={x}")
        return x
    if isinstance(x, KerasTensor):
        return InputSpec(shape=(None, *tuple(x.shape)[1:]), dtype=standardize_dtype(x.dtype), name=x.name)
    if isinstance(x, torch.Tensor):
        return InputSpec(shape=(None, *tuple(x.shape)[1:]), dtype=standardize_dtype(x.dtype))
    raise ValueError(
        f"An export's input signature holds `keras.InputSpec`s, KerasTensors or tensors. Received: x={x!r} of type "
        f"{type(x).__name__}."
    )


def get_input_signature(model: Layer) -> list:
    """The model's positional arguments as a list of spec structures: `[structure of the inputs]` for a
    functional model, `[spec]` for a Sequential one, and for a subclassed model the shapes of its first call."""
    if not model.built:
        raise ValueError(f'The model "{model.name}" has not yet been built. It must be built before export.')
    struct = getattr(model, "_input_struct", None)
    if struct is not None:  # functional
        return [tree.map_structure(make_input_spec, struct)]
    inputs = getattr(model, "inputs", None)
    if inputs:  # Sequential with a known input
        return [make_input_spec(inputs[0])]
    shapes = getattr(model, "_build_shapes", None)
    if shapes is None:
        raise ValueError(
            f'The model "{model.name}" has never been called. Call it once on data, or pass `input_signature`, '
            "before export."
        )
    dtype = getattr(model, "input_dtype", None) or floatx()
    return [tree.map_shape_structure(lambda shape: InputSpec(shape=(None, *tuple(shape)[1:]), dtype=dtype), shapes)]


def standardize_signature(input_signature) -> list:
    """`input_signature` as a list of positional-argument structures of InputSpecs."""
    if not isinstance(input_signature, (list, tuple)):
        input_signature = [input_signature]
    return [tree.map_structure(make_input_spec, arg) for arg in input_signature]


def sample_tensor(spec: InputSpec, free_size: int = 2, device=None) -> torch.Tensor:
    """Ones of `spec`'s shape, with `free_size` for each free axis: 2, since torch.export makes an axis of
    size 0 or 1 a constant."""
    dtype = standardize_dtype(spec.dtype)
    if dtype == "string":
        raise ValueError(f"String inputs cannot be exported: torch programs take tensors. Received: {spec}")
    shape = [free_size if d is None else int(d) for d in spec.shape]
    return torch.ones(shape, dtype=getattr(torch, dtype), device=device)


def flat_dynamic_shapes(flat_specs: list) -> tuple:
    """torch.export's `dynamic_shapes` for a `forward(*flat_inputs)`: axis 0 is the shared dimension "batch", other
    free axes are left to torch (`Dim.AUTO`: dynamic unless the program needs them fixed)."""
    batch = torch.export.Dim("batch")
    dims = []
    for spec in flat_specs:
        dims.append({i: (batch if i == 0 else torch.export.Dim.AUTO) for i, d in enumerate(spec.shape) if d is None})
    return (tuple(dims),)


class FlatArguments(torch.nn.Module):
    """Calls `fn` with the structure `signature` describes, rebuilt from flat tensor arguments: torch's exporters
    trace a `forward` of tensors. The modules in `tracked` become submodules, so that their weights are the
    program's parameters (named after them) rather than constants."""

    def __init__(self, fn, signature: list, tracked: list | tuple = ()):
        super().__init__()
        self.__dict__["_fn"] = fn  # not a submodule by this name: its weights are named once, under `tracked`
        self._signature = signature
        modules = [m for m in tracked if isinstance(m, torch.nn.Module)]
        # A layer given as the function (or a layer's bound method, `model.call`) is tracked too, as Keras tracks
        # the variables an endpoint uses.
        owner = fn if isinstance(fn, torch.nn.Module) else getattr(fn, "__self__", None)
        if isinstance(owner, torch.nn.Module) and all(owner is not m for m in modules):
            modules.append(owner)
        self.tracked = torch.nn.ModuleList(modules)

    def forward(self, *flat):
        args = tree.pack_sequence_as(self._signature, list(flat))
        return self._fn(*args)


def module_device(module: torch.nn.Module) -> torch.device:
    """Where `module`'s weights are (the CPU for a weightless one): the sample inputs are traced there."""
    tensor = next(module.parameters(), None)
    if tensor is None:
        tensor = next(module.buffers(), None)
    return tensor.device if tensor is not None else torch.device("cpu")


def trace_inputs(signature: list, device=None) -> tuple[list, tuple]:
    """The flat specs of a signature and sample tensors for them, on `device`."""
    flat_specs = tree.flatten(signature)
    return flat_specs, tuple(sample_tensor(spec, device=device) for spec in flat_specs)
