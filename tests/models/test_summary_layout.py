"""`model.summary()` prints Keras's text: column widths for the terminal, "Connected to" only for branched graphs,
nested models expanded, the trainable column, layer ranges and the optimizer's parameters.

The expected texts are Keras 3.15's own, in tests/fixtures/models/summary_fixtures.json, written by
tests/fixtures/models/make_summary_fixtures.py (TensorFlow backend, `COLUMNS=80`); the builders below make the
same models, name for name.
"""

import json
import os

import pytest

import kerasish as keras
from kerasish import layers
from kerasish.models.summary import column_widths

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "models", "summary_fixtures.json")


def build_straight():
    x = keras.Input((8,), name="x")
    h = layers.Dense(16, activation="relu", name="hidden")(x)
    h = layers.Dropout(0.2, name="drop")(h)
    return keras.Model(x, layers.Dense(3, name="out")(h), name="straight")


def build_branched():
    a = keras.Input((4,), name="a")
    b = keras.Input((4,), name="b")
    ha = layers.Dense(5, name="dense_a")(a)
    hb = layers.Dense(5, name="dense_b")(b)
    return keras.Model([a, b], layers.Add(name="add")([ha, hb]), name="branched")


def build_nested():
    block = keras.Sequential(
        [keras.Input((6,)), layers.Dense(6, name="block_dense"), layers.BatchNormalization(name="block_bn")],
        name="block",
    )
    inner_in = keras.Input((6,), name="inner_in")
    inner = keras.Model(inner_in, layers.Dense(4, name="inner_dense")(block(inner_in)), name="inner")
    x = keras.Input((6,), name="x")
    return keras.Model(x, layers.Dense(2, name="head")(inner(x)), name="outer")


def build_nested_sequential():
    block = keras.Sequential([layers.Dense(3, name="b1"), layers.Dense(3, name="b2", trainable=False)], name="block")
    return keras.Sequential([keras.Input((5,)), block, layers.Dense(1, name="last")], name="stack")


def build_compiled():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="d")], name="compiled")
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


BUILDERS = {
    "straight": build_straight,
    "straight_trainable": build_straight,
    "straight_wide": build_straight,
    "branched": build_branched,
    "nested": build_nested,
    "nested_expanded": build_nested,
    "nested_sequential_expanded": build_nested_sequential,
    "nested_range": build_nested,
    "compiled": build_compiled,
}

with open(FIXTURES) as f:
    CASES = json.load(f)["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_text_equals_keras(name, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")  # the terminal width the fixtures were written in
    calls = []
    BUILDERS[name]().summary(print_fn=calls.append, **CASES[name]["kwargs"])
    assert calls == CASES[name]["calls"]


def test_summary_fits_the_terminal(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    build_branched().summary()
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) == 56  # the terminal less Keras's margin of 4
    assert "Connected to" in lines[2]


def test_column_widths_shrink_like_rich():
    # Keras's default line (88) in an 80-column terminal is 76: shares 34, 26, 16, less the 10 columns of borders
    # and padding taken evenly.
    assert column_widths(76, [0.45, 0.8, 1.0]) == [31, 22, 13]
    assert column_widths(76, [0.3, 0.56, 0.74, 1.0]) == [19, 17, 10, 17]
    with pytest.raises(ValueError, match="Insufficient console width"):
        column_widths(10, [0.3, 0.56, 0.74, 1.0])


def test_layer_range_errors():
    model = build_nested()
    with pytest.raises(ValueError, match="do not match the layer names"):
        model.summary(layer_range=["nope", "head"])
    with pytest.raises(ValueError, match="length 2"):
        model.summary(layer_range=["x"])
