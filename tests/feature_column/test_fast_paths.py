"""The CPU fast paths of feature columns against the reference they replace.

- `fingerprint_numpy.py` (numpy FarmHash) against `fingerprint.fingerprint_bytes` (the torch byte-matrix
  implementation, itself checked against TensorFlow's fingerprints in test_fingerprint.py).
- DenseFeatures with numpy id arithmetic on CPU (`host_ops.NUMPY_ON_CPU`, the default) against the torch path that a
  GPU runs (switched on for CPU here), on TensorFlow's fixture cases of test_dense_features.py and on the
  end-to-end mix of benchmarks/feature_columns.py; outputs must be identical, in inference and in training.
"""

import importlib.util
import os

import numpy as np
import pytest
import torch

from kerasish import feature_column as fc
from kerasish.feature_column import fingerprint as F
from kerasish.feature_column import host_ops
from kerasish.feature_column.fingerprint_numpy import fingerprint_text
from kerasish.layers.preprocessing import DenseFeatures

# TensorFlow's fixture cases, as test_dense_features.py builds them (loaded by path: tests are not a package).
_spec = importlib.util.spec_from_file_location(
    "_dense_features_cases", os.path.join(os.path.dirname(__file__), "test_dense_features.py")
)
_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cases)
features, make_cases, set_tables, vocab_file = _cases.features, _cases.make_cases, _cases.set_tables, _cases.vocab_file


def torch_reference(encoded: np.ndarray) -> np.ndarray:
    """Fingerprint64 of each `S` string through the torch implementation."""
    width = encoded.dtype.itemsize
    matrix = np.zeros((len(encoded), width + 8), np.uint8)
    matrix[:, :width] = encoded.view(np.uint8).reshape(-1, width)
    lengths = torch.from_numpy(np.char.str_len(encoded).astype(np.int64))
    return F.fingerprint_bytes(torch.from_numpy(matrix), lengths).numpy()


@pytest.fixture
def random_bytes():
    rng = np.random.default_rng(1)
    # every length 0..300 (all of FarmHash's branches and up to 4 blocks of the longest), three times each
    return np.array([bytes(rng.integers(1, 256, n).astype(np.uint8)) for n in list(range(301)) * 3], dtype="S")


def test_numpy_fingerprint_equals_torch_on_mixed_lengths(random_bytes):
    np.testing.assert_array_equal(fingerprint_text(random_bytes), torch_reference(random_bytes))


@pytest.mark.parametrize("lengths", [(0, 0), (1, 3), (4, 7), (8, 16), (5, 11), (17, 32), (33, 64), (65, 300)])
def test_numpy_fingerprint_equals_torch_within_one_branch(random_bytes, lengths):
    sizes = np.char.str_len(random_bytes)
    batch = random_bytes[(sizes >= lengths[0]) & (sizes <= lengths[1])]
    np.testing.assert_array_equal(fingerprint_text(batch), torch_reference(batch))


def test_unicode_text_hashes_its_utf8_bytes():
    text = np.array(["word0001", "héllo wörld", "日本語のテキスト" * 3, "", "a", "emoji 🙂 ok"])
    expected = torch_reference(np.array([s.encode() for s in text], dtype="S"))
    np.testing.assert_array_equal(fingerprint_text(text), expected)
    np.testing.assert_array_equal(F.fingerprint_strings(text.astype(object)), expected)
    # ASCII text takes the code-point cast, not the encoder: same ids
    ascii_text = np.array(["user123", "word0042", "x" * 40])
    np.testing.assert_array_equal(
        fingerprint_text(ascii_text), torch_reference(np.array([s.encode() for s in ascii_text], dtype="S"))
    )


def test_numpy_unsigned_mod_and_cat64_equal_torch():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-(2**63), 2**63 - 1, 5000), rng.integers(-(2**63), 2**63 - 1, 5000)
    np.testing.assert_array_equal(
        F.fingerprint_cat64(a, b), F.fingerprint_cat64(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    )
    for divisor in (1, 7, 10_000, 2**40 + 3):
        expected = [(int(v) % 2**64) % divisor for v in a[:200]]
        assert F.unsigned_mod(a[:200], divisor).tolist() == expected


def run_both_paths(layer, inputs, training=False):
    """The layer's output (and table gradients when training) with numpy on CPU, then with the torch path."""
    results = []
    for numpy_on_cpu in (True, False):
        host_ops.NUMPY_ON_CPU = numpy_on_cpu
        try:
            if training:
                out = layer(inputs)
                if not out.requires_grad:  # no embedding tables
                    results.append((out.detach(), []))
                    continue
                (out * torch.arange(1, out.shape[1] + 1, dtype=out.dtype)).sum().backward()
                grads = [w.grad.clone() if w.grad is not None else None for w in layer.parameters()]
                for w in layer.parameters():
                    w.grad = None
                results.append((out.detach(), grads))
            else:
                with torch.no_grad():
                    results.append((layer(inputs), []))
        finally:
            host_ops.NUMPY_ON_CPU = True
    return results


@pytest.mark.parametrize(
    "case",
    ["numeric_bucketized", "indicators", "indicator_default", "indicator_file", "weighted_indicator", "crossed",
     "embeddings"],
)  # fmt: skip
@pytest.mark.parametrize("training", [False, True])
def test_numpy_and_torch_paths_give_identical_outputs(case, training, vocab_file):
    layer = DenseFeatures(make_cases(vocab_file)[case])
    set_tables(layer)
    (fast, fast_grads), (reference, reference_grads) = run_both_paths(layer, features(), training)
    torch.testing.assert_close(fast, reference, rtol=0, atol=0)
    for got, expected in zip(fast_grads, reference_grads):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)


def end_to_end(rows):
    rng = np.random.default_rng(0)
    words = np.array([f"word{i:04d}" for i in range(1100)])
    data = {
        "age": rng.uniform(0, 90, (rows, 1)).astype(np.float32),
        "word": words[rng.integers(0, 1100, rows)].reshape(rows, 1),
        "user": np.char.add("user", rng.integers(0, 10**7, rows).astype(str)).reshape(rows, 1),
    }
    data["word"][::7] = ""  # missing words
    age = fc.numeric_column("age")
    age_buckets = fc.bucketized_column(age, [18, 25, 35, 45, 55, 65])
    word = fc.categorical_column_with_vocabulary_list("word", [f"word{i:04d}" for i in range(1000)], num_oov_buckets=1)
    user = fc.categorical_column_with_hash_bucket("user", 100_000)
    columns = [
        age,
        age_buckets,
        fc.indicator_column(word),
        fc.embedding_column(user, 8),
        fc.embedding_column(fc.crossed_column([age_buckets, "word"], 10_000), 8),
    ]
    return DenseFeatures(columns), data


@pytest.mark.parametrize("training", [False, True])
def test_end_to_end_mix_is_the_same_on_both_paths(training):
    layer, data = end_to_end(3000)
    (fast, fast_grads), (reference, reference_grads) = run_both_paths(layer, data, training)
    assert fast.shape == (3000, 1 + 7 + 1001 + 8 + 8)
    torch.testing.assert_close(fast, reference, rtol=0, atol=0)
    for got, expected in zip(fast_grads, reference_grads):
        torch.testing.assert_close(got, expected, rtol=0, atol=0)
    # hand check of a few numbers: age as given, its one-hot bucket, the word's indicator (missing: all zeros)
    out = fast.numpy()
    np.testing.assert_array_equal(out[:, 0], data["age"][:, 0])
    np.testing.assert_array_equal(out[:, 1:8].argmax(1), np.searchsorted([18, 25, 35, 45, 55, 65], out[:, 0], "right"))
    vocabulary = {f"word{i:04d}": i for i in range(1000)}
    for row in (0, 1, 2, 7):
        word = data["word"][row, 0]
        indicator = out[row, 8 + 16 : 8 + 16 + 1001]  # after age_bucketized_X_word_embedding and user_embedding
        if word == "":
            assert indicator.sum() == 0
        elif word in vocabulary:
            assert indicator[vocabulary[word]] == 1 and indicator.sum() == 1
        else:
            assert indicator[1000] == 1 and indicator.sum() == 1


def test_cols_to_output_tensors_are_the_written_slices():
    layer, data = end_to_end(64)
    layer.build()
    outputs = {}
    out = layer.call(data, cols_to_output_tensors=outputs)
    widths = [outputs[c].shape[1] for c in layer.feature_columns]
    assert widths == [1, 7, 8, 8, 1001]
    expected = out.detach().numpy()
    np.testing.assert_array_equal(torch.cat([outputs[c] for c in layer.feature_columns], 1).detach().numpy(), expected)


def test_features_of_different_batch_sizes_are_refused():
    age = fc.numeric_column("age")
    city = fc.indicator_column(fc.categorical_column_with_vocabulary_list("city", ["a", "b"]))
    layer = DenseFeatures([age, city])
    with pytest.raises(ValueError, match="column 'city_indicator' has 1 rows where 'age' has 3"):
        layer({"age": np.zeros((3, 1), np.float32), "city": np.array([["a"]])})


def test_float64_floatx_output_matches_float32_counts():
    from kerasish import config

    layer, data = end_to_end(50)
    with torch.no_grad():
        expected = layer(data).double()
    previous = config.floatx()
    config.set_floatx("float64")
    try:
        with torch.no_grad():
            got = layer(data)
    finally:
        config.set_floatx(previous)
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, expected, rtol=0, atol=0)


@pytest.mark.parametrize("size", [0, 1, 3, 1000, 70_000])
def test_hash_table_finds_every_key_and_nothing_else(size):
    from kerasish.feature_column.hash_table import HashTable

    rng = np.random.default_rng(size)
    keys = np.unique(rng.integers(-(2**63), 2**63 - 1, size))
    rng.shuffle(keys)
    table = HashTable(keys)
    queries = np.concatenate([keys, rng.integers(-(2**63), 2**63 - 1, 3000), np.arange(-50, 50)]).reshape(-1, 1)
    position = {int(k): i for i, k in enumerate(keys)}
    expected = np.array([position.get(int(q), -1) for q in queries[:, 0]]).reshape(-1, 1)
    np.testing.assert_array_equal(table.lookup(queries), expected)


def test_hash_table_with_small_integer_keys_that_share_home_slots():
    from kerasish.feature_column.hash_table import HashTable

    keys = np.arange(0, 3000, 3)
    queries = np.arange(-10, 3100)
    expected = np.where((queries >= 0) & (queries % 3 == 0) & (queries < 3000), queries // 3, -1)
    np.testing.assert_array_equal(HashTable(keys).lookup(queries), expected)
