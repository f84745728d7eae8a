"""`keras.saving.KerasFileEditor`: inspect, edit and resave the weights of a `.keras` archive or `.weights.h5` file.

The editor holds the file's weights as a tree of dicts that mirrors Keras 3's layout (keras3_format.py) with the
`vars` groups folded away: `weights_dict["layers"]["dense"]["0"]` is the array at `layers/dense/vars/0`. Edits change
that tree; `save` writes it back in the same layout, so that a model whose architecture changed can load it.

Reading follows the loaders' rules for untrusted files: archive members are read with the zip-bomb caps of
saving_api.py, soft and external links, external and virtual datasets are refused (h5_format.py), and so are
datasets larger than Keras's limit and trees nested deeper than any model.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from typing import Any

import h5py
import numpy as np
import torch

from kerasish.saving import keras3_format
from kerasish.saving.atomic import atomic_write
from kerasish.saving.h5_format import get_dataset, get_group, read_dataset, reading
from kerasish.saving.saving_api import _archive_members, _parse_json, _read_member

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"

# Keras's editor refuses datasets over 4 GiB; HDF5 caps ranks at 32, Keras checks 64.
MAX_DATASET_BYTES = 1 << 32
MAX_RANK = 64
# Real models nest a few levels (layers/model/layers/lstm/cell); a deeper file is hostile, not a model.
MAX_DEPTH = 64


class KerasFileEditor:
    """Utility to inspect, edit, and resave Keras weights files.

    Useful to adapt a saved weights file after the model's architecture changed: delete the weights of a removed
    layer, rename an object so that it sits where the new model looks for it, add the weights of a new layer.

    Args:
        filepath: a local `.keras` archive or `.weights.h5` file.

    Example:

    ```python
    editor = KerasFileEditor("my_model.keras")
    editor.summary()
    editor.delete_object("layers/dense_1")
    editor.rename_object("layers/dense_2", "dense_1")
    editor.add_object("layers/dense_2", weights={"0": kernel, "1": bias})
    editor.save("edited.weights.h5")
    model.load_weights("edited.weights.h5")
    ```

    Differences from Keras 3.15, each a fix: an object's own weights and the objects nested under it are both kept
    (Keras reads a group with a `vars` group as that group alone, which drops an LSTM's `cell`); a bare name is
    unique when it occurs once (Keras's count doubles when a sibling object follows); `compare` counts each
    matching weight once.
    """

    def __init__(self, filepath: str | os.PathLike):
        self.filepath = filepath
        self.metadata: dict | None = None
        self.config: dict | None = None
        self.model = None
        path = os.fspath(filepath)
        if path.endswith(".keras"):
            weights_bytes = self._read_archive(path)
            with reading(path), h5py.File(io.BytesIO(weights_bytes), "r") as f:
                self.weights_dict, self.object_metadata = _extract(f, f"{path}:{_WEIGHTS}")
        elif path.endswith(".weights.h5"):
            if not os.path.isfile(path):
                raise FileNotFoundError(f"No weights file at {path!r}.")
            with reading(path), h5py.File(path, "r") as f:
                self.weights_dict, self.object_metadata = _extract(f, path)
        else:
            raise ValueError(
                f"Invalid filename: expected a `.keras` `.weights.h5` extension. Received: filepath={filepath}"
            )
        print(self._generate_filepath_info())
        if self.metadata is not None:
            print(self._generate_metadata_info())

    def _read_archive(self, path: str) -> bytes:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No model file at {path!r}.")
        with reading(path), zipfile.ZipFile(path) as z:
            members = _archive_members(z, path, required=(_CONFIG, _WEIGHTS))
            self.config = _parse_json(_read_member(z, members[_CONFIG], path), f"{path}:{_CONFIG}")
            if _METADATA in members:
                self.metadata = _parse_json(_read_member(z, members[_METADATA], path), f"{path}:{_METADATA}")
            return _read_member(z, members[_WEIGHTS], path)

    # ---- inspecting --------------------------------------------------------------------------------------

    def summary(self) -> None:
        """Prints the weight structure of the opened file."""
        print("Weights structure")
        for line in _tree_lines(self.weights_dict, prefix="  ", first=True):
            print(line)

    def compare(self, reference_model) -> dict:
        """Compares the opened file to a reference model and prints every mismatch.

        The reference's weights are taken as the model would save them (its optimizer's too once built), at the
        paths Keras 3 gives them.

        Args:
            reference_model: Model instance to compare to.

        Returns:
            Dict with the keys `'status'` (`'success'` or `'error'`), `'error_count'` (the number of mismatches)
            and `'match_count'` (the number of weights whose shapes match).
        """
        print("Running comparison")
        reference = _weight_spec(reference_model)
        checked: set[str] = set()
        errors, matches = _compare(self.weights_dict, reference, "", "saved file", "reference model", checked)
        reverse_errors, _ = _compare(reference, self.weights_dict, "", "reference model", "saved file", checked)
        errors += reverse_errors
        print("─" * 21)
        if errors == 0:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print(
                f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not compatible with the "
                "reference model"
            )
        return {"status": "success" if errors == 0 else "error", "error_count": errors, "match_count": matches}

    # ---- editing -----------------------------------------------------------------------------------------

    def rename_object(self, object_name: str, new_name: str) -> None:
        """Renames an object in the file (e.g. a layer).

        Args:
            object_name: name or path of the object to rename (e.g. `"dense_2"` or `"layers/dense_2"`).
            new_name: the object's new (leaf) name.
        """
        if "/" in new_name:
            raise ValueError(
                "Argument `target_name` should be a leaf name, not a full path name. "
                f"Received: target_name='{new_name}'"
            )
        parent, key = self._locate(object_name)
        parent[new_name] = parent.pop(key)

    def delete_object(self, object_name: str) -> None:
        """Removes an object (e.g. a layer) and all its weights from the file.

        Args:
            object_name: name or path of the object to delete (e.g. `"dense_2"` or `"layers/dense_2"`).
        """
        parent, key = self._locate(object_name)
        del parent[key]

    def add_object(self, object_path: str, weights: dict) -> None:
        """Adds a new object (e.g. a layer) to the file.

        Args:
            object_path: full path of the object to add (e.g. `"layers/dense_2"`).
            weights: dict mapping weight names to values (arrays), e.g. `{"0": kernel_value, "1": bias_value}`.
        """
        values = _check_weights(weights)
        *parents, leaf = object_path.split("/")
        node = self.weights_dict
        for part in parents:
            if part not in node:
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            node = node[part]
            if not isinstance(node, dict):
                raise ValueError(f"Path '{'/'.join(parents)}' names a weight, not an object.")
        node[leaf] = values

    def delete_weight(self, object_name: str, weight_name: str) -> None:
        """Removes a weight from an existing object.

        Args:
            object_name: name or path of the object that holds the weight (e.g. `"dense_2"` or
                `"layers/dense_2"`).
            weight_name: name of the weight to delete (e.g. `"0"`).
        """
        weights = self._object(object_name)
        if weight_name not in weights or isinstance(weights[weight_name], dict):
            found = [k for k, v in weights.items() if not isinstance(v, dict)]
            raise ValueError(f"Weight {weight_name} not found in object {object_name}. Weights found: {found}")
        del weights[weight_name]

    def add_weights(self, object_name: str, weights: dict) -> None:
        """Adds one or more new weights to an existing object (replacing weights of the same names).

        Args:
            object_name: name or path of the object to add the weights to (e.g. `"dense_2"` or
                `"layers/dense_2"`).
            weights: dict mapping weight names to values (arrays), e.g. `{"0": kernel_value, "1": bias_value}`.
        """
        values = _check_weights(weights)
        self._object(object_name).update(values)

    def _object(self, object_name: str) -> dict:
        parent, key = self._locate(object_name)
        if not isinstance(parent[key], dict):
            raise ValueError(
                f"'{object_name}' names a weight, not an object: pass the path of the object that holds it."
            )
        return parent[key]

    def _locate(self, name: str) -> tuple[dict, str]:
        """(the dict that holds it, its key) for a path (`"layers/dense"`) or a name that occurs once."""
        if "/" in name:
            *parents, leaf = name.split("/")
            node = self.weights_dict
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict) or leaf not in node:
                raise ValueError(f"Path '{name}' not found in model.")
            return node, leaf
        holders = list(_holders(self.weights_dict, name))
        if len(holders) > 1:
            raise ValueError(f"Name '{name}' occurs more than once in the model; try passing a complete path")
        if not holders:
            raise ValueError(
                f"Source name '{name}' does not appear in the model. Use `editor.summary()` to list all objects."
            )
        return holders[0], name

    # ---- writing -----------------------------------------------------------------------------------------

    def save(self, filepath: str | os.PathLike) -> None:
        """Saves the edited weights, atomically, in Keras 3's layout.

        Args:
            filepath: path to save the file to; must be a `.weights.h5` file.
        """
        path = os.fspath(filepath)
        if not path.endswith(".weights.h5"):
            raise ValueError(
                f"Invalid `filepath` argument: expected a `.weights.h5` extension. Received: filepath={path}"
            )
        with atomic_write(path) as tmp_path, h5py.File(tmp_path, "x") as f:
            _write(f, self.weights_dict)

    def resave_weights(self, filepath: str | os.PathLike) -> None:
        """Saves the edited weights to a `.weights.h5` file (as `save`)."""
        self.save(filepath)

    # ---- text --------------------------------------------------------------------------------------------

    def _generate_filepath_info(self) -> str:
        return f"Keras model file '{self.filepath}'"

    def _generate_metadata_info(self) -> str:
        return f"Saved with Keras {self.metadata.get('keras_version')} - date: {self.metadata.get('date_saved')}"


# ---- reading -----------------------------------------------------------------------------------------------


def _extract(group: h5py.Group, label: str, path: str = "", depth: int = 0, metadata: dict | None = None):
    """The weights tree under `group` and {"/path": attributes} of its objects, as Keras's editor builds them:
    an object's `vars` group is folded into the object, empty groups are left out."""
    metadata = {} if metadata is None else metadata
    if depth > MAX_DEPTH:
        raise ValueError(f"Refusing {label!r}: its groups nest deeper than {MAX_DEPTH} levels.")
    if group.attrs:
        metadata[path] = {k: _attribute(v) for k, v in group.attrs.items()}
    tree: dict[str, Any] = {}
    for key in group.keys():
        kind = group.get(key, getclass=True, getlink=True)
        if kind in (h5py.SoftLink, h5py.ExternalLink):
            raise ValueError(f"Refusing {label!r}: it holds the {kind.__name__} {path}/{key}.")
        kind = group.get(key, getclass=True)
        if kind is h5py.Group:
            child = get_group(group, key)
            if len(child) == 0:  # Keras writes empty `vars` groups for objects without variables
                continue
            if key == "vars":
                # The object's own variables, beside the objects nested under it.
                own, _ = _extract(child, label, path, depth + 1, metadata)
                tree.update({k: v for k, v in own.items() if not isinstance(v, dict)})
                continue
            subtree, _ = _extract(child, label, f"{path}/{key}", depth + 1, metadata)
            if subtree:
                tree[key] = subtree
        elif kind is h5py.Dataset:
            tree[key] = _read(get_dataset(group, key), f"{path}/{key}", label)
    # Own variables first, then nested objects, each in the file's (name) order.
    return dict(sorted(tree.items(), key=lambda item: isinstance(item[1], dict))), metadata


def _read(dataset: h5py.Dataset, path: str, label: str) -> np.ndarray:
    if len(dataset.shape) > MAX_RANK:
        raise ValueError(f"Refusing {label!r}: the dataset {path} has rank {len(dataset.shape)} (limit {MAX_RANK}).")
    size = math.prod(dataset.shape) * dataset.dtype.itemsize
    if size > MAX_DATASET_BYTES:
        raise ValueError(f"Refusing {label!r}: the dataset {path} holds {size} bytes (limit {MAX_DATASET_BYTES}).")
    return read_dataset(dataset, dataset.dtype)


def _attribute(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


# ---- editing -----------------------------------------------------------------------------------------------


def _holders(tree: dict, name: str):
    """Every dict in the tree that has the key `name`."""
    if name in tree:
        yield tree
    for value in tree.values():
        if isinstance(value, dict):
            yield from _holders(value, name)


def _check_weights(weights) -> dict[str, np.ndarray]:
    if not isinstance(weights, dict):
        raise ValueError(
            "Argument `weights` should be a dict where keys are weight names (usually '0', '1', etc.) and values "
            f"are NumPy arrays. Received: type(weights)={type(weights)}"
        )
    values = {}
    for name, value in weights.items():
        if not isinstance(name, str) or not name or "/" in name or name == "vars":
            raise ValueError(f"Weight names must be non-empty strings without '/' (and not 'vars'). Received: {name!r}")
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu().numpy()
        values[name] = np.asarray(value)
    return values


# ---- writing -----------------------------------------------------------------------------------------------


def _write(group: h5py.Group, tree: dict) -> None:
    """Writes `tree` under `group`: an object's arrays in its `vars` group, nested objects in subgroups."""
    arrays = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    if arrays:
        own = group.require_group("vars")
        for name, value in arrays.items():
            own.create_dataset(name, data=value)
    for key, value in tree.items():
        if isinstance(value, dict) and _has_weights(value):
            _write(group.require_group(key), value)


def _has_weights(tree: dict) -> bool:
    return any(not isinstance(v, dict) or _has_weights(v) for v in tree.values())


# ---- comparing ---------------------------------------------------------------------------------------------


def _weight_spec(model) -> dict:
    """{path part: {...: shape}}: what `model` would save, as nested dicts of weight shapes (None: any shape)."""
    spec: dict = {}
    for path, shapes in keras3_format.own_variable_shapes(model):
        if not shapes:
            continue
        node = spec
        for part in path.split("/") if path else []:
            node = node.setdefault(part, {})
        for name in sorted(shapes):
            node[name] = shapes[name]
    return spec


def _shape(value) -> tuple | None:
    return None if value is None else tuple(value.shape) if hasattr(value, "shape") else tuple(value)


def _compare(target: dict, reference: dict, base: str, target_name: str, ref_name: str, checked: set[str]):
    """(errors, matches) of `target` against `reference`, printing each error as Keras's editor does."""
    errors = matches = 0
    for key, ref_value in reference.items():
        path = f"{base}/{key}"
        if path in checked:
            continue
        if key not in target:
            errors += 1
            checked.add(path)
            if isinstance(ref_value, dict):
                print(f"...Object {path} present in {ref_name}, missing from {target_name}")
                print(f"    In {ref_name}, {path} contains the following keys: {list(ref_value.keys())}")
            else:
                print(f"...Weight {path} present in {ref_name}, missing from {target_name}")
        elif isinstance(ref_value, dict) or isinstance(target[key], dict):
            if not (isinstance(ref_value, dict) and isinstance(target[key], dict)):
                errors += 1
                checked.add(path)
                kinds = {True: "an object", False: "a weight"}
                print(
                    f"...{path} is {kinds[isinstance(ref_value, dict)]} in {ref_name}, "
                    f"{kinds[isinstance(target[key], dict)]} in {target_name}"
                )
                continue
            sub_errors, sub_matches = _compare(target[key], ref_value, path, target_name, ref_name, checked)
            errors += sub_errors
            matches += sub_matches
        else:
            ref_shape, target_shape = _shape(ref_value), _shape(target[key])
            if ref_shape is not None and target_shape is not None and ref_shape != target_shape:
                errors += 1
                checked.add(path)
                print(f"...Weight shape mismatch for {path}")
                print(f"    In {ref_name}: shape={ref_shape}")
                print(f"    In {target_name}: shape={target_shape}")
            else:
                matches += 1
    return errors, matches


# ---- summary -----------------------------------------------------------------------------------------------


def _tree_lines(tree: dict, prefix: str, first: bool = False) -> list[str]:
    # Keras's layout: the very first entry gets "> ", later ones "├─ " and the last of each level "└─ ".
    lines = []
    items = list(tree.items())
    for i, (key, value) in enumerate(items):
        last = i == len(items) - 1
        connector = "> " if first and i == 0 else "└─ " if last else "├─ "
        if isinstance(value, dict):
            lines.append(f"{prefix}{connector}{key}")
            lines.extend(_tree_lines(value, prefix + ("    " if last else "│   ")))
        else:
            lines.append(f"{prefix}{connector}{key}: shape={tuple(value.shape)}, dtype={value.dtype}")
    return lines


__all__ = ["KerasFileEditor"]
