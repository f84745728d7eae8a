"""FarmHash Fingerprint64 against TensorFlow 2.17 (`tf.raw_ops.Fingerprint(method="farmhash64")` and
`to_hash_bucket_fast`), from tests/fixtures/feature_column/make_fingerprint_fixtures.py."""

import json
import os
import subprocess
import sys

import numpy as np
import torch

from kerasish.feature_column import fingerprint as F

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "feature_column", "fingerprint.json")) as f:
    DATA = json.load(f)


def test_strings_of_every_length_branch_match_tensorflow():
    got = F.fingerprint_strings(np.array(DATA["strings"]))
    expected = np.array([int(v) for v in DATA["fingerprints"]], dtype=np.uint64).view(np.int64)
    np.testing.assert_array_equal(got, expected)


def test_hash_buckets_match_to_hash_bucket_fast():
    ids = torch.from_numpy(F.fingerprint_strings(np.array(DATA["strings"])))
    assert F.unsigned_mod(ids, 997).tolist() == DATA["buckets_997"]


def test_integers_hash_as_their_decimal_strings():
    ids = F.fingerprint_integers(torch.tensor(DATA["ints"]))
    assert F.unsigned_mod(ids, 1000003).tolist() == DATA["int_buckets_1000003"]
    as_text = F.fingerprint_strings(np.array([str(v) for v in DATA["ints"]]))
    np.testing.assert_array_equal(ids.numpy(), as_text)


def test_bytes_objects_and_unicode_agree():
    text = np.array([["héllo", "x"], ["", "日本"]])
    expected = F.fingerprint_strings(text)
    as_bytes = np.array([[s.encode() for s in row] for row in text.tolist()], dtype=object)
    np.testing.assert_array_equal(F.fingerprint_strings(as_bytes), expected)
    np.testing.assert_array_equal(F.fingerprint_strings(text.astype(object)), expected)
    assert expected[1, 0] == F.EMPTY_STRING_ID


def test_stable_across_processes():
    code = "from kerasish.feature_column.fingerprint import fingerprint_strings; print(fingerprint_strings(['abc'])[0])"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "123"},
    ).stdout
    assert int(out) == F.fingerprint_strings(["abc"])[0]


def test_unsigned_mod_treats_ids_as_uint64():
    values = [0, 1, -1, -(2**63), 2**63 - 1, -12345]
    for divisor in (1, 7, 1000, 2**40 + 3):
        got = F.unsigned_mod(torch.tensor(values), divisor).tolist()
        assert got == [(v % 2**64) % divisor for v in values]


def test_integer_fast_path_equals_hashing_the_decimal_strings():
    # fingerprint_integers builds the digits' words arithmetically; the byte-matrix hash of str(value) is the
    # reference, over every decimal length (1 to 20 bytes with the sign), repeats and both int64 extremes.
    rng = np.random.default_rng(0)
    edges = [
        0,
        1,
        -1,
        9,
        -9,
        10,
        99,
        100,
        999,
        1000,
        9999999,
        10**7,
        10**15,
        10**16 - 1,
        10**16,
        -(10**16),
        10**18,
        2**63 - 1,
        -(2**63),
        -(2**63) + 1,
    ]
    powers = (10 ** rng.integers(0, 19, 2000)) * rng.integers(1, 10, 2000) - rng.integers(0, 3, 2000)
    values = np.concatenate([edges, powers, -powers, rng.integers(-(2**63), 2**63 - 1, 2000), powers[:50]])
    expected = F.fingerprint_strings(np.array([str(v) for v in values]))
    np.testing.assert_array_equal(F.fingerprint_integers(torch.from_numpy(values)).numpy(), expected)
