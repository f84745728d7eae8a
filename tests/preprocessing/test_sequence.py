"""`preprocessing.sequence` against tf.keras 2's outputs (tests/fixtures/preprocessing/text_sequence.json)."""

import json
import pathlib
import random

import numpy as np
import pytest

import kerasish as keras
from kerasish.preprocessing import sequence

FIXTURES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "preprocessing" / "text_sequence.json").read_text()
)


def series():
    """The data and targets the fixture generator used."""
    return np.arange(100, dtype="float64").reshape(50, 2) * [1, -1], np.arange(50) * 10


@pytest.mark.parametrize("name", sorted(FIXTURES["timeseries"]))
def test_timeseries_generator_matches_tf_keras(name):
    case = FIXTURES["timeseries"][name]
    generator = sequence.TimeseriesGenerator(*series(), **case["kwargs"])
    assert len(generator) == case["len"]
    for index in range(len(generator)):
        x, y = generator[index]
        np.testing.assert_array_equal(x, case["x"][index])
        np.testing.assert_array_equal(y, case["y"][index])
    assert [batch[1].tolist() for batch in generator] == case["y"]  # PyDataset's iteration


def test_timeseries_generator_shuffle_draws_as_tf_keras():
    case = FIXTURES["timeseries_shuffle"]
    data = np.arange(40).reshape(40, 1)
    generator = sequence.TimeseriesGenerator(data, data[:, 0], length=4, shuffle=True, batch_size=6)
    np.random.seed(case["numpy_seed"])
    batches = [generator[i] for i in range(len(generator))]
    assert [x.tolist() for x, _ in batches] == case["x"]
    assert [y.tolist() for _, y in batches] == case["y"]


def test_timeseries_generator_takes_lists():
    generator = sequence.TimeseriesGenerator(list(range(10)), list(range(100, 110)), length=3, batch_size=4)
    x, y = generator[1]
    np.testing.assert_array_equal(x, [[4, 5, 6], [5, 6, 7], [6, 7, 8]])
    np.testing.assert_array_equal(y, [107, 108, 109])


def test_timeseries_generator_feeds_fit_and_predict():
    data = np.sin(np.arange(200, dtype="float32") / 5).reshape(200, 1)
    generator = sequence.TimeseriesGenerator(data, data, length=8, batch_size=16, workers=2)
    assert isinstance(generator, keras.utils.PyDataset) and generator.workers == 2
    model = keras.Sequential([keras.Input((8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(generator, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.predict(generator, verbose=0).shape == (192, 1)


def test_timeseries_generator_config_rebuilds_it():
    data = np.arange(12).reshape(6, 2)
    generator = sequence.TimeseriesGenerator(data, [0, 1, 2, 3, 4, 5], length=2, start_index=1, batch_size=2)
    assert generator.start_index == 3  # Keras's attribute: the first sample's end.
    config = generator.get_config()
    assert config["start_index"] == 1 and json.loads(config["data"]) == data.tolist()
    payload = json.loads(generator.to_json())
    assert payload["class_name"] == "TimeseriesGenerator"
    rebuilt_config = dict(
        payload["config"], data=np.array(json.loads(config["data"])), targets=json.loads(config["targets"])
    )
    rebuilt = sequence.TimeseriesGenerator(**rebuilt_config)
    np.testing.assert_array_equal(rebuilt[0][0], generator[0][0])
    with pytest.raises(TypeError, match="Data not JSON Serializable"):
        sequence.TimeseriesGenerator([object()] * 4, [0] * 4, length=1).get_config()


def test_timeseries_generator_errors():
    with pytest.raises(
        ValueError, match="Data and targets have to be of same length. Data length is 5 while target length is 4"
    ):
        sequence.TimeseriesGenerator(np.zeros((5, 1)), np.zeros(4), length=2)
    with pytest.raises(ValueError, match=r"`start_index\+length=6 > end_index=4` is disallowed"):
        sequence.TimeseriesGenerator(np.zeros((5, 1)), np.zeros(5), length=6)
    generator = sequence.TimeseriesGenerator(np.zeros((5, 1)), np.zeros(5), length=2)
    with pytest.raises(IndexError, match="index 1 out of range for 1 batches"):
        generator[1]


@pytest.mark.parametrize("name", sorted(FIXTURES["skipgrams"]))
def test_skipgrams_match_tf_keras(name):
    case = FIXTURES["skipgrams"][name]
    kwargs = dict(case["kwargs"])
    if kwargs.get("sampling_table") == "table":
        kwargs["sampling_table"] = sequence.make_sampling_table(case["vocabulary_size"], sampling_factor=0.05)
    random.seed(case["random_seed"])
    couples, labels = sequence.skipgrams(case["sequence"], case["vocabulary_size"], **kwargs)
    assert couples == case["couples"]
    assert labels == case["labels"]


def test_skipgrams_labels_follow_their_pairs():
    random.seed(0)
    couples, labels = sequence.skipgrams([1, 2, 3], 50, window_size=1, negative_samples=1.0, seed=4)
    positives = {(1, 2), (2, 1), (2, 3), (3, 2)}
    assert sorted(map(tuple, (c for c, label in zip(couples, labels) if label == 1))) == sorted(positives)
    assert labels.count(0) == 4


@pytest.mark.parametrize("key", sorted(FIXTURES["make_sampling_table"]))
def test_make_sampling_table_matches_tf_keras(key):
    size, factor = json.loads(key.replace("(", "[").replace(")", "]"))
    np.testing.assert_array_equal(sequence.make_sampling_table(size, factor), FIXTURES["make_sampling_table"][key])


def test_keras_paths():
    assert {"image", "sequence", "text"} <= set(keras.preprocessing.__all__)
    assert keras.preprocessing.sequence.pad_sequences is keras.utils.pad_sequences
    for name in ("TimeseriesGenerator", "skipgrams", "make_sampling_table"):
        assert getattr(keras.preprocessing.sequence, name) is getattr(sequence, name)
