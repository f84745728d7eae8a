"""In-memory arrays (numpy or torch, or lists/dicts of them): converted once, batches sliced per step."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
import torch

from kerasish import config
from kerasish.feature_column.structured_data import as_feature_dict, checked_strings
from kerasish.trainers.data_adapters.data_adapter import (
    DataAdapter,
    check_batch_size,
    pack_batch,
    unpack_x_y_sample_weight,
)
from kerasish.utils import tree

ARGUMENTS = ("x", "y", "sample_weight")


def to_torch(value, argument: str = "x"):
    """A numpy array, torch tensor or nested list as a torch tensor; floats become floatx, as Keras casts them.

    `argument` is the `fit` argument the value belongs to: strings in `x` stay a NumPy array of strings, batched
    as they are, for the layer that reads them (inputs declared with `dtype="string"`: lookups hash them,
    TextVectorization splits them); strings in `y` or `sample_weight` are refused.
    """
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        tensor = value
    else:
        array = np.asarray(value)
        if array.dtype.kind in "OUS":
            if argument != "x":
                _refuse_non_numbers(array, argument)
            return checked_strings(array)
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.is_floating_point() and tensor.dtype != config.standardize_dtype(None):
        tensor = tensor.to(config.standardize_dtype(None))
    return tensor


def _refuse_non_numbers(array: np.ndarray, argument: str) -> None:
    # A hashed string label would be a meaningless number: mse trains to inf, crossentropy indexes with it.
    flat = array.reshape(-1)
    if array.dtype.kind in "US" or any(isinstance(v, (str, bytes)) for v in flat):
        hint = (
            " Map string labels to integer ids first, e.g. with `keras.layers.StringLookup`." if argument == "y" else ""
        )
        raise ValueError(
            f"`{argument}` holds strings (dtype {array.dtype}), but {argument} values must be numbers.{hint}"
        )
    kinds = sorted({type(v).__name__ for v in flat})
    raise ValueError(
        f"`{argument}` is an array of Python objects of types {kinds}; {argument} values must be "
        f"numbers, with the same number of values in every row."
    )


def lists_as_arrays(value, argument: str = "x"):
    """Nested Python lists (or tuples) of numbers as numpy arrays, as tf.keras reads them; anything else (arrays,
    lists of arrays for several inputs, dicts) is walked and kept.

    Raises:
        ValueError: for a ragged nested list, naming the row lengths that differ.
    """
    if _holds_only_numbers(value):
        detail = _ragged_detail(value)
        if detail:
            raise ValueError(
                f"`{argument}` is a ragged nested list: {detail}. Every row needs the same length: "
                f"pad the rows (e.g. with `keras.utils.pad_sequences`) or pass a numpy array."
            )
        return np.asarray(value)
    if isinstance(value, dict):
        return {key: lists_as_arrays(item, argument) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # namedtuple
        return type(value)(*(lists_as_arrays(item, argument) for item in value))
    if isinstance(value, (list, tuple)):
        return type(value)(lists_as_arrays(item, argument) for item in value)
    return value


def _holds_only_numbers(value) -> bool:
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return all(isinstance(item, (numbers.Number, np.bool_)) or _holds_only_numbers(item) for item in value)


def _ragged_detail(value, depth: int = 1) -> str:
    """Where a nested list of numbers stops being rectangular, or "" when it is rectangular."""
    nested = [isinstance(item, (list, tuple)) for item in value]
    if not any(nested):
        return ""
    if not all(nested):
        return f"numbers and lists mixed at depth {depth}"
    lengths = list(dict.fromkeys(len(item) for item in value))
    if len(lengths) > 1:
        return f"rows of lengths {lengths[0]} and {lengths[1]} at depth {depth}"
    return next((d for d in (_ragged_detail(item, depth + 1) for item in value) if d), "")


def structure_to_torch(value, argument: str = "x"):
    """An argument of `fit` (a structure of arrays, or None) as torch tensors: see `lists_as_arrays`, `to_torch`."""
    if value is None:
        return None
    return tree.map_structure(lambda leaf: to_torch(leaf, argument), lists_as_arrays(value, argument))


def convert_batch(batch) -> tuple:
    """A batch `(x[, y[, sample_weight]])` from a stream (generator, DataLoader) as torch tensors, checked as
    in-memory arrays are."""
    parts = unpack_x_y_sample_weight(batch)
    return pack_batch(*(structure_to_torch(part, argument) for part, argument in zip(parts, ARGUMENTS)))


def is_array(value) -> bool:
    return isinstance(value, (np.ndarray, torch.Tensor))


def is_array_structure(x) -> bool:
    leaves = tree.flatten(x)
    return bool(leaves) and all(is_array(leaf) for leaf in leaves)


def check_cardinality(x, y, sample_weight) -> int:
    sizes = {
        name: [int(t.shape[0]) for t in tree.flatten(v)]
        for name, v in (("x", x), ("y", y), ("sample_weight", sample_weight))
        if v is not None
    }
    distinct = {n for values in sizes.values() for n in values}
    if len(distinct) > 1:
        detail = " ".join(f"'{name}' sizes: {', '.join(map(str, v))}" for name, v in sizes.items())
        raise ValueError(
            f"Data cardinality is ambiguous. Make sure all arrays contain the same number of samples. {detail}"
        )
    return distinct.pop()


def check_class_weight(class_weight) -> None:
    """Keys must be class ids (integers >= 0; `1.0` counts, as it matches class 1 in Keras's lookup) and values
    numbers. A key for a class the data does not hold weighs nothing, as in Keras 3."""
    if not isinstance(class_weight, Mapping):
        raise ValueError(
            f"`class_weight` must be a dict mapping class ids to weights; received a {type(class_weight).__name__}."
        )
    for cls, weight in class_weight.items():
        integral = isinstance(cls, numbers.Integral) or (isinstance(cls, float) and cls.is_integer())
        if isinstance(cls, bool) or not integral or cls < 0:
            # A negative key would index the table from its end: -1 silently weighed the last class.
            raise ValueError(
                f"`class_weight` keys must be class ids (integers >= 0); received the key {cls!r} in "
                f"class_weight={class_weight!r}."
            )
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise ValueError(f"`class_weight` values must be numbers; received {weight!r} for class {cls!r}.")


def class_weight_to_sample_weight(y: torch.Tensor, class_weight: dict) -> torch.Tensor:
    """Keras's class_weight: each sample weighs its class's weight; one-hot targets use their argmax."""
    check_class_weight(class_weight)
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("`class_weight` is only supported for models with a single output.")
    labels = y.argmax(dim=-1) if y.dim() > 1 and y.shape[-1] > 1 else y.reshape(y.shape[0], -1)[:, 0]
    labels = labels.round().long() if labels.is_floating_point() else labels.long()
    table = torch.zeros(int(max(max(class_weight) + 1, int(labels.max()) + 1)), dtype=torch.float32)
    for cls, weight in class_weight.items():
        table[int(cls)] = float(weight)
    missing = set(torch.unique(labels).tolist()) - set(int(c) for c in class_weight)
    if missing:
        raise ValueError(
            f"`class_weight` must contain all classes in the data. The classes {sorted(missing)} exist "
            f"in the data but not in `class_weight`."
        )
    return table[labels]


def train_validation_split(arrays, validation_split: float):
    """Splits off the last `validation_split` fraction of every array (before any shuffling), as Keras does."""
    if (
        isinstance(validation_split, bool)
        or not isinstance(validation_split, numbers.Real)
        or not 0 <= validation_split < 1
    ):
        raise ValueError(f"`validation_split` must be a float in [0, 1) (0: no split); received {validation_split!r}.")
    x, *rest = arrays
    arrays = tuple(lists_as_arrays(a, argument) for a, argument in zip((as_feature_dict(x), *rest), ARGUMENTS))
    if not is_array_structure([a for a in arrays if a is not None]):
        raise ValueError(
            "`validation_split` is only supported for Tensors or NumPy arrays; pass `validation_data` "
            "for other kinds of data."
        )
    leaves = [leaf for a in arrays if a is not None for leaf in tree.flatten(a)]
    n = int(leaves[0].shape[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation "
            f"and training set as specified by `validation_split={validation_split}`. Either provide "
            f"more data, or a different value for the `validation_split` argument."
        )

    def take(a, part):
        return None if a is None else tree.map_structure(lambda t: t[:split_at] if part == 0 else t[split_at:], a)

    return tuple(take(a, 0) for a in arrays), tuple(take(a, 1) for a in arrays)


class ArrayDataAdapter(DataAdapter):
    """Batches from in-memory arrays: one `randperm` per epoch when shuffling, then slicing; no per-sample Python.

    Args:
        x, y, sample_weight: arrays or structures of arrays with a common first axis.
        batch_size: rows per batch (the last batch may be smaller).
        shuffle: True (every epoch), False, or "batch" (shuffle batch-sized chunks, as Keras does).
        class_weight: `{class: weight}`, turned into sample weights once.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size: int = 32, shuffle=False, class_weight=None):
        x, y, sample_weight = (structure_to_torch(v, argument) for v, argument in zip((x, y, sample_weight), ARGUMENTS))
        self.num_samples = check_cardinality(x, y, sample_weight)
        if self.num_samples == 0:
            shape = tuple(tree.flatten(x)[0].shape)
            raise ValueError(
                f"`x` is empty: it has 0 samples (an array of shape {shape}). fit, evaluate and predict "
                f"need at least one sample."
            )
        check_batch_size(batch_size)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
            sample_weight = class_weight_to_sample_weight(y, class_weight)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.num_batches = math.ceil(self.num_samples / self.batch_size)
        self._data = (x, y, sample_weight)
        self._leaves = tree.flatten(self._data)
        # The common case (tensors for x, y, sample_weight) needs no structure handling per batch.
        self._simple = len(self._leaves) == 3 and all(v is None or isinstance(v, torch.Tensor) for v in self._data)

    def in_memory_data(self) -> tuple:
        return pack_batch(*self._data)

    def plain_x_batches(self) -> tuple | None:
        """The epoch's `x` batches as views, when `x` is one tensor with no targets, no shuffling and no shard
        (predict's data): None otherwise. A predict loop over them skips the per-batch packing."""
        x, y, sample_weight = self._data
        if type(x) is not torch.Tensor or y is not None or sample_weight is not None:
            return None
        if self.shuffle or self.shard is not None:
            return None
        return x.split(self.batch_size)

    def get_epoch_iterator(self):
        n, size = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            order = _batch_shuffle(n, size, self.generator)
        elif self.shuffle:
            order = torch.randperm(n, generator=self.generator)
        else:
            order = None
        if order is None:  # views, cut by one `split` per array for the whole epoch
            columns = [_split(t, size) if t is not None else [None] * self.num_batches for t in self._leaves]
            batches = zip(*columns)
        else:
            batches = (
                [_take(t, index) if t is not None else None for t in self._leaves] for index in order.split(size)
            )
        if self.shard is not None:
            # Each global batch is split across the ranks (contiguous parts, so views stay views): every rank steps
            # together, and together they see each sample of the epoch exactly once.
            rank, world = self.shard
            batches = (
                [t[len(t) * rank // world : len(t) * (rank + 1) // world] if t is not None else None for t in leaves]
                for leaves in batches
            )
        for leaves in batches:
            if self._simple:
                yield pack_batch(*leaves)
            else:
                yield pack_batch(*tree.pack_sequence_as(self._data, list(leaves)))


def _split(leaf, size: int):
    """Consecutive batches of a tensor, or of a NumPy array of strings, as views."""
    if isinstance(leaf, torch.Tensor):
        return leaf.split(size)
    return [leaf[start : start + size] for start in range(0, len(leaf), size)]


def _take(leaf, index: torch.Tensor):
    # index_select gathers whole rows: 2-3x faster than `leaf[index]`'s general advanced indexing on CPU.
    return torch.index_select(leaf, 0, index) if isinstance(leaf, torch.Tensor) else leaf[index.numpy()]


def _batch_shuffle(n: int, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    full = (n // size) * size
    chunks = torch.arange(full).reshape(-1, size)[torch.randperm(n // size, generator=generator)].reshape(-1)
    return torch.cat([chunks, torch.arange(full, n)])
