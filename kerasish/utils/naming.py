"""Keras's automatic names: `Dense` -> `dense`, `dense_1`, ...; reset by `clear_session`."""

from __future__ import annotations

import collections
import re

_NAME_UIDS: collections.Counter = collections.Counter()


def to_snake_case(name: str) -> str:
    """`BatchNormalization` -> `batch_normalization`, `Conv2D` -> `conv2d`, as Keras names layers."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(prefix: str) -> str:
    """The next free name for `prefix`: `prefix`, then `prefix_1`, `prefix_2`, ..."""
    uid = _NAME_UIDS[prefix]
    _NAME_UIDS[prefix] += 1
    return prefix if uid == 0 else f"{prefix}_{uid}"


def reset_names() -> None:
    _NAME_UIDS.clear()
    _UIDS.clear()


_UIDS: collections.Counter = collections.Counter()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... on successive calls with the same `prefix` (Keras 2's `backend.get_uid`, which tf.keras's
    applications use for their default block names)."""
    _UIDS[prefix] += 1
    return _UIDS[prefix]


def reset_uids() -> None:
    """Resets the `get_uid` counters."""
    _UIDS.clear()
