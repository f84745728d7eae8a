"""DenseFeatures/SequenceFeatures against TensorFlow 2.17's feature columns (fixtures made by
tests/fixtures/feature_column/make_dense_features_fixtures.py, whose columns are rebuilt here one for one)."""

import json
import os

import numpy as np
import pytest
import torch

from kerasish import feature_column as fc
from kerasish.layers.preprocessing import DenseFeatures, SequenceFeatures

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "feature_column")
with open(os.path.join(FIXTURES, "dense_features.json")) as f:
    DATA = json.load(f)
TABLES = {k: np.array(v, np.float32) for k, v in DATA["tables"].items()}


def features():
    out = {}
    for key, value in DATA["features"].items():
        array = np.array(value)
        out[key] = array.astype(np.float32) if array.dtype.kind == "f" else array
    return out


def make_cases(vocab_file):
    price = fc.numeric_column("price")
    bucket = fc.bucketized_column(price, [0.0, 10.0, 100.0])
    vec = fc.numeric_column("vec", shape=(2,))
    city = fc.categorical_column_with_vocabulary_list("city", ["paris", "rome", "tokyo"], num_oov_buckets=3)
    city_default = fc.categorical_column_with_vocabulary_list("city", ["paris", "rome"], default_value=1)
    city_file = fc.categorical_column_with_vocabulary_file("city", vocab_file, vocabulary_size=3, num_oov_buckets=2)
    code = fc.categorical_column_with_vocabulary_list("code", [10, 20, 30], num_oov_buckets=2)
    slot = fc.categorical_column_with_identity("slot", 5, default_value=0)
    user = fc.categorical_column_with_hash_bucket("user", 100)
    uid = fc.categorical_column_with_hash_bucket("uid", 50, dtype="int64")
    tags = fc.categorical_column_with_vocabulary_list("tags", ["a", "b", "c"], num_oov_buckets=1)
    tags_w = fc.weighted_categorical_column(tags, "tag_w")
    return {
        "numeric_bucketized": [price, bucket, vec, fc.bucketized_column(vec, [2.5, 6.0])],
        "indicators": [fc.indicator_column(c) for c in (city, code, slot, user, uid, tags)],
        "indicator_default": [fc.indicator_column(city_default)],
        "indicator_file": [fc.indicator_column(city_file)],
        "weighted_indicator": [fc.indicator_column(tags_w)],
        "crossed": [
            fc.indicator_column(fc.crossed_column(["city", bucket], 37)),
            fc.indicator_column(fc.crossed_column(["user", "uid"], 1000)),
            fc.indicator_column(fc.crossed_column([bucket, "city", tags], 53)),
        ],
        "embeddings": [
            fc.embedding_column(city, 3, combiner="mean"),
            fc.embedding_column(tags, 2, combiner="sqrtn"),
            fc.embedding_column(tags_w, 2, combiner="sum"),
            fc.embedding_column(user, 4, combiner="mean", max_norm=1.5),
        ],
    }


@pytest.fixture
def vocab_file(tmp_path):
    path = tmp_path / "cities.txt"
    path.write_text("\n".join(DATA["vocab_file"]) + "\n")
    return str(path)


def set_tables(layer):
    layer.build()
    for column in layer.feature_columns:
        if isinstance(column, fc.EmbeddingColumn):
            with torch.no_grad():
                layer.embedding_table(column).copy_(torch.from_numpy(TABLES[column.name]))


@pytest.mark.parametrize(
    "case",
    [
        "numeric_bucketized",
        "indicators",
        "indicator_default",
        "indicator_file",
        "weighted_indicator",
        "crossed",
        "embeddings",
    ],
)
def test_matches_tensorflow(case, vocab_file):
    layer = DenseFeatures(make_cases(vocab_file)[case])
    set_tables(layer)
    out = layer(features())
    np.testing.assert_allclose(out.detach().numpy(), np.array(DATA["outputs"][case]), atol=1e-5)


def test_data_side_ids_give_the_same_output(vocab_file):
    """Strings turned into Fingerprint64 ids before the model (as the data loader does) change nothing."""
    layer = DenseFeatures(make_cases(vocab_file)["crossed"])
    raw = features()
    ids = {
        k: torch.from_numpy(fc.fingerprint.fingerprint_strings(v)) if v.dtype.kind == "U" else torch.from_numpy(v)
        for k, v in raw.items()
    }
    torch.testing.assert_close(layer(ids), layer(raw))


def test_shared_embeddings_read_one_table():
    slot = fc.categorical_column_with_identity("slot", 5, default_value=0)
    slot2 = fc.categorical_column_with_identity("slot2", 5)
    shared = fc.shared_embeddings([slot, slot2], 2, shared_embedding_collection_name="shared")
    layer = DenseFeatures(shared)
    layer.build()
    assert len(layer.weights) == 1 and tuple(layer.weights[0].shape) == (5, 2)
    table = layer.weights[0].detach()
    raw = features()
    out = layer(raw).detach()  # "slot2_shared_embedding" sorts before "slot_shared_embedding"
    slot_ids = np.where(np.array(raw["slot"])[:, 0] > 4, 0, np.array(raw["slot"])[:, 0])
    expected_slot = np.where(slot_ids[:, None] >= 0, table.numpy()[np.maximum(slot_ids, 0)], 0)
    slot2_ids = np.array(raw["slot2"])[:, 0]
    expected_slot2 = np.where(slot2_ids[:, None] >= 0, table.numpy()[np.maximum(slot2_ids, 0)], 0)
    np.testing.assert_allclose(out.numpy(), np.concatenate([expected_slot2, expected_slot], 1), atol=1e-6)


def test_default_initializer_is_truncated_normal_with_std_one_over_sqrt_dimension():
    column = fc.embedding_column(fc.categorical_column_with_identity("x", 20000), 16)
    layer = DenseFeatures([column])
    layer.build()
    table = layer.weights[0].detach()
    assert abs(table.std().item() - 0.25 * 0.8796) < 0.005  # a normal truncated at 2 std keeps 0.88 of its std
    assert table.abs().max().item() <= 0.5 + 1e-6


def test_sequence_features_match_tensorflow():
    seq = DATA["sequence"]
    watched = fc.sequence_categorical_column_with_identity("watched", 5)
    words = fc.sequence_categorical_column_with_vocabulary_list("words", ["a", "b", "c"], num_oov_buckets=1)
    layer = SequenceFeatures([fc.indicator_column(words), fc.embedding_column(watched, 3)])
    layer.build()
    with torch.no_grad():
        layer.weights[0].copy_(torch.from_numpy(TABLES["watched_embedding"]))
    out, length = layer({"watched": np.array(seq["features"]["watched"]), "words": np.array(seq["features"]["words"])})
    np.testing.assert_allclose(out.detach().numpy(), np.array(seq["output"]), atol=1e-5)
    assert length.tolist() == seq["length"]


def test_columns_are_sorted_by_name_and_serialize():
    columns = [fc.numeric_column("b"), fc.numeric_column("a", shape=(2,))]
    layer = DenseFeatures(columns)
    out = layer({"a": np.array([[1.0, 2.0]], np.float32), "b": np.array([[3.0]], np.float32)})
    assert out.tolist() == [[1.0, 2.0, 3.0]]
    restored = DenseFeatures.from_config(json.loads(json.dumps(layer.get_config())))
    assert [c.name for c in restored.feature_columns] == ["a", "b"]
    assert restored.feature_columns == layer.feature_columns


def test_every_column_round_trips_through_config(vocab_file):
    for columns in make_cases(vocab_file).values():
        for column in columns:
            config = json.loads(json.dumps(fc.serialize_feature_column(column)))
            assert fc.deserialize_feature_column(config) == column


def test_vocabulary_file_column_keeps_its_vocabulary_without_the_file(vocab_file):
    column = fc.categorical_column_with_vocabulary_file("city", vocab_file, num_oov_buckets=1)
    config = fc.serialize_feature_column(column)
    os.remove(vocab_file)
    assert fc.deserialize_feature_column(config).vocabulary == ["rome", "oslo", "paris", "tokyo"]


def test_bad_input_names_the_column():
    price = fc.numeric_column("price")
    slot = fc.categorical_column_with_identity("slot", 3)
    city = fc.categorical_column_with_vocabulary_list("city", ["a", "b"])
    with pytest.raises(ValueError, match="'price'.*missing"):
        DenseFeatures([price])({"other": np.zeros((2, 1), np.float32)})
    with pytest.raises(ValueError, match="Column 'price' expects numbers.*got strings"):
        DenseFeatures([price])({"price": np.array([["1.5"]])})
    with pytest.raises(ValueError, match="'city_indicator'.*ragged"):
        DenseFeatures([fc.indicator_column(city)])({"city": [["a", "b"], ["a"]]})
    with pytest.raises(ValueError, match=r"Column 'slot': values \[3, -2\] are outside \[0, 3\)"):
        DenseFeatures([fc.indicator_column(slot)])({"slot": np.array([[0], [3], [-2], [-1]])})
    with pytest.raises(ValueError, match="DenseFeatures takes dense columns"):
        DenseFeatures([city])
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        fc.categorical_column_with_vocabulary_list("city", ["a", "b", "a"])
    with pytest.raises(ValueError, match="not supported for crossing"):
        fc.crossed_column([fc.categorical_column_with_hash_bucket("u", 10), "city"], 10)
