"""Data adapters: every kind of input `fit`/`evaluate`/`predict` accept, read through one interface."""

from __future__ import annotations

import types

import torch

from kerasish.feature_column.structured_data import as_feature_dict
from kerasish.trainers.data_adapters.array_data_adapter import (
    ArrayDataAdapter,
    is_array_structure,
    lists_as_arrays,
    train_validation_split,
)
from kerasish.trainers.data_adapters.data_adapter import (
    DataAdapter,
    check_batch_size,
    pack_batch,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from kerasish.trainers.data_adapters.generator_data_adapter import GeneratorDataAdapter
from kerasish.trainers.data_adapters.grain_dataset_adapter import GrainDatasetAdapter, is_grain_dataset
from kerasish.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter
from kerasish.trainers.data_adapters.tf_dataset_adapter import TFDatasetAdapter, is_tf_dataset
from kerasish.trainers.data_adapters.torch_data_loader_adapter import TorchDataLoaderAdapter
from kerasish.utils.py_dataset import PyDataset


# `steps` left at this value: the caller does not say how many steps per epoch it runs, so endless data is taken on
# trust (the training loop passes its `steps_per_epoch`/`steps` to have it checked).
def get_data_adapter(
    x,
    y=None,
    sample_weight=None,
    batch_size=None,
    shuffle=False,
    class_weight=None,
    workers=None,
    use_multiprocessing=None,
    max_queue_size=None,
    steps=None,
) -> DataAdapter:
    """Picks the adapter for `x`; `y`/`sample_weight` only go with in-memory arrays, `class_weight` with arrays and
    tf.data.Datasets.

    `workers`, `use_multiprocessing` and `max_queue_size` (Keras 2's `fit` arguments) override a PyDataset's own
    settings; `max_queue_size` also bounds a generator's prefetching. `steps` is the run's steps per epoch (None:
    full passes), which endless data needs.
    """
    x = lists_as_arrays(as_feature_dict(x), "x")
    if isinstance(x, DataAdapter):
        return x
    if x is None:
        raise ValueError(
            "No input data: pass `x` (arrays, a dict of arrays, a generator, a PyDataset, or a torch "
            "DataLoader/Dataset)."
        )
    if is_array_structure(x):  # checks its batch size once it knows the data is not empty
        return ArrayDataAdapter(
            x,
            y,
            sample_weight,
            batch_size=32 if batch_size is None else batch_size,
            shuffle=shuffle,
            class_weight=class_weight,
        )
    check_batch_size(batch_size)
    for arg, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(
                f"`{arg}` should not be passed when `x` is a {type(x).__name__}: it yields `(x, y)` or "
                f"`(x, y, sample_weight)` itself."
            )
    if is_tf_dataset(x):
        return _check_steps(TFDatasetAdapter(x, class_weight=class_weight), steps, "tf.data.Dataset")
    if class_weight is not None:
        raise ValueError("`class_weight` is only supported for in-memory array data and tf.data.Datasets.")
    if is_grain_dataset(x):
        return _check_steps(GrainDatasetAdapter(x), steps, f"grain {type(x).__name__}")
    if isinstance(x, PyDataset):
        return PyDatasetAdapter(
            x,
            shuffle=bool(shuffle) and shuffle != "batch",
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
    if isinstance(x, (torch.utils.data.DataLoader, torch.utils.data.Dataset)):
        return TorchDataLoaderAdapter(x, batch_size=batch_size or 32, shuffle=shuffle)
    if isinstance(x, types.GeneratorType) or hasattr(x, "__next__") or hasattr(x, "__iter__"):
        return GeneratorDataAdapter(x, max_queue_size=10 if max_queue_size is None else max_queue_size)
    raise ValueError(f"Unrecognized data type: x={x!r} (of type {type(x).__name__}).")


def _check_steps(adapter: DataAdapter, steps, kind: str) -> DataAdapter:
    """Refuses endless data read without a step count, whose first epoch would never end (tf.keras's error)."""
    if adapter.infinite and steps is None:
        raise ValueError(
            "When providing an infinite dataset, you must specify the number of steps to run (if you "
            "did not intend to create an infinite dataset, make sure to not call `repeat()` on the "
            f"dataset). Received an endless {kind} and no step count: pass `steps_per_epoch` to `fit` "
            f"(`validation_steps` for validation data) or `steps` to `evaluate`/`predict`."
        )
    return adapter


__all__ = [
    "DataAdapter",
    "get_data_adapter",
    "lists_as_arrays",
    "pack_batch",
    "pack_x_y_sample_weight",
    "train_validation_split",
    "unpack_x_y_sample_weight",
]
