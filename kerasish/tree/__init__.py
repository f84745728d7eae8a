"""`keras.tree`: flatten, map and rebuild nested structures as Keras 3 does (its optree rules).

Nodes are `list`, `tuple`, namedtuples, `collections.deque`, and `dict`, `OrderedDict`, `defaultdict` (exact
types: a subclass of dict is a leaf, as in Keras). Everything else, `None` included, is a leaf. A dict's
children are in sorted-key order, an `OrderedDict`'s in insertion order; rebuilt dicts keep their own key
order. The three dict types match one another when their keys agree; other nodes match only their own type.

`kerasish.utils.tree` stays the internal helper the rest of kerasish is written against (it treats every
dict, in sorted order, and no deque as nested); this package is the public API with Keras's exact rules.
"""

from __future__ import annotations

import collections
import warnings
from collections.abc import Callable
from typing import Any

__all__ = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]

_DICTS = (dict, collections.OrderedDict, collections.defaultdict)
_SEQUENCES = (list, tuple, collections.deque)


class MAP_TO_NONE:  # noqa: N801 - Keras's public name
    """Special value for use with `traverse()`: return it to replace a sub-tree with `None`."""


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _is_node(x, none_is_leaf: bool = True) -> bool:
    if x is None:
        return not none_is_leaf  # then None is a node without children
    return type(x) in _DICTS or type(x) in _SEQUENCES or _is_namedtuple(x)


def _keys(node) -> list:
    """The keys (indices for sequences) of a node's children, in flatten order."""
    if node is None:
        return []
    if type(node) in _DICTS:
        if type(node) is collections.OrderedDict:
            return list(node)
        try:
            return sorted(node)
        except TypeError:  # keys of mixed types: keep insertion order
            return list(node)
    return list(range(len(node)))


def _rebuild(node, children: list):
    """A node of the same type as `node`, with `children` given in flatten order."""
    if node is None:
        return None
    if type(node) in _DICTS:
        by_key = dict(zip(_keys(node), children))
        items = [(key, by_key[key]) for key in node]  # the node's own key order
        if type(node) is collections.defaultdict:
            return collections.defaultdict(node.default_factory, items)
        return type(node)(items)
    if _is_namedtuple(node):
        return type(node)(*children)
    if type(node) is collections.deque:
        return collections.deque(children, maxlen=node.maxlen)
    return type(node)(children)


def _check_same_node(expected, given) -> None:
    if type(expected) in _DICTS:
        if type(given) not in _DICTS:
            raise ValueError(
                f"The two structures don't have the same nested structure: expected a dict, got {given!r}."
            )
        if set(expected) != set(given):
            raise ValueError(
                "The two structures don't have the same nested structure: expected dict keys "
                f"{sorted(map(repr, expected))}, got {sorted(map(repr, given))}."
            )
        return
    if type(given) is not type(expected):
        raise ValueError(
            "The two structures don't have the same nested structure: expected an instance of "
            f"{type(expected).__name__}, got {given!r}."
        )
    if expected is not None and len(given) != len(expected):
        raise ValueError(
            "The two structures don't have the same nested structure: expected "
            f"{len(expected)} items, got {len(given)} in {given!r}."
        )


def _map_aligned(func: Callable, first, rest: list, is_leaf: Callable) -> Any:
    """Calls `func` at each leaf of `first` (by `is_leaf`) with the sub-trees of `rest` at the same place."""
    if is_leaf(first):
        return func(first, *rest)
    for other in rest:
        _check_same_node(first, other)
    keys = _keys(first)
    children = [_map_aligned(func, first[key], [other[key] for other in rest], is_leaf) for key in keys]
    return _rebuild(first, children)


def _leaves_only(func: Callable, none_is_leaf: bool) -> Callable:
    """`func`, after checking that every structure holds a leaf here (none of them is nested deeper)."""

    def checked(*leaves):
        if any(_is_node(leaf, none_is_leaf) for leaf in leaves):
            raise ValueError(f"The structures don't have the same nested structure: got {list(leaves)!r}.")
        return func(*leaves)

    return checked


def is_nested(structure) -> bool:
    """Whether `structure` is a sequence, a mapping or a namedtuple (not a leaf).

    Example:
    >>> keras.tree.is_nested({"foo": 42})
    True
    """
    return _is_node(structure)


def flatten(structure) -> list:
    """The leaves of `structure`, depth first; dicts in sorted-key order, `OrderedDict`s in their own order.

    Example:
    >>> keras.tree.flatten({100: "world!", 6: "Hello"})
    ['Hello', 'world!']
    """
    return [leaf for _, leaf in flatten_with_path(structure)]


def flatten_with_path(structure) -> list[tuple[tuple, Any]]:
    """`(path, leaf)` pairs in `flatten` order; a path is the tuple of indices and keys down to the leaf.

    Example:
    >>> keras.tree.flatten_with_path([{"foo": 42}])
    [((0, 'foo'), 42)]
    """
    if not _is_node(structure):
        return [((), structure)]
    return [((key, *path), leaf) for key in _keys(structure) for path, leaf in flatten_with_path(structure[key])]


def map_structure(func: Callable, *structures, none_is_leaf: bool = True) -> Any:
    """Applies `func` to the leaves of `structures`, which must share one layout; returns the first's layout.

    Args:
        func: takes one argument per structure.
        *structures: nested structures of the same layout.
        none_is_leaf: if False, `None` is an empty node: `func` is not called on it and it stays `None`.

    Raises:
        ValueError: if the structures don't have the same nested structure.

    Example:
    >>> keras.tree.map_structure(lambda x, y: x * y, [[1], [2]], [[3], [4]])
    [[3], [8]]
    """
    if not structures:
        raise ValueError("map_structure needs at least one structure.")
    check = _leaves_only(func, none_is_leaf) if len(structures) > 1 else func
    return _map_aligned(check, structures[0], list(structures[1:]), lambda x: not _is_node(x, none_is_leaf))


def map_structure_up_to(shallow_structure, func: Callable, *structures) -> Any:
    """Like `map_structure`, but stops at the leaves of `shallow_structure` and passes deeper sub-trees whole.

    `func` gets only the `structures`' sub-trees, not `shallow_structure`'s leaves. As in Keras, a `None` in
    `shallow_structure` is not accepted as a leaf.

    Example:
    >>> keras.tree.map_structure_up_to([0, [0, 0]], str, [[1, 1], [2, 2]])
    ['[1, 1]', ['2', '2']]
    """
    if not structures:
        raise ValueError("map_structure_up_to needs at least one structure.")

    def apply(shallow, *subtrees):
        if shallow is None:
            raise ValueError(
                f"The structures don't have the same nested structure: `shallow_structure` has None where the "
                f"structures have {list(subtrees)!r}."
            )
        return func(*subtrees)

    return _map_aligned(apply, shallow_structure, list(structures), lambda x: not _is_node(x))


def assert_same_structure(a, b, check_types=None) -> None:
    """Raises a `ValueError` unless `a` and `b` are nested the same way (same node types; leaves may differ).

    `list`, `tuple`, `deque` and each namedtuple class differ from one another; `dict`, `OrderedDict` and
    `defaultdict` with the same keys match. `check_types` is deprecated and has no effect, as in Keras.
    """
    if check_types is not None:
        hint = "" if check_types else " For a looser check, use `keras.tree.assert_same_paths()`."
        warnings.warn(
            f"The `check_types` argument is deprecated and no longer has any effect.{hint}",
            DeprecationWarning,
            stacklevel=2,
        )
    map_structure(lambda x, y: None, a, b)


def assert_same_paths(a, b) -> None:
    """Raises a `ValueError` unless `a` and `b` have the same leaf paths, whatever their node types.

    Example:
    >>> keras.tree.assert_same_paths([0, 1], (2, 3))
    """
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def pack_sequence_as(structure, flat_sequence) -> Any:
    """`structure` with its leaves replaced, in `flatten` order, by the items of `flat_sequence`.

    Raises:
        ValueError: if `flat_sequence` has more or fewer items than `structure` has leaves.

    Example:
    >>> keras.tree.pack_sequence_as({"b": 0, "a": 0}, [1, 2])
    {'b': 2, 'a': 1}
    """
    flat = list(flat_sequence)
    expected = len(flatten_with_path(structure))
    if len(flat) != expected:
        raise ValueError(
            f"pack_sequence_as: the structure has {expected} leaves but `flat_sequence` has {len(flat)} items."
        )
    leaves = iter(flat)
    return map_structure(lambda _: next(leaves), structure)


def traverse(func: Callable, structure, top_down: bool = True) -> Any:
    """Applies `func` to every sub-tree of `structure`, depth first, and rebuilds it from the results.

    Top down, a non-`None` result replaces the sub-tree and stops the descent into it; bottom up, `func` sees
    each sub-tree already rebuilt from its children and a non-`None` result replaces it. Return
    `MAP_TO_NONE` to replace a sub-tree with `None`.

    Example:
    >>> keras.tree.traverse(lambda x: "T" if isinstance(x, tuple) else None, [(1, 2), 3])
    ['T', 3]
    """

    def children_traversed(node):
        if not _is_node(node):
            return node
        return _rebuild(node, [traverse(func, node[key], top_down) for key in _keys(node)])

    if top_down:
        result = func(structure)
        if result is None:
            return children_traversed(structure)
    else:
        rebuilt = children_traversed(structure)
        result = func(rebuilt)
        if result is None:
            return rebuilt
    return None if result is MAP_TO_NONE else result


def lists_to_tuples(structure) -> Any:
    """`structure` with every list turned into a tuple."""
    return traverse(lambda x: tuple(x) if isinstance(x, list) else None, structure, top_down=False)


def map_shape_structure(func: Callable, structure) -> Any:
    """`map_structure` where a list or tuple of ints and `None`s (a shape) is a leaf passed whole to `func`."""

    def is_shape(x) -> bool:
        return isinstance(x, (list, tuple)) and all(isinstance(d, (int, type(None))) for d in x)

    return _map_aligned(func, structure, [], lambda x: is_shape(x) or not _is_node(x))
