"""Nested structures (lists, tuples, dicts) of leaves: flatten, map and rebuild, as Keras's `tree` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def is_nested(x) -> bool:
    return isinstance(x, (list, tuple, dict))


def flatten(x) -> list:
    """Leaves in order; dicts are visited in sorted-key order, as Keras does."""
    if isinstance(x, dict):
        return [leaf for key in sorted(x) for leaf in flatten(x[key])]
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in flatten(item)]
    return [x]


def map_structure(fn: Callable, x) -> Any:
    if isinstance(x, dict):
        return {key: map_structure(fn, value) for key, value in x.items()}
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple
        return type(x)(*(map_structure(fn, v) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(map_structure(fn, v) for v in x)
    return fn(x)


def pack_sequence_as(structure, flat: list) -> Any:
    """Rebuilds `structure` with the leaves of `flat` (in `flatten` order)."""
    leaves = iter(flat)

    def build(s):
        if isinstance(s, dict):
            built = {key: build(s[key]) for key in sorted(s)}
            return {key: built[key] for key in s}
        if isinstance(s, (list, tuple)):
            return type(s)(build(v) for v in s)
        return next(leaves)

    return build(structure)
