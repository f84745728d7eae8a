"""`keras.utils.model_to_dot` / `plot_model`: the DOT graph Keras makes for the same models.

The expected graphs are Keras 3.15's, in tests/fixtures/models/plot_fixtures.json, written by
tests/fixtures/models/make_plot_fixtures.py (TensorFlow backend, pydot 4); the builders below make the same
models, name for name. DOT names nodes by `id(layer)`, so both sides are compared with layer names instead.
"""

import json
import os

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers
from kerasish.models import plotting

pydot = pytest.importorskip("pydot")

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "models", "plot_fixtures.json")


def build_branched():
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    ha = layers.Dense(5, activation="relu", name="dense_a")(a)
    hb = layers.Dense(5, name="dense_b", trainable=False)(b)
    added = layers.Add(name="add")([ha, hb])
    return keras.Model([a, b], layers.Dense(2, activation="softmax", name="out")(added), name="branched")


def build_nested():
    block = keras.Sequential(
        [keras.Input((6,)), layers.Dense(6, name="block_dense"), layers.ReLU(name="block_relu")], name="block"
    )
    inner_in = keras.Input((6,), name="inner_in")
    inner = keras.Model(inner_in, layers.Dense(4, name="inner_dense")(block(inner_in)), name="inner")
    x = keras.Input((6,), name="x")
    return keras.Model(x, layers.Dense(2, name="head")(inner(x)), name="outer")


def build_sequential():
    return keras.Sequential(
        [keras.Input((3,)), layers.Dense(4, activation="tanh", name="d1"), layers.Dense(1, name="d2")], name="seq"
    )


BUILDERS = {
    "branched_default": build_branched,
    "branched_everything": build_branched,
    "branched_no_names": build_branched,
    "nested": build_nested,
    "nested_expanded": build_nested,
    "sequential": build_sequential,
}

with open(FIXTURES) as f:
    CASES = json.load(f)["cases"]


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def _describe(dot, names):
    return {
        "attributes": {k: str(v) for k, v in dot.get_attributes().items()},
        "nodes": {names[n.get_name()]: n.get("label") for n in dot.get_nodes() if n.get_name() in names},
        "edges": sorted([names[e.get_source()], names[e.get_destination()]] for e in dot.get_edges()),
        "clusters": {s.get_name(): _describe(s, names) for s in dot.get_subgraphs()},
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_to_dot_equals_keras(name):
    model = BUILDERS[name]()
    names = {str(id(layer)): layer.name for layer in _all_layers(model)}
    expected = dict(CASES[name])
    kwargs = expected.pop("kwargs")
    assert _describe(keras.utils.model_to_dot(model, **kwargs), names) == expected


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydot on a newer pyparsing
def test_dot_text_parses_back():
    """The DOT text is what Graphviz reads: it parses back to the same boxes and edges."""
    model = build_branched()
    text = keras.utils.model_to_dot(model, show_shapes=True).to_string()
    (graph,) = pydot.graph_from_dot_data(text)
    assert len(graph.get_edges()) == 5
    assert {n.get_name().strip('"') for n in graph.get_nodes()} >= {str(id(layer)) for layer in model.layers}
    assert "Output shape: <b>(None, 2)</b>" in text


def test_subclassed_model_is_one_box():
    class Small(keras.Model):
        def __init__(self):
            super().__init__(name="small")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Small()
    model(np.ones((1, 3), "float32"))
    dot = keras.utils.model_to_dot(model)
    (node,) = [n for n in dot.get_nodes() if n.get_name() not in ("node",)]
    assert "<b>small</b> (Small)" in node.get("label")


def test_errors():
    with pytest.raises(ValueError, match="not yet been built"):
        keras.utils.model_to_dot(keras.Sequential([layers.Dense(2)]))
    with pytest.raises(ValueError, match="layer_range"):
        keras.utils.model_to_dot(build_sequential(), layer_range=["d1", "d2"])
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        keras.utils.model_to_dot(build_sequential(), colour=True)


def test_plot_model_writes_an_image_or_names_graphviz(tmp_path):
    model = build_sequential()
    path = tmp_path / "model.svg"
    if not plotting.check_graphviz():
        with pytest.raises(ImportError, match="install graphviz"):
            keras.utils.plot_model(model, to_file=path)
        assert not path.exists()
        return
    keras.utils.plot_model(model, to_file=path, show_shapes=True)
    svg = path.read_text()
    assert "<svg" in svg and "d1" in svg and "(None, 4)" in svg
