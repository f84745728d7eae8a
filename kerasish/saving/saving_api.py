"""Models on disk: every decision about which format a file is in, and whole models in Keras 3's `.keras` archive
or the legacy `.h5`. `Model.save`, `save_weights` and `load_weights` come here.

- `.keras`: a zip of `config.json` (the model's config with its `compile_config` and `build_config`),
  `metadata.json` and `model.weights.h5` (Keras 3's weights layout, optimizer state included).
- `.h5`: root attributes `model_config` and `training_config` (JSON), groups `model_weights/` (the legacy
  weights layout) and `optimizer_weights/`.
- weights alone: `*.weights.h5` in Keras 3's layout (keras3_format.py), any other name in the legacy HDF5 layout
  (h5_format.py).

Both load the files real Keras writes, and both are written atomically. Loading never runs code from the file:
configs are parsed as JSON, and Lambda layers' bytecode needs `safe_mode=False`. Nor does it trust the file's
sizes: archive members are read with caps, and the model a config describes is checked against the weights file
before its weights take any memory (docs/saving.md, "Security").
"""

from __future__ import annotations

import collections
import datetime
import io
import json
import os
import zipfile
from typing import Any

import h5py

from kerasish.saving import h5_format, keras3_assets, keras3_format
from kerasish.saving.atomic import atomic_write
from kerasish.saving.h5_format import reading
from kerasish.saving.meta_probe import probe_then_build
from kerasish.saving.object_registry import CustomObjectScope, SafeModeScope, building_from_config, in_safe_mode

_CONFIG = "config.json"
_METADATA = "metadata.json"
_WEIGHTS = "model.weights.h5"

# What a `.keras` archive's members may inflate to, checked on the sizes the archive declares before reading and
# again while reading. config.json is text: 16 MiB holds the largest configs (vocabularies of ~1M words inline).
MAX_CONFIG_BYTES = 16 * 2**20
# Weights are floats that barely compress (Keras and kerasish store them uncompressed), so past the floor the
# weights member may inflate to at most this many times its stored size; a zip bomb inflates ~1000 times.
WEIGHTS_BOMB_FLOOR_BYTES = 64 * 2**20
MAX_WEIGHTS_EXPANSION = 100
# Building a model from a file's config takes at most the weights file's size plus this much memory before the
# config is checked against the weights file (see meta_probe.py).
PROBE_BUDGET_BYTES = 32 * 2**20


def save_model(
    model: Any, filepath: str | os.PathLike, overwrite: bool = True, zipped: bool | None = None, **kwargs
) -> None:
    """Saves architecture, weights, compile arguments and optimizer state to a `.keras` or `.h5` file.

    Args:
        model: the model.
        filepath: ends in `.keras` (Keras 3's archive) or `.h5`/`.hdf5` (the legacy HDF5 file).
        overwrite: replace an existing file; False raises instead.
        zipped: Keras 3's switch for an unzipped `.keras` folder; kerasish writes the zipped archive only.
        include_optimizer: save the optimizer's state too, so training resumes exactly (default True).
        save_format: Keras 2's format switch: "h5" writes the legacy HDF5 file whatever the name, "keras" the
            archive; TensorFlow's SavedModel ("tf") has no torch counterpart (see `model.export`).
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if zipped is False:
        raise ValueError("kerasish writes `.keras` files zipped only; received zipped=False.")
    path = os.fspath(filepath)
    if save_format not in (None, "h5", "keras"):
        raise ValueError(
            f"save_format={save_format!r} is not available: TensorFlow's SavedModel has no torch counterpart. "
            "Save a `.keras` or `.h5` file, or use `model.export(...)` for serving."
        )
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False.")
    if save_format == "keras" or (save_format is None and path.endswith(".keras")):
        _save_keras_archive(model, path, include_optimizer)
    elif save_format == "h5" or path.endswith((".h5", ".hdf5")):
        _save_legacy_h5(model, path, include_optimizer)
    else:
        raise ValueError(
            f"Invalid filepath extension for saving: {path!r}. Use a `.keras` (Keras 3's format) or "
            "`.h5` (legacy HDF5) file name."
        )


def load_model(
    filepath: str | os.PathLike, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True
):
    """Loads a model saved by `model.save` (kerasish or Keras), compiled as it was when saved.

    Args:
        filepath: a `.keras` archive or a legacy `.h5` file.
        custom_objects: user classes and functions the config names.
        compile: re-compile the model with its saved compile arguments and restore the optimizer state.
        safe_mode: refuse to load Lambda layers' Python bytecode (the default); pass False only for files you
            trust.

    Raises:
        ValueError: the file is not a Keras model file, is truncated, or does not describe a model.
    """
    path = os.fspath(filepath)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No model file at {path!r}.")
    with SafeModeScope(safe_mode), CustomObjectScope(custom_objects or {}):
        if zipfile.is_zipfile(path):
            return _load_keras_archive(path, custom_objects, compile)
        if h5py.is_hdf5(path):
            return _load_legacy_h5(path, custom_objects, compile)
    raise ValueError(
        f"{path!r} is neither a `.keras` archive (zip) nor an HDF5 file: it cannot be a saved model (is it truncated?)."
    )


def save_weights(
    model: Any, filepath: str | os.PathLike, overwrite: bool = True, max_shard_size=None, **kwargs
) -> None:
    """Saves a model's weights, atomically: Keras 3's layout (optimizer state included) for `*.weights.h5`, Keras's
    legacy HDF5 layout for other names (`*.h5`).

    Args:
        model: the model.
        filepath: where to write.
        overwrite: replace an existing file; False raises instead.
        max_shard_size: Keras 3's sharded weights; kerasish writes one file (None only).
        save_format: Keras 2's switch: "h5" writes the legacy layout whatever the name; "tf" (TensorFlow
            checkpoints) is not available. `options` (TensorFlow's save options) is accepted and unused.
    """
    save_format = kwargs.pop("save_format", None)
    kwargs.pop("options", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    if max_shard_size is not None:
        raise ValueError(f"kerasish writes weights to a single file; received max_shard_size={max_shard_size!r}.")
    if save_format not in (None, "h5"):
        raise ValueError(
            f"save_format={save_format!r} is not available: TensorFlow checkpoints have no torch counterpart. "
            "Use a `.weights.h5` or `.h5` file name."
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    if save_format is None and str(filepath).endswith(".weights.h5"):
        keras3_format.save_weights_to_keras3_h5(model, filepath)
    else:
        h5_format.save_weights_to_hdf5(model, str(filepath))


def load_weights(model: Any, filepath: str | os.PathLike, skip_mismatch: bool = False, by_name: bool = False) -> None:
    """Loads weights saved by `save_weights` or `save` (kerasish's or Keras's, either layout) into `model`; every
    name and shape is checked before anything is assigned.

    Args:
        model: the model to load into.
        filepath: a `.keras` archive (its weights, not its optimizer), a legacy HDF5 weights or model file, or a
            Keras 3 `.weights.h5` file.
        skip_mismatch: skip, with a warning, weights that do not fit instead of raising.
        by_name: give each layer the weights saved under its name (legacy HDF5 files only).
    """
    path = str(filepath)
    if path.endswith(".keras") and zipfile.is_zipfile(path):
        _load_archive_weights(model, path, skip_mismatch=skip_mismatch)
    elif h5_format.is_legacy_weights_file(path):
        h5_format.load_weights_from_hdf5(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
    else:
        if by_name:
            raise ValueError(
                f"by_name=True needs a legacy HDF5 weights file; {path!r} is in Keras 3's layout, "
                "which addresses weights by position in the model."
            )
        keras3_format.load_weights_from_keras3_h5(model, path, skip_mismatch=skip_mismatch)


# ---- the .keras archive ------------------------------------------------------------------------------------


def _save_keras_archive(model, path: str, include_optimizer: bool) -> None:
    config = _model_config(model)
    config["compile_config"] = model.get_compile_config()
    metadata = {
        "keras_version": h5_format.KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        keras3_format.write_weights_group(f, model, optimizer=include_optimizer)
    with atomic_write(path) as tmp_path, zipfile.ZipFile(tmp_path, "x", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(_METADATA, json.dumps(metadata))
        z.writestr(_CONFIG, json.dumps(config))
        # Stored, as Keras stores it: floats gain nothing from deflate, and a stored member of any size passes
        # the loader's expansion cap (weights that compress well, like zeros, would not).
        z.writestr(_WEIGHTS, weights.getvalue(), compress_type=zipfile.ZIP_STORED)
        keras3_assets.write_assets(z, model)  # e.g. a TextVectorization's vocabulary.txt, where Keras puts it


def _load_keras_archive(path: str, custom_objects, compile: bool):
    with reading(path), zipfile.ZipFile(path) as z:
        members = _archive_members(z, path, required=(_CONFIG, _WEIGHTS))
        config = _parse_json(_read_member(z, members[_CONFIG], path), f"{path}:{_CONFIG}")
        weights = _read_member(z, members[_WEIGHTS], path)
    label = f"{path}:{_WEIGHTS}"
    with reading(path), h5py.File(io.BytesIO(weights), "r") as f:
        model = _model_from_config(
            config,
            custom_objects,
            path,
            len(weights),
            check_fit=lambda probe: keras3_format.check_weights_fit(f, probe, label),
        )
        compile_config = config.get("compile_config") if compile else None
        if compile_config:
            with _building(path):
                model.compile_from_config(compile_config)
        keras3_format.read_weights_group(f, model, label, optimizer=bool(compile_config) and _build_optimizer(model))
    with reading(path), zipfile.ZipFile(path) as z:
        keras3_assets.load_assets(model, z, path, _read_member)  # e.g. a TextVectorization's vocabulary.txt
    return model


def _load_archive_weights(model, path: str, skip_mismatch: bool = False) -> None:
    """`model.load_weights("m.keras")`: the weights (not the optimizer) of a `.keras` archive."""
    with reading(path):
        with zipfile.ZipFile(path) as z:
            weights = _read_member(z, _archive_members(z, path, required=(_WEIGHTS,))[_WEIGHTS], path)
        with h5py.File(io.BytesIO(weights), "r") as f:
            keras3_format.read_weights_group(f, model, f"{path}:{_WEIGHTS}", skip_mismatch=skip_mismatch)


def _archive_members(z: zipfile.ZipFile, path: str, required: tuple[str, ...]) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by name. A name held twice is refused (readers disagree on which one counts), and so
    is a missing required member (a model without its weights would load with random ones)."""
    counts = collections.Counter(info.filename for info in z.infolist())
    for name, count in counts.items():
        if count > 1:
            raise ValueError(f"{path!r} is ambiguous: it holds the member {name!r} {count} times.")
    for name in required:
        if name not in counts:
            raise ValueError(f"{path!r} is not a complete `.keras` archive: it has no {name} member.")
    return {info.filename: info for info in z.infolist()}


def _member_limit(info: zipfile.ZipInfo) -> int:
    if info.filename == _WEIGHTS:
        return max(WEIGHTS_BOMB_FLOOR_BYTES, MAX_WEIGHTS_EXPANSION * info.compress_size)
    return MAX_CONFIG_BYTES


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, path: str) -> bytes:
    """A member's bytes, refused when it declares, or inflates to, more than its limit (zip bombs)."""
    limit = _member_limit(info)
    rule = (
        f"{MAX_WEIGHTS_EXPANSION} times its {info.compress_size} stored bytes, or {WEIGHTS_BOMB_FLOOR_BYTES} "
        f"bytes if more"
        if info.filename == _WEIGHTS
        else "the cap on configs"
    )
    if info.file_size > limit:
        raise ValueError(
            f"Refusing {path!r}: its member {info.filename!r} declares {info.file_size} bytes, more "
            f"than the {limit} allowed ({rule}): a zip bomb?"
        )
    # The declared size is the archive's word only. zipfile stops there too, but reading one byte past the limit
    # keeps the bound this function's own, whatever the reader underneath does.
    with z.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ValueError(
            f"Refusing {path!r}: its member {info.filename!r} inflates past the {limit} bytes allowed "
            f"({rule}): a zip bomb?"
        )
    return data


# ---- the legacy .h5 file -----------------------------------------------------------------------------------


def _save_legacy_h5(model, path: str, include_optimizer: bool) -> None:
    model_config = {k: v for k, v in _model_config(model).items() if k in ("class_name", "config")}
    with atomic_write(path) as tmp_path, h5py.File(tmp_path, "x") as f:
        f.attrs["keras_version"] = h5_format.KERAS_VERSION
        f.attrs["backend"] = h5_format.BACKEND
        f.attrs["model_config"] = json.dumps(model_config)
        compile_config = model.get_compile_config()
        if compile_config is not None:
            f.attrs["training_config"] = json.dumps(_to_legacy_training_config(compile_config))
        h5_format.save_weights_to_hdf5_group(f.create_group("model_weights"), model)
        optimizer = getattr(model, "optimizer", None)
        if include_optimizer and optimizer is not None and getattr(optimizer, "built", False):
            store: dict = {}
            optimizer.save_own_variables(store)
            names = [f"{optimizer.name}/{name}" for name in _optimizer_variable_names(optimizer, len(store))]
            group = f.create_group("optimizer_weights")
            h5_format.save_attributes_to_hdf5_group(group, "weight_names", names)
            for name, i in zip(names, range(len(store))):
                group.create_dataset(name, data=store[str(i)])


def _load_legacy_h5(path: str, custom_objects, compile: bool):
    with reading(path), h5py.File(path, "r") as f:
        if "model_config" not in f.attrs:
            raise ValueError(
                f"{path!r} holds no model config: it is a weights file (load it with "
                "`model.load_weights`), not a whole model saved with `model.save`."
            )
        config = _parse_json(f.attrs["model_config"], f"{path}:model_config")
        weights = h5_format.get_group(f, "model_weights")
        model = _model_from_config(
            config,
            custom_objects,
            path,
            os.path.getsize(path),
            check_fit=lambda probe: h5_format.check_weights_fit(probe, weights),
        )
        h5_format.load_weights_from_hdf5_group(model, weights)
        training = f.attrs.get("training_config")
        if compile and training is not None:
            with _building(path):
                model.compile_from_config(
                    _from_legacy_training_config(_parse_json(training, f"{path}:training_config"))
                )
            if "optimizer_weights" in f and _build_optimizer(model):
                group = h5_format.get_group(f, "optimizer_weights")
                names = h5_format.load_attributes_from_hdf5_group(group, "weight_names")
                values = [h5_format.get_dataset(group, name) for name in names]
                learning_rate = getattr(model.optimizer, "_learning_rate_variable", None)
                if (
                    learning_rate is not None
                    and len(values) == len(model.optimizer.variables) - 1
                    and not any("learning_rate" in str(name) for name in names)
                ):
                    # tf.keras 2 keeps the learning rate out of the optimizer's variables: [iterations, slots...].
                    values.insert(1, learning_rate.detach().cpu().numpy())
                _load_optimizer_state(model.optimizer, values, path)
    return model


def _load_optimizer_state(optimizer, values: list, path: str) -> None:
    # `values` are datasets (and arrays): their shapes are checked from metadata before any is read, as for the
    # model's weights. A different count is load_own_variables' case: skipped with a warning, as Keras does, and
    # then nothing is read.
    expected = [tuple(v.shape) for v in optimizer.variables]
    received = [tuple(v.shape) for v in values]
    if len(expected) == len(received) and expected != received:
        raise ValueError(
            f"The optimizer state in {path!r} does not fit the model's optimizer: expected variables "
            f"of shapes {expected}, the file has {received}."
        )
    if len(expected) == len(received):
        values = [
            h5_format.read_dataset(v, h5_format.numpy_dtype(variable)) if isinstance(v, h5py.Dataset) else v
            for v, variable in zip(values, optimizer.variables)
        ]
    optimizer.load_own_variables({str(i): v for i, v in enumerate(values)})


def _to_legacy_training_config(compile_config: dict) -> dict:
    """`get_compile_config()` -> the `training_config` attribute of a legacy `.h5` model file."""
    config = dict(compile_config)
    optimizer = config.pop("optimizer")
    return {**config, "optimizer_config": {"class_name": optimizer["class_name"], "config": optimizer["config"]}}


def _from_legacy_training_config(training: dict) -> dict:
    """tf.keras 2 / legacy `training_config` -> `compile` arguments."""
    config = {k: training.get(k) for k in ("loss", "loss_weights")}
    for key in ("metrics", "weighted_metrics"):
        metrics = _legacy_metric(training.get(key))
        if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list):
            metrics = metrics[0]  # tf.keras 2 writes a single output's metrics as [[...]]
        config[key] = metrics
    optimizer = training.get("optimizer_config")
    if isinstance(optimizer, dict) and str(optimizer.get("class_name", "")).startswith("Custom>"):
        # tf.keras 2.11+ writes its (new) optimizers as "Custom>Adam".
        optimizer = {**optimizer, "class_name": optimizer["class_name"].split(">", 1)[1]}
    if optimizer is not None:
        config["optimizer"] = optimizer
    return config


def _legacy_metric(metric):
    """tf.keras 2 writes compiled metrics as MeanMetricWrapper configs; a name ("accuracy", "mae", ...) rebuilds
    them, resolved from the data as compile does. Nested lists/dicts (one entry per output) are kept."""
    if isinstance(metric, list):
        return [_legacy_metric(m) for m in metric]
    if isinstance(metric, dict) and "class_name" not in metric:
        return {k: _legacy_metric(v) for k, v in metric.items()}
    if isinstance(metric, dict) and metric.get("class_name") == "MeanMetricWrapper":
        inner = metric.get("config", {})
        name = inner.get("name")
        if name in ("accuracy", "acc", "crossentropy", "ce"):
            return name
        return inner.get("fn") or name
    return metric


def _optimizer_variable_names(optimizer, count: int) -> list[str]:
    names = ["iteration"]
    if getattr(optimizer, "_learning_rate_variable", None) is not None:
        names.append("learning_rate")
    return names + [f"variable_{i}" for i in range(count - len(names))]


# ---- shared ------------------------------------------------------------------------------------------------


def _parse_json(raw, label: str) -> dict:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError) as e:  # RecursionError: nesting deeper than any config
        raise ValueError(f"{label} is not valid JSON: {e}") from e
    if not isinstance(config, dict):
        raise ValueError(f"{label} must hold a JSON object, not {type(config).__name__}.")
    return config


def _model_config(model) -> dict:
    # Upward, so lazy: layers use this package (the registry), which loads this module with the package.
    from kerasish.layers import serialize

    return serialize(model)


def _model_from_config(config: dict, custom_objects, path: str, weights_bytes: int, check_fit):
    """The model `config` describes; in safe mode, built for real only once `check_fit(model)` has found that the
    file's weights (`weights_bytes` of them) fit it (see meta_probe.py)."""
    # Upward, so lazy: layers use this package (the registry), which loads this module with the package.
    from kerasish.layers import deserialize

    if "class_name" not in config:
        raise ValueError(f"The config in {path!r} has no `class_name`: it does not describe a model.")

    def build():
        return deserialize(config, custom_objects=custom_objects)

    with _building(path):
        model = probe_then_build(build, PROBE_BUDGET_BYTES + weights_bytes, check_fit) if in_safe_mode() else build()
    if not hasattr(model, "compile"):
        raise ValueError(f"{path!r} describes a {type(model).__name__}, not a model.")
    return model


def _building(path: str):
    """Errors while building from the file's config name the file, as ValueErrors (`building_from_config`)."""
    return building_from_config(f"Cannot build the model in {path!r}", named=path)


def _build_optimizer(model) -> bool:
    """Builds the optimizer's state for the model's weights so that saved state can be restored into it."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return False
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    return True


__all__ = ["load_model", "load_weights", "save_model", "save_weights"]
