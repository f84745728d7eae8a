"""model.summary(): the table rows and the totals lines against Keras's text for the same models."""

import pytest
import torch

import kerasish as keras
from kerasish import layers
from tests.models.keras_reference import BUILDERS, keras_record


def _summary_lines(model):
    calls = []
    model.summary(print_fn=calls.append)  # one call with the whole text, as Keras 3 makes it
    return "".join(calls).splitlines()


def _totals(lines):
    return [
        line.strip()
        for line in lines
        if line.strip().startswith(("Total params", "Trainable params", "Non-trainable params"))
    ]


def _rows(lines):
    """Table body rows as lists of stripped cells (wrapped cells give continuation rows, as in Keras's text)."""
    return [[cell.strip() for cell in line.strip("│").split("│")] for line in lines if line.startswith("│")]


@pytest.mark.parametrize("name", ["two_io", "branchy", "seq", "wide"])
def test_totals_lines_equal_keras(name):
    assert _totals(_summary_lines(BUILDERS[name]())) == keras_record(name)["summary_totals"]


@pytest.mark.parametrize("name", ["seq", "wide"])
def test_sequential_rows_equal_keras(name):
    """Names, types, output shapes and parameter counts (with thousands separators)."""
    assert _rows(_summary_lines(BUILDERS[name]())) == keras_record(name)["summary_rows"]


@pytest.mark.parametrize("name", ["two_io", "branchy"])
def test_functional_rows_equal_keras_including_connections(name):
    """Shared layers list both calls (`shared[0][0], shared[1][0]`); a nested model is one row."""
    assert _rows(_summary_lines(BUILDERS[name]())) == keras_record(name)["summary_rows"]


def test_summary_of_an_unbuilt_sequential_marks_layers_unbuilt():
    lines = _summary_lines(keras.Sequential([layers.Dense(3, name="later")], name="unbuilt"))
    assert lines[0] == 'Model: "unbuilt"'
    assert _rows(lines) == [["later (Dense)", "?", "0 (unbuilt)"]]
    assert _totals(lines)[0] == "Total params: 0 (0.00 B)"


def test_summary_after_a_lazy_build_shows_output_shapes():
    model = keras.Sequential([layers.Dense(4, name="a"), layers.Dense(2, name="b")])
    model(torch.ones(3, 7))
    assert _rows(_summary_lines(model)) == [["a (Dense)", "(None, 4)", "32"], ["b (Dense)", "(None, 2)", "10"]]
