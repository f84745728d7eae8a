"""kerasish.tree against real Keras 3.15's keras.tree (tests/fixtures/tree/tree.json, see its generator)."""

from __future__ import annotations

import collections
import importlib.util
import json
import pathlib

import pytest

import kerasish as keras

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "tree"
_spec = importlib.util.spec_from_file_location("make_tree_fixtures", FIXTURES / "make_tree_fixtures.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)
REFERENCE = json.loads((FIXTURES / "tree.json").read_text())
tree = keras.tree


def _ids(cases, key):
    return [json.dumps(case[key])[:60] for case in cases]


@pytest.mark.parametrize("case", REFERENCE["single"], ids=_ids(REFERENCE["single"], "input"))
def test_single_structure_functions_match_keras(case):
    s = gen.decode(case["input"])
    assert gen.SINGLE[REFERENCE["single"].index(case)] == s  # the fixture and the generator agree
    got = gen.single_outputs(tree, s)
    for name, expected in case.items():
        assert got[name] == expected, name


@pytest.mark.parametrize("case", REFERENCE["pairs"], ids=_ids(REFERENCE["pairs"], "a"))
def test_two_structure_functions_match_keras(case):
    got = gen.pair_outputs(tree, gen.decode(case["a"]), gen.decode(case["b"]))
    for name, expected in case.items():
        assert got[name] == expected, name


def test_all_twelve_public_names():
    assert sorted(tree.__all__) == sorted(
        "MAP_TO_NONE assert_same_paths assert_same_structure flatten flatten_with_path is_nested lists_to_tuples "
        "map_shape_structure map_structure map_structure_up_to pack_sequence_as traverse".split()
    )
    assert all(hasattr(tree, name) for name in tree.__all__)


def test_output_types_follow_the_structure():
    """Types the JSON encoding could blur: the defaultdict's factory and the deque's maxlen survive a rebuild."""
    d = collections.defaultdict(list, [("b", 1), ("a", 2)])
    packed = tree.pack_sequence_as(d, [5, 6])
    assert type(packed) is collections.defaultdict and packed.default_factory is list
    assert list(packed.items()) == [("b", 6), ("a", 5)]
    q = tree.map_structure(lambda x: x, collections.deque([1, [2]], maxlen=3))
    assert q.maxlen == 3


def test_errors_are_value_errors_naming_the_mismatch():
    with pytest.raises(ValueError, match="list"):
        tree.assert_same_structure([1, 2], (1, 2))
    with pytest.raises(ValueError, match="keys"):
        tree.assert_same_structure({"a": 1}, {"b": 1})
    with pytest.raises(ValueError, match="3 items"):
        tree.pack_sequence_as([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="missing"):
        tree.assert_same_paths({"a": 1}, {"b": 1})


def test_check_types_is_deprecated_and_ignored():
    with pytest.warns(DeprecationWarning):
        tree.assert_same_structure([1], [2], check_types=True)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError):
        tree.assert_same_structure([1], (2,), check_types=False)


def test_traverse_needs_a_callable():
    with pytest.raises(TypeError):
        tree.traverse(3, [1, 2])
