"""The one interface every kind of training data is read through."""

from __future__ import annotations

from typing import Iterator


class DataAdapter:
    """Yields an epoch's batches as `(x,)`, `(x, y)` or `(x, y, sample_weight)` tuples of CPU torch tensors (or
    structures of them), as Keras hands them to `train_step`.

    Attributes:
        num_batches: batches per epoch, or None when unknown (e.g. a Python generator).
        can_restart: whether a new epoch iterator can be made after one is exhausted.
    """

    num_batches: int | None = None
    can_restart: bool = True

    def get_epoch_iterator(self) -> Iterator[tuple]:
        raise TypeError(f"{type(self).__name__} does not define get_epoch_iterator().")

    def on_epoch_end(self) -> None:
        """Called after each full pass (PyDataset's hook, for instance)."""


def unpack_x_y_sample_weight(data) -> tuple:
    """`(x,)`, `(x, y)` or `(x, y, sample_weight)` -> `(x, y, sample_weight)`; anything else is `x`."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(f"Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, found a "
                     f"tuple of length {len(data)}.")


def pack_x_y_sample_weight(x, y=None, sample_weight=None) -> tuple:
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)
