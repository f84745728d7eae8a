"""Weights in Keras's legacy HDF5 layout (`model.save_weights("w.h5")`, `model_weights/` of `model.save("m.h5")`).

The layout, as tf.keras 2 and Keras 3 write it::

    /                          attrs: layer_names, backend, keras_version
    /<layer name>              attrs: weight_names (empty for layers without weights)
    /<layer name>/<weight name>    one dataset per weight, e.g. dense/dense/kernel:0

Weights are in Keras's layout and order (trainable, then non-trainable), exactly what `layer.get_weights()`
returns. Files written here load in Keras 3 and tf.keras 2; files those write load here.
"""

from __future__ import annotations

import contextlib
import os
import warnings
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import h5py
import numpy as np
import torch

from kerasish.saving.atomic import atomic_write

# The largest attribute HDF5 keeps in an object header; longer lists are split into `<name>0`, `<name>1`, ...
HDF5_OBJECT_HEADER_LIMIT = 64512

# A dataset's bytes must lie in the file itself. External raw storage and virtual datasets make HDF5 read other
# files: any file on the machine (/proc/self/environ), or a named pipe that blocks the load for ever.
_LAYOUTS_IN_FILE = (h5py.h5d.COMPACT, h5py.h5d.CONTIGUOUS, h5py.h5d.CHUNKED)
# A dataset may declare more bytes than it stores (compression), but past the floor not this many times more: a
# shape or decompression bomb (never-written chunks read as the fill value) stores next to nothing. Keras writes
# weights uncompressed, and real weights compress far less than 100:1.
DATASET_BOMB_FLOOR_BYTES = 1 << 20
MAX_DATASET_EXPANSION = 100

# Written as `keras_version`: the Keras release whose formats kerasish mirrors. Loaders only look for "1"
# (Keras 1 files, which they convert), so any Keras 2/3 version string loads everywhere.
KERAS_VERSION = "3.15.1"
BACKEND = "torch"


def save_weights_to_hdf5(model: Any, filepath: str | os.PathLike) -> None:
    """Saves a model's weights to `filepath` in Keras's legacy HDF5 layout.

    The file is written atomically: into a temporary file in the same folder, then moved over `filepath`, so a
    failure part-way leaves any existing file untouched.

    Args:
        model: a model (anything with `.layers`) or a list of layers.
        filepath: where to write, usually ending in `.h5`.

    Example:
        save_weights_to_hdf5(model, "w.h5")
        load_weights_from_hdf5(other_model, "w.h5")
    """
    with atomic_write(filepath) as tmp_path, h5py.File(tmp_path, "x") as f:
        save_weights_to_hdf5_group(f, model)


def load_weights_from_hdf5(
    model: Any, filepath: str | os.PathLike, by_name: bool = False, skip_mismatch: bool = False
) -> None:
    """Loads weights saved in Keras's legacy HDF5 layout into `model`.

    Reads weights files (`save_weights("w.h5")`) and whole-model files (`model.save("m.h5")`, whose weights
    sit in `model_weights/`), from kerasish, Keras 3 or tf.keras 2. Every shape is checked before anything is
    assigned, so a file that does not fit leaves the model unchanged.

    Args:
        model: a model (anything with `.layers`) or a list of layers.
        filepath: the `.h5` file.
        by_name: False loads by order: the model's layers that have weights, in order, get the saved layers
            that have weights, in order. True gives each layer the weights saved under its name; layers the
            file does not name keep their weights.
        skip_mismatch: skip, with a warning, weights whose shape differs from the model's (and, with
            `by_name=True`, layers whose weight count differs) instead of raising.

    Raises:
        FileNotFoundError: if `filepath` does not exist.
        ValueError: if the file is not a readable Keras HDF5 file, or does not fit the model.
    """
    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No weights file at {path!r}.")
    with reading(path), h5py.File(path, "r") as f:
        group = f
        if not _has_attribute(f, "layer_names"):
            if "model_weights" not in f:
                raise ValueError(
                    "it is an HDF5 file but holds no Keras weights: it has neither a `layer_names` attribute nor a "
                    "`model_weights` group."
                )
            group = get_group(f, "model_weights")
        load_weights_from_hdf5_group(model, group, by_name=by_name, skip_mismatch=skip_mismatch)


@contextlib.contextmanager
def reading(label: str) -> Iterator[None]:
    """Turns every failure to read `label` (a damaged HDF5 file or zip archive surfaces as OSError, RuntimeError,
    KeyError, zlib.error, ...) into a ValueError that names the file; a ValueError that does not name it yet
    gets the name in front.

    Example:
        with reading(path), h5py.File(path, "r") as f:
            ...
    """
    try:
        yield
    except ValueError as e:
        if label in str(e):
            raise
        raise ValueError(f"Cannot load {label!r}: {e}") from e
    except (OSError, RuntimeError, KeyError, EOFError, NotImplementedError, zlib.error, zipfile.BadZipFile) as e:
        if isinstance(e, FileNotFoundError) and label in str(e):
            raise
        raise ValueError(
            f"Cannot load {label!r}: the file is damaged or not a Keras file ({type(e).__name__}: {e})."
        ) from e


def is_legacy_weights_file(filepath: str) -> bool:
    """Whether `filepath` is an HDF5 file in the legacy layout (weights or whole model), not Keras 3's."""
    try:
        with h5py.File(filepath, "r") as f:
            return _has_attribute(f, "layer_names") or "model_weights" in f
    except (OSError, RuntimeError, KeyError):  # not HDF5, or damaged: the Keras 3 loader reports it
        return False


def save_weights_to_hdf5_group(h5group: h5py.Group, model: Any) -> None:
    """Writes a model's weights into an open HDF5 group (the root of a weights file, or `model_weights/`).

    Args:
        h5group: an `h5py.File` or `h5py.Group` to write into.
        model: a model (anything with `.layers`) or a list of layers.
    """
    layers = _layers_of(model)
    names = [layer.name for layer in layers]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"Layer names must be unique to save HDF5 weights; repeated: {duplicates}.")
    save_attributes_to_hdf5_group(h5group, "layer_names", names)
    h5group.attrs["backend"] = BACKEND.encode("utf8")
    h5group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in layers:
        layer_group = h5group.create_group(layer.name)
        items = _legacy_items(layer)
        # tf.keras 2 names weights after their TF variables, which end in ":0".
        paths = _owner_paths(layer)
        weight_names = [f"{paths[id(owner)]}/{spec.name}:0" for owner, spec in items]
        save_attributes_to_hdf5_group(layer_group, "weight_names", weight_names)
        for name, (owner, spec) in zip(weight_names, items):
            layer_group.create_dataset(name, data=_keras_value(owner, spec))


def load_weights_from_hdf5_group(
    model_or_layers: Any, h5group: h5py.Group, by_name: bool = False, skip_mismatch: bool = False
) -> None:
    """Loads weights from an open HDF5 group in the legacy layout into a model or a list of layers.

    Args:
        model_or_layers: a model (anything with `.layers`) or a list of layers.
        h5group: the group holding `layer_names` (a weights file's root, or a model file's `model_weights/`).
        by_name: match layers by name instead of by order (see `load_weights_from_hdf5`).
        skip_mismatch: skip mismatched weights with a warning instead of raising.

    Raises:
        ValueError: if the group does not fit the model; nothing is assigned then.
    """
    plan = _plan(_layers_of(model_or_layers), h5group, by_name, skip_mismatch)
    # All shapes are checked and all arrays read before the first assignment: a bad file changes nothing.
    values = [[_read(item) for item in items] for _, items in plan]
    with torch.no_grad():
        for (layer, _), layer_values in zip(plan, values):
            for (owner, spec), value in zip(_legacy_items(layer), layer_values):
                if value is not None:
                    target = getattr(owner, spec.attr)
                    target.copy_(owner._from_keras_layout(spec.name, torch.from_numpy(value)).to(target.dtype))


def check_weights_fit(model_or_layers: Any, h5group: h5py.Group) -> None:
    """Checks, from the file's metadata only, that `h5group` holds a weight of the right shape for each of the
    model's weights (by order, as `load_weights_from_hdf5_group` loads them); reads no data.

    The model may hold meta tensors: only its weights' shapes are read.

    Raises:
        ValueError: naming the first layer and weight that do not fit, with both shapes.
    """
    _plan(_layers_of(model_or_layers), h5group, by_name=False, skip_mismatch=False)


def _plan(layers, h5group, by_name, skip_mismatch):
    saved = [(name, get_group(h5group, name)) for name in load_attributes_from_hdf5_group(h5group, "layer_names")]
    if by_name:
        plan = _plan_by_name(layers, saved, skip_mismatch)
    else:
        plan = _plan_by_order(layers, saved, skip_mismatch)
    _check_top_level_weights(h5group, by_name and skip_mismatch)
    return plan


def save_attributes_to_hdf5_group(h5group: h5py.Group, name: str, values: Sequence[str]) -> None:
    """Stores a list of strings as the attribute `name`, split into `name0`, `name1`, ... when too long.

    Args:
        h5group: the `h5py.File` or `h5py.Group` to hold the attribute.
        name: the attribute's name, e.g. "layer_names".
        values: the strings to store (encoded as UTF-8 bytes, as Keras does).
    """
    encoded = [value.encode("utf8") for value in values]
    too_long = [value for value in encoded if len(value) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(
            f"Cannot save attribute {name!r}: items longer than {HDF5_OBJECT_HEADER_LIMIT} bytes: {too_long}."
        )
    # Fixed-length byte strings, as Keras writes them; an empty list becomes an empty float array, as in Keras.
    data = np.asarray(encoded)
    num_chunks = 1
    chunks = [data]
    while any(chunk.nbytes > HDF5_OBJECT_HEADER_LIMIT for chunk in chunks):
        num_chunks += 1
        chunks = np.array_split(data, num_chunks)
    if num_chunks == 1:
        h5group.attrs[name] = data
    else:
        for i, chunk in enumerate(chunks):
            h5group.attrs[f"{name}{i}"] = chunk


def load_attributes_from_hdf5_group(h5group: h5py.Group, name: str) -> list[str]:
    """Reads the list of strings stored as attribute `name` (or split into `name0`, `name1`, ...).

    Args:
        h5group: the `h5py.File` or `h5py.Group` holding the attribute.
        name: the attribute's name, e.g. "layer_names".

    Returns:
        The strings, decoded from bytes where they were stored as bytes; `[]` if the attribute is missing.
    """
    if name in h5group.attrs:
        return _decode_strings(h5group.attrs[name], name)
    values = []
    chunk = 0
    while f"{name}{chunk}" in h5group.attrs:
        values.extend(_decode_strings(h5group.attrs[f"{name}{chunk}"], name))
        chunk += 1
    return values


def _has_attribute(h5group, name):
    return name in h5group.attrs or f"{name}0" in h5group.attrs


def _decode_strings(raw, name):
    # h5py hands back str or bytes, in numpy arrays (fixed-length or object dtype), depending on who wrote it.
    items = [raw] if isinstance(raw, (str, bytes)) else np.asarray(raw).ravel().tolist()
    decoded = []
    for item in items:
        if isinstance(item, bytes):
            item = item.decode("utf8")
        if not isinstance(item, str):
            raise ValueError(f"Attribute {name!r} should hold strings; found {item!r} of type {type(item).__name__}.")
        decoded.append(item)
    return decoded


def _layers_of(model_or_layers):
    return list(model_or_layers.layers) if hasattr(model_or_layers, "layers") else list(model_or_layers)


def _get_child(h5group, path, kind):
    # Soft and external links are refused, as Keras does: an external link would read another file. So are
    # datasets whose bytes are not in the file (see _check_storage): every loader fetches datasets through here.
    node = h5group
    for part in path.split("/"):
        if not part or part not in node:
            raise ValueError(f"The HDF5 file has no {kind.__name__.lower()} {path!r} under {h5group.name!r}.")
        link = node.get(part, getclass=True, getlink=True)
        if link in (h5py.SoftLink, h5py.ExternalLink):
            raise ValueError(f"Refusing to follow the {link.__name__} {path!r} in the HDF5 file.")
        node = node[part]
    if not isinstance(node, kind):
        raise ValueError(f"Expected {path!r} in the HDF5 file to be a {kind.__name__}, found {type(node).__name__}.")
    if isinstance(node, h5py.Dataset):
        _check_storage(node)
    return node


def _check_storage(dataset):
    """Refuses a dataset whose bytes are not in the file, or that declares far more bytes than it stores. Reads
    the dataset's creation properties only (metadata), never its data."""
    plist = dataset.id.get_create_plist()
    layout = plist.get_layout()
    if layout == h5py.h5d.VIRTUAL:
        raise ValueError(
            f"Refusing the HDF5 dataset {dataset.name!r}: it is a virtual dataset, whose data HDF5 "
            "would read from other files."
        )
    if plist.get_external_count():
        files = [plist.get_external(i)[0].decode("utf8", "replace") for i in range(plist.get_external_count())]
        raise ValueError(
            f"Refusing the HDF5 dataset {dataset.name!r}: its data is in external storage, in {files} outside the file."
        )
    if layout not in _LAYOUTS_IN_FILE:
        raise ValueError(
            f"Refusing the HDF5 dataset {dataset.name!r}: its storage layout ({layout}) is not one "
            "that keeps the data in the file."
        )
    declared = (dataset.size or 0) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > DATASET_BOMB_FLOOR_BYTES and declared > MAX_DATASET_EXPANSION * stored:
        raise ValueError(
            f"Refusing the HDF5 dataset {dataset.name!r}: it declares {declared} bytes but stores "
            f"only {stored} bytes in the file (more than {MAX_DATASET_EXPANSION} times as many): a "
            "shape or decompression bomb."
        )


def get_group(h5group: h5py.Group, path: str) -> h5py.Group:
    """The group at `path` under `h5group`; a missing path, a dataset, or a soft/external link raises ValueError."""
    return _get_child(h5group, path, h5py.Group)


def get_dataset(h5group: h5py.Group, path: str) -> h5py.Dataset:
    """The dataset at `path` under `h5group`, checked as `get_group` checks groups; a dataset whose bytes are not
    in the file (external storage, a virtual dataset) or that declares far more than it stores raises ValueError."""
    return _get_child(h5group, path, h5py.Dataset)


def _saved_datasets(layer_group):
    names = load_attributes_from_hdf5_group(layer_group, "weight_names")
    return [get_dataset(layer_group, name) for name in names]


def _legacy_items(layer):
    """(owner, spec) of `layer`'s weights in the order legacy HDF5 files hold them: Keras's `_legacy_weights`,
    i.e. `trainable_weights + non_trainable_weights`. For a nested model that is every trainable weight of every
    sublayer first, unlike `get_weights()`, which goes layer by layer."""
    items = layer._weight_items()
    trained = {id(weight) for weight in layer.trainable_weights}
    return [(o, s) for o, s in items if id(getattr(o, s.attr)) in trained] + [
        (o, s) for o, s in items if id(getattr(o, s.attr)) not in trained
    ]


def _owner_paths(layer, prefix=None, paths=None):
    """{id(sublayer): "layer/.../sublayer"}: names weights as Keras 3 does (`bidirectional/forward_lstm/lstm_cell/
    kernel`), unique within the layer's group even where two sublayers share a name."""
    paths = {} if paths is None else paths
    prefix = layer.name if prefix is None else f"{prefix}/{layer.name}"
    paths.setdefault(id(layer), prefix)
    for sublayer in getattr(layer, "_sublayers", list)():
        if id(sublayer) not in paths:
            _owner_paths(sublayer, prefix, paths)
    return paths


def _keras_value(owner, spec):
    # A view on the tensor's memory when its layout is Keras's (no copy: h5py writes straight from it).
    value = owner._to_keras_layout(spec.name, getattr(owner, spec.attr).detach())
    if value.dtype == torch.bfloat16:  # numpy has no bfloat16
        value = value.float()
    return value.cpu().numpy()


def _keras_shape(owner, spec):
    return tuple(owner._to_keras_layout(spec.name, getattr(owner, spec.attr).detach()).shape)


def _plan_by_order(layers, saved, skip_mismatch):
    with_weights = [layer for layer in layers if layer._weight_items()]
    saved = [(name, datasets) for name, group in saved if (datasets := _saved_datasets(group))]
    if len(with_weights) != len(saved):
        raise ValueError(
            "Layer count mismatch when loading weights from file. "
            f"Model expected {len(with_weights)} layers, found {len(saved)} saved layers."
        )
    plan = []
    for k, (layer, (saved_name, datasets)) in enumerate(zip(with_weights, saved)):
        label = f"layer #{k} (named {layer.name!r} in the current model, {saved_name!r} in the save file)"
        items = _legacy_items(layer)
        if len(items) != len(datasets):
            raise ValueError(
                f"Weight count mismatch for {label}. "
                f"Layer expects {len(items)} weight(s). Received {len(datasets)} saved weight(s)."
            )
        plan.append((layer, _match_shapes(items, datasets, label, skip_mismatch)))
    return plan


def _plan_by_name(layers, saved, skip_mismatch):
    plan = []
    for k, (saved_name, group) in enumerate(saved):
        datasets = _saved_datasets(group)
        for layer in (layer for layer in layers if layer.name == saved_name):
            label = f"layer #{k} (named {layer.name!r})"
            items = _legacy_items(layer)
            if len(items) != len(datasets):
                message = (
                    f"Weight count mismatch for {label}. "
                    f"Layer expects {len(items)} weight(s). Received {len(datasets)} saved weight(s)."
                )
                if skip_mismatch:
                    warnings.warn(f"{message} Skipped (skip_mismatch=True).", stacklevel=2)
                    continue
                raise ValueError(message)
            plan.append((layer, _match_shapes(items, datasets, label, skip_mismatch)))
    return plan


def _match_shapes(items, datasets, label, skip_mismatch):
    # Compares the datasets' declared shapes (metadata only) before reading any data. A skipped weight (None)
    # keeps its current value.
    matched = []
    for (owner, spec), dataset in zip(items, datasets, strict=True):
        expected, received = _keras_shape(owner, spec), tuple(dataset.shape)
        if expected != received:
            message = (
                f"Shape mismatch in {label} for weight {owner.name + '/' + spec.name!r}. "
                f"Weight expects shape {expected}. Received saved weight with shape {received}."
            )
            if skip_mismatch:
                warnings.warn(f"{message} Skipped (skip_mismatch=True).", stacklevel=2)
                matched.append(None)
                continue
            raise ValueError(message)
        matched.append((dataset, numpy_dtype(getattr(owner, spec.attr))))
    return matched


def numpy_dtype(tensor: torch.Tensor) -> np.dtype:
    """The numpy dtype a weight file's array is read as to fill `tensor` (float32 for bfloat16, which numpy lacks)."""
    return np.dtype(np.float32) if tensor.dtype == torch.bfloat16 else torch.empty((), dtype=tensor.dtype).numpy().dtype


def read_dataset(dataset: h5py.Dataset, dtype: np.dtype) -> np.ndarray:
    """Reads a whole dataset as `dtype`, straight into a fresh array when the dtypes agree (no extra copy)."""
    try:
        if dataset.dtype == dtype:
            value = np.empty(dataset.shape, dtype=dtype)
            if value.size:
                dataset.read_direct(value)
            return value
        return np.asarray(dataset[()]).astype(dtype)
    except (TypeError, ValueError) as e:
        raise ValueError(f"Cannot read HDF5 dataset {dataset.name!r} as {dtype}: {e}") from e


def _read(item):
    return None if item is None else read_dataset(*item)


def _check_top_level_weights(h5group, skip):
    # Keras 3 writes a `top_level_model_weights` group for weights a model holds outside its layers. kerasish
    # models keep every weight in a layer, so only an empty group fits.
    if "top_level_model_weights" not in h5group:
        return
    names = load_attributes_from_hdf5_group(get_group(h5group, "top_level_model_weights"), "weight_names")
    if names:
        message = (
            "Weight count mismatch for top-level weights of the model. "
            f"Model expects 0 top-level weight(s). Received {len(names)} saved top-level weight(s): {names}."
        )
        if not skip:
            raise ValueError(message)
        warnings.warn(f"{message} Skipped (skip_mismatch=True).", stacklevel=2)
