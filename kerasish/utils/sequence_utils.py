"""`pad_sequences`: lists of variable-length sequences to one padded NumPy array, as Keras."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_SIDES = ("pre", "post")


def pad_sequences(
    sequences: Sequence[Any],
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pads sequences to the same length.

    Turns a list of `num_samples` sequences into an array of shape `(num_samples, maxlen) + sample_shape`,
    where `sample_shape` is the shape of one step of the first non-empty sequence. Shorter sequences are
    padded with `value`, longer ones truncated; `padding` and `truncating` say on which side.

    Args:
        sequences: List of sequences (each a list or array of steps, e.g. integers).
        maxlen: Length of the output sequences; the longest sequence's length when `None`.
        dtype: Type of the output; use `object` (or a NumPy string type) for strings.
        padding: `"pre"` or `"post"`: pad before or after each sequence.
        truncating: `"pre"` or `"post"`: drop values from the start or the end of longer sequences.
        value: Padding value (a number, or a string for string dtypes).

    Returns:
        A NumPy array of shape `(len(sequences), maxlen) + sample_shape`.

    Raises:
        ValueError: On an unknown `padding`/`truncating`, a non-iterable sequence, steps of different shapes,
            or a `dtype` that cannot hold `value` or the sequences' values.

    Example:

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post")
    array([[1, 0],
           [2, 3],
           [5, 6]], dtype=int32)
    """
    for name, side in (("Padding", padding), ("Truncating", truncating)):
        if side not in _SIDES:
            raise ValueError(f'{name} type "{side}" not understood; expected "pre" or "post".')
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths, sample_shape = _lengths_and_sample_shape(sequences)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif maxlen < 0:
        raise ValueError(f"`maxlen` must be a non-negative integer. Received: maxlen={maxlen}")
    _check_value(value, dtype)

    kept = [
        _kept_steps(sequence, maxlen, truncating, position, sample_shape) for position, sequence in enumerate(sequences)
    ]
    culprit = _first_out_of_range(kept, np.dtype(dtype))
    if culprit is not None:
        raise _cannot_hold(dtype, f"the values of the sequence at position {culprit}", _range(kept[culprit], dtype))
    padded = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for position, steps in enumerate(kept):
        if not len(steps):
            continue
        rows = slice(0, len(steps)) if padding == "post" else slice(maxlen - len(steps), maxlen)
        try:
            padded[position, rows] = steps
        except (OverflowError, TypeError, ValueError) as error:
            raise _cannot_hold(dtype, f"the values of the sequence at position {position}", error) from None
    return padded


def _lengths_and_sample_shape(sequences: Sequence[Any]) -> tuple[list[int], tuple[int, ...]]:
    """Each sequence's length, and the shape of one step of the first non-empty sequence."""
    lengths = []
    sample_shape = None
    for sequence in sequences:
        try:
            lengths.append(len(sequence))
        except TypeError as error:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {sequence}") from error
        if sample_shape is None and lengths[-1]:
            sample_shape = np.asarray(sequence).shape[1:]
    return lengths, sample_shape or ()


def _kept_steps(
    sequence: Any, maxlen: int, truncating: str, position: int, sample_shape: tuple[int, ...]
) -> np.ndarray:
    """The steps of `sequence` that `maxlen` keeps, as an array of their own dtype, checked against `sample_shape`."""
    if len(sequence) > maxlen:
        sequence = sequence[len(sequence) - maxlen :] if truncating == "pre" else sequence[:maxlen]
    steps = np.asarray(sequence)
    if len(steps) and steps.shape[1:] != sample_shape:
        raise ValueError(
            f"Shape of sample {steps.shape[1:]} of sequence at position {position} is different from expected "
            f"shape {sample_shape}"
        )
    return steps


def _is_string_dtype(dtype: Any) -> bool:
    # Keras tests `dtype is not object`, which turns away the spelling "object"; any object or string
    # dtype can hold a string here.
    return np.dtype(dtype).kind in "OSU"


def _check_value(value: Any, dtype: Any) -> None:
    if isinstance(value, str) and not _is_string_dtype(dtype):
        raise ValueError(
            f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
            "You should set `dtype=object` for variable length strings."
        )
    try:
        np.asarray(value, dtype=dtype)
    except (OverflowError, TypeError, ValueError) as error:
        raise _cannot_hold(dtype, f"`value` {value!r}", error) from None
    if _first_out_of_range([np.asarray(value)], np.dtype(dtype)) is not None:
        raise _cannot_hold(dtype, f"`value` {value!r}", _range(np.asarray(value), dtype))


def _first_out_of_range(arrays: list[np.ndarray], target: np.dtype) -> int | None:
    """Index of the first array holding numbers that an integer `target` cannot hold, else `None`.

    NumPy's casts of arrays into a narrower integer type wrap around (or give garbage for NaN) without a word,
    so the range is checked first: once over all the values, then array by array only to find the culprit.
    """
    if target.kind not in "iu":
        return None
    numeric = [array for array in arrays if array.size and array.dtype.kind in "iuf"]
    if not numeric:
        return None
    info = np.iinfo(target)
    if _in_range(np.concatenate([array.ravel() for array in numeric]), info):
        return None
    return next(
        index
        for index, array in enumerate(arrays)
        if array.size and array.dtype.kind in "iuf" and not _in_range(array, info)
    )


def _in_range(values: np.ndarray, info: np.iinfo) -> bool:
    if values.dtype.kind == "f":
        if not np.isfinite(values).all():
            return False
        values = np.trunc(values)  # Casting to an integer type rounds toward zero.
    return bool(values.min() >= info.min and values.max() <= info.max)


def _range(values: np.ndarray, dtype: Any) -> str:
    info = np.iinfo(dtype)
    return f"it takes values in [{info.min}, {info.max}], found values from {values.min()} to {values.max()}"


def _cannot_hold(dtype: Any, what: str, reason: Any) -> ValueError:
    return ValueError(f"`dtype` {dtype} cannot hold {what}: {reason}")
