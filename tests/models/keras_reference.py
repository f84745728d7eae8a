"""Models recorded with real Keras: the same graphs built with kerasish, and Keras's numbers for them.

A helper module for the model tests (not collected: its name does not start with `test_`).

tests/fixtures/layers/layer_fixtures.json was written by tests/fixtures/layers/make_layer_fixtures.py (Keras 3.15,
JAX backend); its `build_*` functions are the Keras twins of the ones below, layer for layer and name for name.
"""

import functools
import json
import os

import numpy as np
import torch

import kerasish as keras
from kerasish import layers

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers", "layer_fixtures.json")


def build_two_io():
    """Two inputs, two outputs, one Dense shared by both inputs."""
    a = keras.Input((4,), name="in_a")
    b = keras.Input((4,), name="in_b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    ha, hb = shared(a), shared(b)
    merged = layers.Concatenate(name="concat")([ha, hb])
    summed = layers.Add(name="sum")([ha, hb])
    out_1 = layers.Dense(2, name="out_1")(merged)
    out_2 = layers.Dense(1, activation="sigmoid", name="out_2")(summed)
    return keras.Model([a, b], [out_1, out_2], name="two_io")


def build_branchy():
    """Multi-branch graph with a shared layer used at two depths, a nested Sequential and a frozen layer."""
    inner = keras.Sequential([keras.Input((6,)), layers.Dense(6, activation="relu", name="inner_dense")], name="inner")
    x = keras.Input((6,), name="x")
    y = keras.Input((6,), name="y")
    b1 = layers.Dense(6, name="branch_1")(x)
    b2 = layers.Dense(6, name="branch_2")(layers.Dense(6, name="pre_2")(x))
    shared = layers.Dense(6, name="shared_b")
    s1, s2 = shared(b1), shared(y)
    nested = inner(b2)
    cat = layers.Concatenate(name="cat")([s1, nested, s2])
    head = layers.Dense(3, name="head")(layers.Dropout(0.5, name="drop")(cat))
    frozen = layers.Dense(2, name="frozen", trainable=False)(layers.Add(name="plus")([s1, nested]))
    return keras.Model([x, y], [head, frozen], name="branchy")


def build_sequential():
    """Embedding -> Flatten -> Dense -> Reshape -> Activation on int inputs."""
    return keras.Sequential(
        [
            keras.Input((5,), dtype="int32"),
            layers.Embedding(10, 4, name="emb"),
            layers.Flatten(name="flat"),
            layers.Dense(6, activation="relu", name="hidden"),
            layers.Reshape((3, 2), name="to_3x2"),
            layers.Activation("softmax", name="probs"),
        ],
        name="seq",
    )


def build_wide():
    """Over a thousand parameters, so the summary prints thousands separators."""
    return keras.Sequential([keras.Input((64,)), layers.Dense(32, name="d1"), layers.Dense(10, name="d2")], name="wide")


BUILDERS = {"two_io": build_two_io, "branchy": build_branchy, "seq": build_sequential, "wide": build_wide}


@functools.cache
def keras_record(name: str) -> dict:
    """Keras's record of the model built by BUILDERS[name]: layer names, summary, weights, inputs, predictions,
    and its `to_json()`."""
    with open(FIXTURES) as f:
        return json.load(f)["models"][name]


def keras_inputs(record):
    """The recorded input batch as tensors (a list for multi-input models; ints for the Embedding model)."""
    if isinstance(record["inputs"][0][0], list):
        return [torch.tensor(x) for x in record["inputs"]]
    return torch.tensor(record["inputs"])


def keras_weights(record):
    return [np.array(w, dtype="float32") for w in record["weights"]]


def assert_outputs_close(outputs, expected, atol=1e-6):
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    expected = expected if len(outputs) > 1 else [expected]
    assert len(outputs) == len(expected)
    for out, ref in zip(outputs, expected):
        np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-5, atol=atol)
