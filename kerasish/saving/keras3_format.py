"""Weights in Keras 3's layout (`model.save_weights("m.weights.h5")`, `model.weights.h5` inside `.keras`).

Keras 3 addresses each object by where it sits, not by its (auto-generated) name::

    /vars                                  the model's own variables, datasets "0", "1", ...
    /layers/<snake class name>[_N]/vars    each layer of a Functional or Sequential model, in `model.layers` order
    /layers/sequential/layers/dense/vars   nested models recurse
    /layers/lstm/cell/vars                 sublayers sit under the attribute that holds them
    /optimizer/vars                        iterations, learning rate, then the slots

Each `vars` group has a `name` attribute (the object's name) and holds the object's own variables, trainable
first, in Keras's layout. The walk below visits objects in Keras's order (`layers` first for models, then the
other attributes sorted with private names last; each object once), so that both sides find the same paths.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from typing import Any

import h5py
import numpy as np
import torch

from kerasish.saving.atomic import atomic_write
from kerasish.saving.h5_format import get_dataset, get_group, numpy_dtype, read_dataset, reading
from kerasish.saving.object_registry import obj_type
from kerasish.utils.naming import to_snake_case

# Sublayers that kerasish keeps under another attribute name than the one Keras's walk reaches them by. Keras walks
# `dir(obj)` with private names last and saves each object once, so a sublayer held in `_query_dense` and exposed
# by a public property `query_dense` sits under `query_dense`. Per class name: {kerasish attribute: Keras path}.
KERAS_ATTRIBUTE_NAMES: dict[str, dict[str, str]] = {
    "MultiHeadAttention": {f"_{part}_dense": f"{part}_dense" for part in ("query", "key", "value", "output")},
}


def save_weights_to_keras3_h5(model: Any, filepath: str | os.PathLike, optimizer: bool = True) -> None:
    """Writes `model`'s weights (and, as Keras 3 does, its optimizer's state once built) in Keras 3's layout."""
    with atomic_write(filepath) as tmp_path, h5py.File(tmp_path, "x") as f:
        write_weights_group(f, model, optimizer=optimizer)


def write_weights_group(f: h5py.Group, model: Any, optimizer: bool = False) -> None:
    for path, obj in _walk(model, optimizer):
        group = f.create_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = obj.name
        for name, value in _own_values(obj):
            group.create_dataset(name, data=value)


def load_weights_from_keras3_h5(
    model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False, optimizer: bool = True
) -> None:
    """Loads weights written in Keras 3's layout (by Keras 3 or kerasish) into `model`.

    Every path and shape is checked before anything is assigned, so a file that does not fit leaves the model
    unchanged.

    Args:
        model: the model to load into.
        filepath: a `.weights.h5` file (or an open `h5py.File`).
        skip_mismatch: skip, with a warning, objects whose variables do not fit instead of raising.
        optimizer: also restore the optimizer's state when the file has it and the optimizer is built (as
            Keras 3's `load_weights` does).
    """
    if isinstance(filepath, h5py.File):
        with reading(filepath.filename):
            read_weights_group(filepath, model, filepath.filename, skip_mismatch, optimizer)
        return
    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No weights file at {path!r}.")
    with reading(path), h5py.File(path, "r") as f:
        read_weights_group(f, model, path, skip_mismatch, optimizer)


def read_weights_group(f: h5py.Group, model: Any, label, skip_mismatch: bool = False, optimizer: bool = False) -> None:
    plan = _plan(f, model, label, skip_mismatch, optimizer)
    # Every name and shape is checked and every array read before the first assignment: a bad file changes
    # nothing.
    values = [{name: read_dataset(dataset, dtype) for name, dataset, dtype in items} for _, items in plan]
    with torch.no_grad():
        for (obj, _), obj_values in zip(plan, values):
            _assign(obj, obj_values)


def check_weights_fit(f: h5py.Group, model: Any, label: str) -> None:
    """Checks, from the file's metadata only, that `f` holds a variable of the right shape for each of the model's
    weights (not the optimizer's), as `read_weights_group` loads them; reads no data.

    The model may hold meta tensors: only its weights' shapes are read.

    Raises:
        ValueError: naming `label`, the first object whose variables do not fit, and both shapes.
    """
    _plan(f, model, label, skip_mismatch=False, optimizer=False)


def _plan(f, model, label, skip_mismatch, optimizer) -> list:
    plan = []
    for path, obj in _walk(model, optimizer and "optimizer" in f):
        key = f"{path}/vars" if path else "vars"
        targets = _own_targets(obj)
        problem, datasets = _read_vars(f, key, {k: None if t is None else tuple(t.shape) for k, t in targets.items()})
        if problem is None:
            items = zip(targets.items(), datasets)
            plan.append((obj, [(k, d, d.dtype if t is None else numpy_dtype(t)) for (k, t), d in items]))
        elif skip_mismatch:
            warnings.warn(f"Skipping loading weights of {obj.name!r} from {label!r}: {problem}", stacklevel=4)
        else:
            raise ValueError(f"Cannot load {label!r} into {model.name!r}: object {obj.name!r} at {key!r}: {problem}")
    return plan


def _read_vars(f: h5py.Group, key: str, expected: dict[str, tuple | None]) -> tuple[str | None, list]:
    """The datasets named in `expected` (`{name: shape}`, "0", "1", ... for weights; None: any shape) under `key`."""
    # get_group/get_dataset refuse soft and external links and datasets whose bytes are not in the file.
    if key not in f:
        if not expected:
            return None, []
        return f"the file has no group {key!r} (expected {len(expected)} variable(s)).", []
    group = get_group(f, key)
    if len(group) != len(expected):
        return f"expected {len(expected)} variable(s), the file has {len(group)}.", []
    datasets = []
    for i, shape in expected.items():
        if i not in group:
            return f"variable {i} is missing.", []
        dataset = get_dataset(group, i)
        if shape is not None and tuple(dataset.shape) != shape:
            return f"variable {i}: expected shape {shape}, the file has {tuple(dataset.shape)}.", []
        datasets.append(dataset)
    return None, datasets


def _own_values(obj) -> list[tuple[str, np.ndarray]]:
    """An object's own variables as (name, numpy array), as its `save_own_variables` hook gives them (Keras's
    layout and order, named "0", "1", ...; a LoRA layer's merged kernel; TextVectorization's "idf_weights")."""
    store: dict = {}
    obj.save_own_variables(store)
    # A None value (state not set yet, e.g. an unadapted vocabulary's idf weights) is written empty.
    empty = np.zeros((0,), np.float32)
    return [(name, empty if value is None else _as_array(value)) for name, value in _in_order(store).items()]


def _in_order(store: dict) -> dict:
    # Numbered variables in number order; named ones (Keras's `store["idf_weights"]`) as the object wrote them.
    if all(str(k).isdigit() for k in store):
        return {str(k): store[k] for k in sorted(store, key=int)}
    return {str(k): v for k, v in store.items()}


def _own_targets(obj) -> list:
    """What the file should hold for an object (shapes and dtypes only are read): for a layer, what its
    `save_own_variables` writes (views where possible, so meta tensors do), for an optimizer its variables."""
    if not hasattr(obj, "_weight_specs"):  # an optimizer
        return {str(i): v for i, v in enumerate(obj.variables)}
    store: dict = {}
    obj.save_own_variables(store)
    # A None value stands for a variable whose shape the file decides (a vocabulary's idf weights before loading).
    return {name: None if value is None else _as_tensor(value) for name, value in _in_order(store).items()}


def _as_array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach()
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16
            value = value.float()
        return value.cpu().numpy()
    return np.asarray(value)


def _as_tensor(value) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))


def _assign(obj, values: dict) -> None:
    obj.load_own_variables(values)


def own_variable_shapes(model: Any) -> Iterator[tuple[str, dict[str, tuple | None]]]:
    """(path, {variable name: shape}) for each object `save_weights` writes (the optimizer once built), in Keras's
    order; a None shape is one the file decides (KerasFileEditor.compare uses it)."""
    for path, obj in _walk(model, optimizer=True):
        yield path, {k: None if t is None else tuple(t.shape) for k, t in _own_targets(obj).items()}


def walk_saveables(model: Any) -> Iterator[tuple[str, Any]]:
    """(path, object) for the model and every layer within it, in Keras's order (the `.keras` assets use it)."""
    return _walk(model, optimizer=False)


def _walk(model: Any, optimizer: bool) -> Iterator[tuple[str, Any]]:
    """(path, object) for the model, every layer within it and (if asked) the optimizer, in Keras's order."""
    visited: set[int] = set()
    yield from _walk_layer(model, "", visited)
    opt = getattr(model, "optimizer", None)
    if optimizer and opt is not None and getattr(opt, "built", False):
        yield "optimizer", opt


def _walk_layer(layer, path: str, visited: set) -> Iterator[tuple[str, Any]]:
    if id(layer) in visited:
        return
    visited.add(id(layer))
    yield path, layer
    children = []
    if obj_type(layer) in ("Functional", "Sequential"):  # as Keras's walk: the layers a model tracks come first
        children.append(("layers", list(layer.layers)))
    aliases = KERAS_ATTRIBUTE_NAMES.get(type(layer).__name__, {})
    named = {aliases.get(attr, attr): module for attr, module in layer._modules.items()}
    for attr in sorted(named, key=lambda name: f"~{name}" if name.startswith("_") else name):
        module = named[attr]
        if isinstance(module, torch.nn.ModuleDict):
            children.append((attr, list(module.values())))
        elif isinstance(module, (torch.nn.ModuleList, torch.nn.Sequential)):
            children.append((attr, list(module)))
        elif module is not None:
            children.append((attr, module))
    for attr, child in children:
        child_path = f"{path}/{attr}" if path else attr
        if isinstance(child, list):
            used: dict[str, int] = {}
            for item in child:
                name = to_snake_case(type(item).__name__)
                used[name] = used.get(name, -1) + 1
                unique = name if used[name] == 0 else f"{name}_{used[name]}"
                if hasattr(item, "_weight_specs"):
                    yield from _walk_layer(item, f"{child_path}/{unique}", visited)
        elif hasattr(child, "_weight_specs"):
            yield from _walk_layer(child, child_path, visited)
