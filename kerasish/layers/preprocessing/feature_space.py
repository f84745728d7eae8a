"""FeatureSpace: Keras 3's one-stop preprocessing of structured data (dicts of feature columns), without tf.data.

Each feature gets a preprocessing layer (Normalization, Discretization, StringLookup, IntegerLookup, Hashing,
Rescaling, or the user's own), learnt from data by `adapt`; integer outputs are one-hot encoded with
CategoryEncoding, feature crosses are hashed with HashedCrossing, and everything is concatenated (sorted by feature
name, then crosses sorted by name) into one float vector per row. The same layers serve eager calls and the
functional graph of `get_inputs()` / `get_encoded_features()`, so a model built from them computes what the
FeatureSpace computes, and saves with the model.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile

import h5py
import numpy as np
import torch

from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.feature_column.structured_data import as_feature_dict, is_table
from kerasish.layers.core.identity import Identity
from kerasish.layers.input_layer import Input
from kerasish.layers.layer import Layer
from kerasish.layers.merging import Concatenate
from kerasish.layers.preprocessing import (
    CategoryEncoding,
    Discretization,
    HashedCrossing,
    Hashing,
    IntegerLookup,
    Normalization,
    Rescaling,
    StringLookup,
)
from kerasish.layers.preprocessing.index_lookup import IndexLookup
from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object
from kerasish.utils import tree
from kerasish.utils.naming import auto_name

# Keras's adapt() batches a dict of 1-D arrays 32 rows at a time; the batching shapes Normalization's running
# merge and Discretization's quantile summaries, so kerasish adapts in the same batches.
_ADAPT_BATCH_SIZE = 32
_FEATURE_TYPES = (
    "float",
    "float_rescaled",
    "float_normalized",
    "float_discretized",
    "integer_categorical",
    "string_categorical",
    "integer_hashed",
    "string_hashed",
)


class Cross:
    """A feature cross: the named features' values hashed together into `crossing_dim` bins.

    Args:
        feature_names: the features to cross (two or more).
        crossing_dim: the number of hash bins.
        output_mode: "one_hot" (the default) or "int" (the bin index).
    """

    def __init__(self, feature_names, crossing_dim: int, output_mode: str = "one_hot"):
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"Cross: output_mode must be 'int' or 'one_hot', got {output_mode!r}.")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict:
        return {
            "feature_names": list(self.feature_names),
            "crossing_dim": self.crossing_dim,
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config: dict) -> Cross:
        return cls(**config)


class Feature:
    """One feature of a FeatureSpace: its input dtype, its preprocessing layer and how its output is encoded.

    Args:
        dtype: the input's dtype: "float32", "int32" (or another integer dtype) or "string".
        preprocessor: the layer (or its serialized config) applied to the feature's `(batch, 1)` values.
        output_mode: "float" (the preprocessor's output as it is), "one_hot" (integer output one-hot encoded) or
            "int" (integer output as it is).
    """

    def __init__(self, dtype: str, preprocessor, output_mode: str):
        if output_mode not in ("int", "one_hot", "float"):
            raise ValueError(f"Feature: output_mode must be one of 'int', 'one_hot', 'float', got {output_mode!r}.")
        if isinstance(preprocessor, dict):
            from kerasish.layers import deserialize

            # Keras writes its pass-through preprocessor of "float" features as TFDIdentity.
            preprocessor = deserialize(preprocessor, custom_objects={"TFDIdentity": Identity})
        self.dtype = dtype
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self) -> dict:
        from kerasish.layers import serialize

        return {"dtype": self.dtype, "preprocessor": serialize(self.preprocessor), "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict) -> Feature:
        return cls(**config)


class FeatureSpace(Layer):
    """Preprocesses and encodes structured data: a dict of feature columns in, one float vector per row out.

    Call `adapt(data)` once to learn vocabularies, means and variances, and quantile bins; then call the
    FeatureSpace on a dict of arrays (eagerly), or build a model from `get_inputs()` and
    `get_encoded_features()`. Features are one of the types below, by name (with the defaults) or through the
    constructors (`FeatureSpace.string_categorical(max_tokens=10)`):

    - "float": values as they are; "float_rescaled": `x * scale + offset`; "float_normalized": standardized
      with the adapted mean and variance; "float_discretized": quantile bins (`num_discretization_bins`).
    - "integer_categorical" / "string_categorical": indexed by an adapted vocabulary (OOV index 0 first).
    - "integer_hashed" / "string_hashed": hashed into `hashing_dim` bins (Fingerprint64, TensorFlow's bins).

    Strings are carried as their Fingerprint64 ids, as everywhere in kerasish: string features are declared as
    `Input(dtype="string")` and the data loader turns their values into ids.

    Args:
        features: `{name: type name, Feature or feature config}`.
        output_mode: "concat" (one float tensor) or "dict" (one encoded tensor per feature and cross).
        crosses: features to cross, as tuples of names (hashed into `crossing_dim` bins, one-hot encoded) or
            `FeatureSpace.cross(...)` objects. A cross hashes the features' preprocessed (integer) values.
        crossing_dim: the default number of bins of a cross.
        hashing_dim: the number of bins of "integer_hashed" and "string_hashed" features.
        num_discretization_bins: the number of bins of "float_discretized" features.
        name: the layer's name.

    Example:
        space = FeatureSpace({"age": "float_normalized", "city": "string_categorical"})
        space.adapt({"age": np.array([20.0, 40.0]), "city": np.array(["paris", "rome"])})
        space({"age": np.array([30.0]), "city": np.array(["rome"])})  # [[0., 0., 0., 1.]]
    """

    # ---- feature constructors -------------------------------------------------------------------------------

    @classmethod
    def cross(cls, feature_names, crossing_dim: int, output_mode: str = "one_hot") -> Cross:
        """A cross of `feature_names` hashed into `crossing_dim` bins, one-hot encoded or as ("int") bin ids."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype: str, preprocessor, output_mode: str) -> Feature:
        """A feature with your own preprocessing layer (see `Feature`)."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name: str | None = None) -> Feature:
        """Float values, passed through unchanged."""
        name = name or auto_name("float")
        return Feature("float32", Identity(name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale: float = 1.0, offset: float = 0.0, name: str | None = None) -> Feature:
        """Float values rescaled to `x * scale + offset` (a Rescaling layer)."""
        name = name or auto_name("float_rescaled")
        return Feature("float32", Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_normalized(cls, name: str | None = None) -> Feature:
        """Float values standardized with the mean and variance that `adapt` learns (a Normalization layer)."""
        name = name or auto_name("float_normalized")
        return Feature("float32", Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(
        cls, num_bins, bin_boundaries=None, output_mode: str = "one_hot", name: str | None = None
    ) -> Feature:
        """Float values bucketed into `num_bins` quantile bins learnt by `adapt` (or, with `num_bins=None`, by
        fixed `bin_boundaries`), one-hot encoded by default."""
        name = name or auto_name("float_discretized")
        preprocessor = Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries, name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, output_mode)

    @classmethod
    def integer_categorical(
        cls, max_tokens=None, num_oov_indices: int = 1, output_mode: str = "one_hot", name: str | None = None
    ) -> Feature:
        """Integer categories indexed by a vocabulary learnt by `adapt` (an IntegerLookup layer)."""
        name = name or auto_name("integer_categorical")
        preprocessor = IntegerLookup(
            name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices
        )
        return Feature("int32", preprocessor, output_mode)

    @classmethod
    def string_categorical(
        cls, max_tokens=None, num_oov_indices: int = 1, output_mode: str = "one_hot", name: str | None = None
    ) -> Feature:
        """String categories indexed by a vocabulary learnt by `adapt` (a StringLookup layer)."""
        name = name or auto_name("string_categorical")
        preprocessor = StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices)
        return Feature("string", preprocessor, output_mode)

    @classmethod
    def string_hashed(cls, num_bins: int, output_mode: str = "one_hot", name: str | None = None) -> Feature:
        """Strings hashed into `num_bins` bins (a Hashing layer)."""
        name = name or auto_name("string_hashed")
        return Feature("string", Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins: int, output_mode: str = "one_hot", name: str | None = None) -> Feature:
        """Integers hashed into `num_bins` bins (a Hashing layer)."""
        name = name or auto_name("integer_hashed")
        return Feature("int32", Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    # ---- construction ---------------------------------------------------------------------------------------

    def __init__(
        self,
        features: dict,
        output_mode: str = "concat",
        crosses=None,
        crossing_dim: int = 32,
        hashing_dim: int = 32,
        num_discretization_bins: int = 32,
        name: str | None = None,
    ):
        super().__init__(name=name)
        if not features:
            raise ValueError("FeatureSpace: the `features` argument cannot be None or empty.")
        if output_mode not in ("dict", "concat"):
            raise ValueError(f"FeatureSpace: output_mode must be 'dict' or 'concat', got {output_mode!r}.")
        self.output_mode = output_mode
        self.crossing_dim, self.hashing_dim = crossing_dim, hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value) for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross) for cross in crosses or []]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if self.output_mode == "concat":
            for spec_name, spec in [*self.features.items(), *self.crosses_by_name.items()]:
                if spec.output_mode == "int":
                    raise ValueError(
                        f"FeatureSpace: cannot concatenate feature '{spec_name}': it has "
                        f"output_mode='int' (integer ids, not encoded). Use output_mode='dict' for the "
                        f"FeatureSpace, or 'one_hot' for the feature."
                    )
        self.preprocessors = {name: feature.preprocessor for name, feature in self.features.items()}
        self.crossers = {cross.name: HashedCrossing(cross.crossing_dim, name=cross.name) for cross in self.crosses}
        self.one_hot_encoders: dict[str, CategoryEncoding] = {}
        self.concat = Concatenate(axis=-1) if output_mode == "concat" else None
        # Registered as torch submodules (a list, because feature names such as "type" clash with ModuleDict's
        # attributes), so that `.to(device)` and the weights file see the preprocessors' state.
        self._tracked_preprocessors = list(self.preprocessors.values())
        self._tracked_crossers = list(self.crossers.values())
        self.inputs = None
        self.encoded_features = None
        self._is_adapted = False

    def _standardize_feature(self, name: str, feature) -> Feature:
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return deserialize_keras_object(
                feature, module_objects={"Feature": Feature}, printable_module_name="feature"
            )
        if feature == "float":
            return self.float(name=name)
        if feature == "float_rescaled":
            return self.float_rescaled(name=name)
        if feature == "float_normalized":
            return self.float_normalized(name=name)
        if feature == "float_discretized":
            return self.float_discretized(num_bins=self.num_discretization_bins, name=name)
        if feature == "integer_categorical":
            return self.integer_categorical(name=name)
        if feature == "string_categorical":
            return self.string_categorical(name=name)
        if feature == "integer_hashed":
            return self.integer_hashed(self.hashing_dim, name=name)
        if feature == "string_hashed":
            return self.string_hashed(self.hashing_dim, name=name)
        raise ValueError(
            f"FeatureSpace: invalid type for feature '{name}': {feature!r}. Expected a Feature or one "
            f"of {list(_FEATURE_TYPES)}."
        )

    def _standardize_cross(self, cross) -> Cross:
        if isinstance(cross, dict):
            cross = deserialize_keras_object(cross, module_objects={"Cross": Cross}, printable_module_name="cross")
        if not isinstance(cross, Cross):
            if not self.crossing_dim:
                raise ValueError("FeatureSpace: with `crosses`, set `crossing_dim` (the number of hash bins) too.")
            cross = Cross(cross, crossing_dim=self.crossing_dim)
        unknown = [name for name in cross.feature_names if name not in self.features]
        if unknown:
            raise ValueError(
                f"FeatureSpace: the cross {cross.feature_names} names features that are not in "
                f"`features`: {unknown}. Known features: {sorted(self.features)}."
            )
        return cross

    # ---- adapt ----------------------------------------------------------------------------------------------

    def _adaptable(self) -> list[str]:
        """The features whose preprocessor learns from data (and was not given its state)."""
        names = []
        for name, preprocessor in self.preprocessors.items():
            if not hasattr(preprocessor, "adapt"):
                continue
            if isinstance(preprocessor, Normalization) and preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, IndexLookup) and preprocessor.input_vocabulary is not None:
                continue
            if isinstance(preprocessor, Discretization) and preprocessor.num_bins is None:
                continue
            names.append(name)
        return names

    def adapt(self, data) -> None:
        """Learns each feature's preprocessing state (vocabularies, mean and variance, quantile bins) from `data`.

        Args:
            data: a dict of arrays (or lists) keyed by feature name, one row per sample (adapted in batches of 32
                rows, as Keras batches it); a pandas DataFrame; or an iterable of such dicts, each one batch.
        """
        names = self._adaptable()
        if isinstance(data, dict) or is_table(data):
            columns = as_feature_dict(data)
            self._check_keys(columns, names, "adapt()")
            batches = {name: _batched(self._column(columns[name], name)) for name in names}
        elif hasattr(data, "__iter__") and not isinstance(data, (str, np.ndarray, torch.Tensor)):
            batches = {name: [] for name in names}
            for batch in data:
                if not (isinstance(batch, dict) or is_table(batch)):
                    raise ValueError(
                        f"FeatureSpace.adapt() expects a dict of arrays or an iterable of dicts, got "
                        f"an iterable of {type(batch).__name__}."
                    )
                batch = as_feature_dict(batch)
                self._check_keys(batch, names, "adapt()")
                for name in names:
                    batches[name].append(self._column(batch[name], name))
        else:
            raise ValueError(
                f"FeatureSpace.adapt() expects a dict of arrays (or lists), a DataFrame, or an "
                f"iterable of such dicts, got {type(data).__name__}."
            )
        for name in names:
            self.preprocessors[name].adapt(iter(batches[name]))  # an iterator: each item is one batch
        self._is_adapted = True
        self._build_encoders()

    def _column(self, values, name: str) -> np.ndarray:
        """A feature's values as a `(rows, 1)` (or wider) numpy array, checked against the feature's dtype."""
        array = np.asarray(values.cpu() if isinstance(values, torch.Tensor) else values)
        if array.ndim <= 1:
            array = array.reshape(-1, 1)
        self._check_dtype(array.dtype.kind, name)
        return array

    def _check_dtype(self, kind: str, name: str, ids_allowed: bool = False) -> None:
        """Strings only into string features; numbers into the others (and, with `ids_allowed`, a string
        feature's int64 Fingerprint64 ids, as the data loader makes them)."""
        dtype = self.features[name].dtype
        is_text = kind in "OUS"
        wrong = (not is_text and not (ids_allowed and kind == "i")) if dtype == "string" else is_text
        if wrong:
            raise ValueError(
                f"FeatureSpace: feature '{name}' has dtype {dtype!r}, got {'strings' if is_text else 'numbers'}."
            )

    def _check_keys(self, data: dict, names, where: str) -> None:
        missing = [name for name in names if name not in data]
        if missing:
            raise ValueError(
                f"FeatureSpace {where}: the data has no feature {missing[0]!r}. Expected keys "
                f"{sorted(self.features)}, got {sorted(data)}."
            )

    # ---- encoders -------------------------------------------------------------------------------------------

    def _build_encoders(self) -> None:
        """A CategoryEncoding for every one-hot feature and cross, sized by its preprocessor's cardinality."""
        self.one_hot_encoders = {}
        for name, spec in self._ordered_specs():
            if spec.output_mode != "one_hot":
                continue
            layer = self.preprocessors.get(name) or self.crossers[name]
            self.one_hot_encoders[name] = CategoryEncoding(
                num_tokens=_cardinality(name, layer), output_mode="multi_hot"
            )
        self._tracked_encoders = list(self.one_hot_encoders.values())
        self.encoded_features = None
        self.built = True

    def _ordered_specs(self) -> list:
        """(name, spec) for the features sorted by name, then the crosses sorted by name: the output order."""
        return [(name, self.features[name]) for name in sorted(self.features)] + [
            (name, self.crosses_by_name[name]) for name in sorted(self.crosses_by_name)
        ]

    def _check_if_adapted(self) -> None:
        if not self._is_adapted:
            if self._adaptable():
                raise ValueError("You need to call `.adapt(data)` on the FeatureSpace before you can start using it.")
            self._is_adapted = True

    def _check_if_built(self) -> None:
        self._check_if_adapted()
        if not self.built:
            self._build_encoders()

    # ---- the functional API ---------------------------------------------------------------------------------

    def get_inputs(self) -> dict:
        """`{name: Input(shape=(1,), dtype=feature dtype, name=name)}`, the inputs of a model built on the space."""
        self._check_if_built()
        if self.inputs is None:
            self.inputs = {
                name: Input(shape=(1,), dtype=feature.dtype, name=name) for name, feature in self.features.items()
            }
        return self.inputs

    def get_encoded_features(self):
        """The encoded features of `get_inputs()`: one symbolic float tensor ("concat") or a dict of them."""
        if self.encoded_features is None:
            self.encoded_features = self._encode(self.get_inputs())
        return self.encoded_features

    # ---- calling --------------------------------------------------------------------------------------------

    def __call__(self, data):
        """Encodes a dict of features: arrays, lists or tensors of shape `(batch,)` or `(batch, 1)`, or scalars
        (one sample, returned without the batch axis). Returns a float tensor ("concat") or a dict of tensors."""
        self._check_if_built()
        if is_table(data):
            data = as_feature_dict(data)
        if not isinstance(data, dict):
            raise ValueError(f"A FeatureSpace can only be called with a dict, got {type(data).__name__}.")
        self._check_keys(data, list(self.features), "call")
        if any(isinstance(value, KerasTensor) for value in tree.flatten(data)):
            return self._encode(data)
        inputs, single = {}, False
        for name in self.features:
            value, scalar = self._as_batch(data[name], name)
            inputs[name] = value
            single = single or scalar
        outputs = self._encode(inputs)
        if single:
            if isinstance(outputs, dict):
                return {
                    name: out.squeeze(0) if out.dim() == 2 and out.shape[0] == 1 else out
                    for name, out in outputs.items()
                }
            return outputs.squeeze(0)
        return outputs

    def _as_batch(self, value, name: str):
        """A feature's values as a `(batch, 1)` tensor (strings stay numpy for the layers to hash), and whether
        they were one scalar."""
        dtype = self.features[name].dtype
        if isinstance(value, torch.Tensor):
            self._check_dtype("f" if value.is_floating_point() else "i", name, ids_allowed=True)
            scalar = value.dim() == 0
            tensor = value.reshape(1, 1) if scalar else value.unsqueeze(-1) if value.dim() == 1 else value
            return (tensor.float() if dtype.startswith("float") else tensor), scalar
        array = np.asarray(value)
        self._check_dtype(array.dtype.kind, name)
        scalar = array.ndim == 0
        array = array.reshape(1, 1) if scalar else array.reshape(-1, 1) if array.ndim == 1 else array
        if dtype == "string":
            return array.astype(str) if array.dtype.kind == "O" else array, scalar
        if dtype.startswith("float"):
            return torch.as_tensor(array, dtype=torch.float32), scalar
        return torch.as_tensor(array.astype(np.int64)), scalar

    def _encode(self, inputs: dict):
        preprocessed = {name: self.preprocessors[name](inputs[name]) for name in self.features}
        crossed = {
            cross.name: self.crossers[cross.name]([preprocessed[n] for n in cross.feature_names])
            for cross in self.crosses
        }
        encoded = {}
        for name, _ in self._ordered_specs():
            value = preprocessed[name] if name in preprocessed else crossed[name]
            encoder = self.one_hot_encoders.get(name)
            encoded[name] = encoder(value) if encoder is not None else value
        if self.output_mode == "dict":
            return encoded
        return self.concat(list(encoded.values()))

    # ---- config and saving ----------------------------------------------------------------------------------

    def get_config(self) -> dict:
        return {
            "features": {name: serialize_keras_object(feature) for name, feature in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [serialize_keras_object(c) for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict) -> FeatureSpace:
        return cls(**config)

    def get_build_config(self) -> dict:
        return {name: {"input_shape": [None, 1]} for name in self.features}

    def build_from_config(self, build_config: dict | None) -> None:
        """Builds the preprocessors (so saved statistics can be loaded into them) and marks the space adapted: a
        FeatureSpace is saved after `adapt`."""
        for name, config in (build_config or {}).items():
            preprocessor = self.preprocessors.get(name)
            if preprocessor is not None and not preprocessor.built and config and "input_shape" in config:
                preprocessor._maybe_build(tuple(config["input_shape"]))
        self._is_adapted = True
        self._build_encoders()

    def save(self, filepath: str | os.PathLike) -> None:
        """Saves the adapted FeatureSpace to a `.keras` archive (its config, and its preprocessors' statistics in
        `model.weights.h5`), as Keras's `FeatureSpace.save`.

        Args:
            filepath: a path ending in `.keras`.
        """
        from kerasish.layers import serialize

        # Upward import, lazy on purpose: writing Keras's archive layout is the saving floor's job.
        from kerasish.saving import h5_format, keras3_format
        from kerasish.saving.atomic import atomic_write

        path = os.fspath(filepath)
        if not path.endswith(".keras"):
            raise ValueError(f"FeatureSpace.save: the file name must end in `.keras`, got {path!r}.")
        self._check_if_built()
        weights = io.BytesIO()
        with h5py.File(weights, "w") as f:
            keras3_format.write_weights_group(f, self)
        metadata = {
            "keras_version": h5_format.KERAS_VERSION,
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        }
        with atomic_write(path) as tmp_path, zipfile.ZipFile(tmp_path, "x", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("metadata.json", json.dumps(metadata))
            z.writestr("config.json", json.dumps(serialize(self)))
            z.writestr("model.weights.h5", weights.getvalue())


def _batched(array: np.ndarray) -> list[np.ndarray]:
    return [array[i : i + _ADAPT_BATCH_SIZE] for i in range(0, len(array), _ADAPT_BATCH_SIZE)]


def _cardinality(name: str, layer) -> int:
    """How many distinct integer ids `layer` outputs, for one-hot encoding them."""
    if isinstance(layer, IndexLookup):
        return layer.vocabulary_size()
    if isinstance(layer, CategoryEncoding):
        return layer.num_tokens
    if isinstance(layer, Discretization):
        return layer.num_bins if layer.num_bins is not None else len(layer.bin_boundaries) + 1
    if isinstance(layer, (Hashing, HashedCrossing)):
        return layer.num_bins
    raise ValueError(
        f"FeatureSpace: feature '{name}' has output_mode='one_hot', but the number of ids its "
        f"preprocessor ({type(layer).__name__}) outputs is not known, so it cannot be one-hot encoded. "
        f"Use output_mode='int', or 'float' if it outputs floats."
    )
