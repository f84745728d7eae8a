"""Salted `Hashing` against real Keras: TensorFlow's SipHash-2-4 buckets (`to_hash_bucket_strong`).

Fixture: tests/fixtures/preprocessing_text/salted_hashing.json, made by
`KERAS_BACKEND=tensorflow /tmp/kref/bin/python tests/fixtures/preprocessing_text/make_salted_hashing_fixtures.py`
(Keras 3.15 on TensorFlow).
"""

import json
import os

import numpy as np
import pytest
import torch

from kerasish import layers
from kerasish.layers.preprocessing.siphash import siphash_strings

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "preprocessing_text", "salted_hashing.json")
with open(FIXTURE, encoding="utf-8") as _f:
    DATA = json.load(_f)


def test_siphash_reference_vector():
    # The SipHash paper's test vector: key 00..0f, message 00..0e.
    key = [int.from_bytes(bytes(range(8)), "little"), int.from_bytes(bytes(range(8, 16)), "little")]
    assert int(siphash_strings(np.array([bytes(range(15))], object), key)[0]) == 0xA129CA6149BE45E5


@pytest.mark.parametrize("case", DATA["cases"], ids=lambda c: str(c["kwargs"]))
def test_salted_strings_match_keras(case):
    strings = np.array(DATA["strings"])[:, None]
    out = layers.Hashing(**case["kwargs"])(strings)
    assert out.dtype == torch.int64 and tuple(out.shape) == (len(DATA["strings"]), 1)
    np.testing.assert_array_equal(out.numpy().reshape(-1), case["strings"])
    # lists and bytes give the same bins
    as_bytes = np.array([s.encode() for s in DATA["strings"]], object)[:, None]
    np.testing.assert_array_equal(layers.Hashing(**case["kwargs"])(as_bytes).numpy().reshape(-1), case["strings"])


@pytest.mark.parametrize("case", [c for c in DATA["cases"] if "integers" in c], ids=lambda c: str(c["kwargs"]))
def test_salted_integers_match_keras(case):
    values = np.array(DATA["integers"], np.int64)[:, None]
    np.testing.assert_array_equal(layers.Hashing(**case["kwargs"])(values).numpy().reshape(-1), case["integers"])
    tensor = torch.tensor(DATA["integers"])[:, None]
    np.testing.assert_array_equal(layers.Hashing(**case["kwargs"])(tensor).numpy().reshape(-1), case["integers"])


def test_salted_one_hot_and_int_salt():
    case = DATA["cases"][0]
    out = layers.Hashing(output_mode="one_hot", **case["kwargs"])(np.array(DATA["strings"])[:, None])
    np.testing.assert_array_equal(out.numpy().argmax(-1), case["strings"])
    same = layers.Hashing(num_bins=3, salt=133)(np.array(DATA["strings"]))
    np.testing.assert_array_equal(same.numpy(), layers.Hashing(num_bins=3, salt=[133, 133])(np.array(DATA["strings"])))


def test_salted_hashing_round_trips_config():
    layer = layers.Hashing(num_bins=7, salt=[133, 137])
    clone = layers.Hashing.from_config(layer.get_config())
    assert clone.salt == [133, 137]
    words = np.array(DATA["strings"])
    np.testing.assert_array_equal(clone(words).numpy(), layer(words).numpy())
