"""Preprocessing layers against Keras 3.15's outputs and configs.

Fixtures: tests/fixtures/preprocessing/keras3.json, written by
tests/fixtures/preprocessing/make_preprocessing_layer_fixtures.py with Keras 3.15.1 on TensorFlow 2.17.1 (Keras's string
layers need TensorFlow).
"""

import json
import pathlib

import numpy as np
import pytest
import torch

from kerasish import layers

FIXTURES = json.loads((pathlib.Path(__file__).parents[2] / "fixtures/preprocessing/keras3.json").read_text())
WORDS = np.array([["a", "b", "c"], ["b", "b", "zz"], ["", "c", "a"], ["q", "a", "b"]])
INTS = np.array([[7, 3, 12], [3, 3, 99], [0, 12, 7], [-5, 7, 3]])
VOCAB, IVOCAB = ["a", "b", "c"], [12, 7, 3]


def check(name, layer, inputs, atol=1e-6):
    expected = FIXTURES[name]
    out = layer(inputs)
    out = out.numpy() if isinstance(out, torch.Tensor) else out
    if out.dtype.kind in "iu":
        np.testing.assert_array_equal(out, np.array(expected["output"]))
    elif out.dtype.kind == "U":
        assert out.tolist() == expected["output"]
    else:
        np.testing.assert_allclose(out, np.array(expected["output"]), atol=atol, rtol=1e-6)
    config = layer.get_config()
    for key, value in expected["config"].items():
        if key in ("vocabulary", "idf_weights") and expected["config"][key] is None:
            continue  # kerasish keeps an adapted vocabulary in the config; Keras keeps it in the archive's assets
        got = config[key]
        assert (list(got) if isinstance(got, tuple) else got) == value, key
    if "vocabulary" in expected:
        assert layer.get_vocabulary() == expected["vocabulary"]
    return layer


STRING_CASES = {
    "string_int": ({"vocabulary": VOCAB}, WORDS),
    "string_oov3_mask": ({"vocabulary": VOCAB, "num_oov_indices": 3, "mask_token": ""}, WORDS),
    "string_oov0_mask": (
        {"vocabulary": VOCAB, "num_oov_indices": 0, "mask_token": "", "oov_token": "?"},
        np.array([["a", ""], ["c", "b"]]),
    ),
    "string_one_hot": (
        {"vocabulary": VOCAB, "output_mode": "one_hot", "num_oov_indices": 2, "mask_token": ""},
        WORDS[:, :1],
    ),
    "string_multi_hot": (
        {"vocabulary": VOCAB, "output_mode": "multi_hot", "num_oov_indices": 2, "mask_token": ""},
        WORDS,
    ),
    "string_count": ({"vocabulary": VOCAB, "output_mode": "count", "num_oov_indices": 2, "mask_token": ""}, WORDS),
    "string_tf_idf": ({"vocabulary": VOCAB, "output_mode": "tf_idf", "idf_weights": [0.5, 1.0, 2.0]}, WORDS),
    "string_invert": ({"vocabulary": VOCAB, "invert": True, "mask_token": ""}, np.array([[0, 1, 2], [3, 4, 9]])),
}


@pytest.mark.parametrize("name", sorted(STRING_CASES))
def test_string_lookup(name):
    kwargs, inputs = STRING_CASES[name]
    check(name, layers.StringLookup(**kwargs), inputs)


def test_string_lookup_adapt_orders_by_count_then_token():
    corpus = np.array([["d"], ["b"], ["d"], ["a"], ["c"], ["b"], ["d"], ["c"], ["e"], ["[UNK]"], ["e"], [""]])
    layer = layers.StringLookup(max_tokens=5, mask_token="")
    layer.adapt(corpus)
    check("string_adapt", layer, WORDS)


def test_string_lookup_adapt_tf_idf():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt(WORDS)
    check("string_adapt_tf_idf", layer, WORDS)
    np.testing.assert_allclose(layer.idf_weights.numpy(), FIXTURES["string_adapt_tf_idf"]["idf_weights"], rtol=1e-6)


def test_string_ids_and_strings_give_the_same_indices():
    from kerasish.feature_column.fingerprint import fingerprint_strings

    layer = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=3)
    np.testing.assert_array_equal(layer(WORDS).numpy(), layer(torch.from_numpy(fingerprint_strings(WORDS))).numpy())


INT_CASES = {
    "int_int": {"vocabulary": IVOCAB},
    "int_oov3_floormod": {"vocabulary": IVOCAB, "num_oov_indices": 3, "mask_token": 0},
    "int_oov3_farmhash": {"vocabulary": IVOCAB, "num_oov_indices": 3, "oov_method": "farmhash"},
    "int_multi_hot": {"vocabulary": IVOCAB, "output_mode": "multi_hot"},
    "int_count": {"vocabulary": IVOCAB, "output_mode": "count", "mask_token": 0},
}


@pytest.mark.parametrize("name", sorted(INT_CASES))
def test_integer_lookup(name):
    check(name, layers.IntegerLookup(**INT_CASES[name]), INTS)


def test_integer_lookup_invert_and_adapt():
    check("int_invert", layers.IntegerLookup(vocabulary=IVOCAB, invert=True), np.array([[0, 1, 2, 3, 7]]))
    layer = layers.IntegerLookup(max_tokens=4)
    layer.adapt(INTS)
    check("int_adapt", layer, INTS)


@pytest.mark.parametrize(
    "name,kwargs,inputs",
    [
        ("hashing_str", {"num_bins": 7}, WORDS),
        ("hashing_str_mask", {"num_bins": 7, "mask_value": ""}, WORDS),
        ("hashing_int", {"num_bins": 5}, INTS),
        ("hashing_int_mask_multi_hot", {"num_bins": 5, "mask_value": 0, "output_mode": "multi_hot"}, INTS),
        ("hashing_one_hot", {"num_bins": 4, "output_mode": "one_hot"}, WORDS[:, :1]),
        ("hashing_count", {"num_bins": 4, "output_mode": "count"}, WORDS),
    ],
)
def test_hashing(name, kwargs, inputs):
    check(name, layers.Hashing(**kwargs), inputs)


def test_hashing_salt_is_stable_and_salt_dependent():
    # Keras's salted bins come from TensorFlow's SipHash of the bytes; kerasish's keyed mix is its own (documented).
    a = layers.Hashing(num_bins=1000, salt=[1, 2])(WORDS).numpy()
    np.testing.assert_array_equal(a, layers.Hashing(num_bins=1000, salt=[1, 2])(WORDS).numpy())
    assert (a != layers.Hashing(num_bins=1000, salt=[3, 4])(WORDS).numpy()).any()
    assert ((a >= 0) & (a < 1000)).all()


def test_hashed_crossing():
    a, b = np.array([["a"], ["b"], ["c"], ["a"]]), np.array([[1], [2], [2], [-7]])
    check("crossing_int", layers.HashedCrossing(num_bins=6), (a, b))
    check("crossing_one_hot", layers.HashedCrossing(num_bins=6, output_mode="one_hot"), (a, b))
    out = layers.HashedCrossing(num_bins=1000)((a, np.array([["x"], ["y"], ["x"], [""]])))
    np.testing.assert_array_equal(out.numpy(), FIXTURES["crossing_strings"])


X = np.array(FIXTURES["norm_x"], np.float32)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("norm_last", {}),
        ("norm_none", {"axis": None}),
        ("norm_12", {"axis": (1, 2)}),
        ("norm_invert", {"invert": True}),
    ],
)
def test_normalization_adapt(name, kwargs):
    layer = layers.Normalization(**kwargs)
    layer.adapt(X)
    check(name, layer, X[:4], atol=1e-5)
    for got, want in zip(layer.get_weights(), FIXTURES[name]["weights"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_normalization_adapt_batches_and_given_statistics():
    layer = layers.Normalization()
    layer.adapt([X[:20], X[20:45], X[45:]])
    check("norm_batches", layer, X[:4], atol=1e-5)
    check("norm_given", layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 0.25]), X[:4])


D = np.array(FIXTURES["disc_x"], np.float32)
BINS_INPUT = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 2.5]])


def test_discretization():
    check("disc_bins", layers.Discretization(bin_boundaries=[0.0, 1.0, 2.5]), BINS_INPUT)
    for eps in (0.01, 0.1):
        layer = layers.Discretization(num_bins=5, epsilon=eps)
        layer.adapt(D)
        np.testing.assert_allclose(
            layer.bin_boundaries, FIXTURES[f"disc_adapt_{eps}"]["config"]["bin_boundaries"], rtol=1e-6
        )
        check(f"disc_adapt_{eps}", layer, D[:10])
    layer = layers.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt([D[:70], D[70:]])
    check("disc_adapt_batches", layer, D[:10])
    for mode in ("multi_hot", "count"):
        check(f"disc_{mode}", layers.Discretization(bin_boundaries=[0.0, 1.0, 2.5], output_mode=mode), BINS_INPUT)
    check(
        "disc_one_hot",
        layers.Discretization(bin_boundaries=[0.0, 1.0, 2.5], output_mode="one_hot"),
        np.array([[0.5], [3.0]]),
    )


def test_category_encoding_and_rescaling():
    ids = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    check("enc_multi_hot", layers.CategoryEncoding(num_tokens=4), ids)
    check("enc_count", layers.CategoryEncoding(num_tokens=4, output_mode="count"), ids)
    check("enc_one_hot", layers.CategoryEncoding(num_tokens=4, output_mode="one_hot"), np.array([3, 2, 0, 1]))
    weights = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]])
    out = layers.CategoryEncoding(num_tokens=4, output_mode="count")(ids, count_weights=weights)
    np.testing.assert_allclose(out.numpy(), FIXTURES["enc_count_weights"], rtol=1e-6)
    check("rescaling", layers.Rescaling(scale=1 / 255.0, offset=-0.5), np.array([[0.0, 127.5, 255.0]]))
