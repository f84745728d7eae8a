"""Damaged model configs: `model_from_config`/`model_from_json`/`model_from_yaml` give a model or a ValueError that
says what is wrong, never a TypeError, KeyError, AttributeError or IndexError from inside the loader.

The configs damaged here are those tf.keras 2 and Keras 3 write for one small Sequential and one small functional
model (two inputs, a layer called twice): tests/fixtures/models/make_config_fixtures.py made them.
"""

import copy
import json
import os

import pytest
import torch
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import kerasish as keras

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "models", "small_configs.json")) as f:
    CONFIGS = json.load(f)

# Values that stand where something else belongs: nothing, numbers, a string where a list or dict belongs, empty
# containers, deeper nesting, a config naming no class kerasish knows.
WRONG_VALUES = [None, -1, 2.5, "bogus", [], {}, [[["bogus"]]], {"class_name": "NoSuchLayer", "config": {}}]


def _load_or_value_error(config):
    """The model `config` describes, or None when loading raised a ValueError (any other exception propagates)."""
    try:
        return keras.models.model_from_config(config)
    except ValueError as e:
        assert str(e), "a ValueError must say what is wrong"
        return None


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, path + (index,))


def _mutants(config):
    """(what was changed, the changed config): every key or item dropped, replaced by each wrong value, or nested
    one list deeper."""
    for path, value in _walk(config):
        if not path:
            continue
        for change, new in [("drop", None)] + [(f"= {v!r}", v) for v in WRONG_VALUES] + [("wrap", [value])]:
            mutant = copy.deepcopy(config)
            parent = mutant
            for key in path[:-1]:
                parent = parent[key]
            if change == "drop":
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(new)
            yield f"{'/'.join(map(str, path))} {change}", mutant


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_undamaged_configs_load_and_run(name):
    model = keras.models.model_from_config(CONFIGS[name])
    if name.endswith("sequential"):
        assert [layer.name for layer in model.layers] == ["hidden", "dropout", "out"]
        assert model(torch.ones(2, 3)).shape == (2, 2)
    else:
        assert [layer.name for layer in model.layers] == ["a", "hidden", "b", "concat", "shared", "out"]
        assert model([torch.ones(2, 3), torch.ones(2, 2)]).shape == (2, 1)


# Loads each config once per entry dropped, replaced or nested: tens of seconds (outside `-m "not slow"`).
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_dropped_replaced_or_nested_entry_gives_a_model_or_a_value_error(name):
    leaked = []
    for change, mutant in _mutants(CONFIGS[name]):
        try:
            _load_or_value_error(mutant)
        except Exception as e:  # noqa: BLE001 -- collected to report every leak at once
            leaked.append(f"{change}: {type(e).__name__}: {str(e)[:300]}")
    assert not leaked, f"{len(leaked)} damaged configs leaked another exception:\n" + "\n".join(leaked[:40])


def _layer(config, name):
    return next(layer for layer in config["config"]["layers"] if layer["config"].get("name") == name)


def _damage(name, fn):
    config = copy.deepcopy(CONFIGS[name])
    fn(config)
    return config


def _set(path, value):
    def fn(config):
        node = config
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return fn


def _set_history(layer_name, position, value, framework):
    """Changes the first input reference of `layer_name` (layer name, node index or tensor index)."""

    def fn(config):
        node = _layer(config, layer_name)["inbound_nodes"][0]
        if framework == "tf_keras":  # [[name, node, tensor, kwargs], ...]
            node[0][position] = value
        else:  # {"args": [<a keras tensor or a list of them>], "kwargs": {}}
            arg = node["args"][0]
            arg = arg[0] if isinstance(arg, list) else arg
            arg["config"]["keras_history"][position] = value

    return fn


SEQUENTIAL_DAMAGE = {
    "layers missing": (lambda c: c["config"].pop("layers"), r"needs `layers`, a list of layer configs"),
    "layers a string": (_set(("config", "layers"), "hidden"), r"needs `layers`, a list .* received str"),
    "layer entry a string": (_set(("config", "layers", 1), "Dense"), r"layer 1 "),
    "layer entry a list": (_set(("config", "layers", 1), [1, 2]), r"layer 1 \(a list where a config dict belongs\)"),
    "unknown class": (_set(("config", "layers", 1, "class_name"), "Densse"), r"layer 1 .*Unknown layer: 'Densse'"),
    "units a string": (_set(("config", "layers", 1, "config", "units"), "four"), r"layer 1 \(Dense 'hidden'\)"),
    "units missing": (lambda c: c["config"]["layers"][1]["config"].pop("units"), r"layer 1 \(Dense 'hidden'\)"),
    "layer config a list": (_set(("config", "layers", 3, "config"), [2]), r"layer 3 \(Dense None\)"),
    "name a list": (_set(("config", "name"), ["seq"]), r"`name` must be a string"),
    "config a string": (_set(("config",), "seq"), r"must be a dict with a `layers` list; received str"),
}


@pytest.mark.parametrize("framework", ["tf_keras", "keras3"])
@pytest.mark.parametrize("damage", sorted(SEQUENTIAL_DAMAGE))
def test_a_damaged_sequential_config_raises_a_value_error_saying_what_is_wrong(framework, damage):
    fn, message = SEQUENTIAL_DAMAGE[damage]
    with pytest.raises(ValueError, match=message):
        keras.models.model_from_config(_damage(f"{framework}_sequential", fn))


FUNCTIONAL_DAMAGE = {
    "input_layers missing": (lambda c: c["config"].pop("input_layers"), r"needs `input_layers`"),
    "output_layers a string": (_set(("config", "output_layers"), "out"), r"`output_layers`.*'out'"),
    "output of an unknown layer": (_set(("config", "output_layers"), ["nope", 0, 0]), r'unknown layer "nope"'),
    "output node out of range": (_set(("config", "output_layers"), ["out", 5, 0]), r'node 5 of layer "out"'),
    "output tensor out of range": (_set(("config", "output_layers"), ["out", 0, 3]), r'tensor 3 of .*"out"'),
    "layers a dict": (_set(("config", "layers"), {}), r"`layers`, a list of layer configs"),
    "inbound_nodes a string": (
        lambda c: _layer(c, "out").update(inbound_nodes="shared"),
        r"layer 5 \(Dense 'out'\).*`inbound_nodes`",
    ),
    "an input of an unknown layer": ("history", 0, "nope", r'unknown layer "nope"'),
    "a node index out of range": ("history", 1, 7, r"never become available"),
    "a tensor index out of range": ("history", 2, 4, r'tensor 4 of node 0 of layer "hidden"'),
    "a node index that is a string": ("history", 1, "0", r"\[layer name, node index, tensor index\]"),
    "duplicate layer names": (lambda c: _rename(_layer(c, "out"), "shared"), r'two layers named "shared"'),
    "a keyword argument the layer does not take": (
        lambda c: _add_call_keyword(_layer(c, "out"), "scale", 2.0),
        r"layer 5 \(Dense 'out'\): .*'scale'",
    ),
}


def _add_call_keyword(layer_config, key, value):
    node = layer_config["inbound_nodes"][0]
    if isinstance(node, dict):  # Keras 3
        node["kwargs"][key] = value
    else:  # tf.keras 2: the kwargs ride on the node's first input
        node[0][3][key] = value


def _rename(layer_config, name):
    layer_config["config"]["name"] = name
    if "name" in layer_config:  # tf.keras 2 and Keras 3 repeat it beside the layer's config
        layer_config["name"] = name


@pytest.mark.parametrize("framework", ["tf_keras", "keras3"])
@pytest.mark.parametrize("damage", sorted(FUNCTIONAL_DAMAGE))
def test_a_damaged_functional_config_raises_a_value_error_saying_what_is_wrong(framework, damage):
    spec = FUNCTIONAL_DAMAGE[damage]
    if spec[0] == "history":
        _, position, value, message = spec
        fn = _set_history("concat", position, value, framework)
    else:
        fn, message = spec
    with pytest.raises(ValueError, match=message):
        keras.models.model_from_config(_damage(f"{framework}_functional", fn))


@pytest.mark.parametrize("config", [[1, 2], "Sequential", 3, None, {"config": {"layers": []}}])
def test_a_config_that_is_not_a_class_name_and_config_dict_is_refused(config):
    with pytest.raises(ValueError, match="expects a dict with a `class_name`"):
        keras.models.model_from_config(config)


@pytest.mark.parametrize("text", ["[1, 2]", '"Sequential"', "7", '{"class_name": "Sequential", "config": 7}'])
def test_json_and_yaml_that_hold_no_model_config_are_refused(text):
    for loader in (keras.models.model_from_json, keras.models.model_from_yaml):
        with pytest.raises(ValueError):
            loader(text)


def test_damage_inside_a_yaml_config_raises_a_value_error_naming_the_layer():
    config = _damage("keras3_sequential", _set(("config", "layers", 3, "config", "units"), [2]))
    with pytest.raises(ValueError, match=r"layer 3 \(Dense 'out'\)"):
        keras.models.model_from_yaml(yaml.safe_dump(config))


def test_damage_inside_a_nested_model_names_the_path_to_it():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="deep")], name="inner")
    x = keras.Input((3,), name="x")
    config = json.loads(keras.Model(x, inner(x), name="outer").to_json())
    _layer(config, "inner")["config"]["layers"][1]["config"]["units"] = "two"
    with pytest.raises(ValueError, match=r"layer 1 \(Sequential 'inner'\): layer 1 \(Dense 'deep'\)"):
        keras.models.model_from_json(json.dumps(config))


# ---- fuzzing ------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def fuzzed_configs(draw):
    config = copy.deepcopy(CONFIGS[draw(st.sampled_from(sorted(CONFIGS)))])
    for _ in range(draw(st.integers(1, 3))):
        paths = [path for path, _ in _walk(config) if path]
        path = paths[draw(st.integers(0, len(paths) - 1))]
        parent = config
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = draw(json_values)
    return config


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(fuzzed_configs())
def test_fuzzed_configs_give_a_model_or_a_value_error(config):
    _load_or_value_error(config)
