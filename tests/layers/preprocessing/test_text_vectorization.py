"""TextVectorization against real Keras 3.15 (on TensorFlow): vocabularies, outputs, idf weights, configs and
`.keras` files with the vocabulary in the archive's assets.

Fixtures in tests/fixtures/preprocessing_text/ (text_vectorization.json, text_vectorization_{int,tf_idf}.keras),
made from the repository root by
    KERAS_BACKEND=tensorflow /tmp/kref/bin/python \
        tests/fixtures/preprocessing_text/make_text_vectorization_fixtures.py
"""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "preprocessing_text")
with open(os.path.join(HERE, "text_vectorization.json"), encoding="utf-8") as _f:
    DATA = json.load(_f)
CORPUS, QUERIES = DATA["corpus"], np.array(DATA["queries"])


def _kwargs(case):
    kwargs = dict(case["kwargs"])
    if isinstance(kwargs.get("ngrams"), list):
        kwargs["ngrams"] = tuple(kwargs["ngrams"])
    return kwargs


def _plain(out):
    return out if isinstance(out, list) else out.numpy().tolist()


@pytest.mark.parametrize("name", sorted(DATA["cases"]))
def test_adapt_and_call_match_keras(name):
    case = DATA["cases"][name]
    layer = layers.TextVectorization(**_kwargs(case))
    layer.adapt(CORPUS)
    assert layer.get_vocabulary() == case["vocabulary"]
    assert layer.vocabulary_size() == case["vocabulary_size"]
    for inputs, expected in ((QUERIES, case["output"]), (QUERIES[:, None], case["output_2d"])):
        out = layer(inputs)
        if isinstance(expected[0], list) and isinstance(out, list):  # ragged: lists of ids
            assert out == expected
        else:
            np.testing.assert_allclose(np.asarray(_plain(out), np.float64), np.asarray(expected), rtol=1e-5, atol=1e-6)
    if "idf_weights" in case:
        np.testing.assert_allclose(layer._lookup_layer.idf_weights.numpy(), case["idf_weights"], rtol=1e-6)
    config = json.loads(json.dumps(layer.get_config()))  # tuples as JSON lists, as the fixture holds them
    expected_config = {k: v for k, v in case["config"].items() if k != "name"}
    assert {k: v for k, v in config.items() if k in expected_config} == expected_config
    assert set(config) - {"dtype"} == set(case["config"])


def test_output_dtypes_and_lists_of_bytes():
    layer = layers.TextVectorization()
    layer.adapt(CORPUS)
    assert layer(QUERIES).dtype == torch.int64
    as_bytes = [q.encode("utf-8") for q in DATA["queries"]]
    np.testing.assert_array_equal(layer(np.array(as_bytes, object)).numpy(), DATA["cases"]["default"]["output"])
    assert layer(list(DATA["queries"])).tolist() == DATA["cases"]["default"]["output"]
    counts = layers.TextVectorization(output_mode="count")
    counts.adapt(CORPUS)
    assert counts(QUERIES).dtype == torch.float32


def test_given_vocabulary_and_idf_weights():
    layer = layers.TextVectorization(
        output_mode="tf_idf", vocabulary=["fox", "dog", "the"], idf_weights=[0.5, 1.5, 2.5]
    )
    assert layer.get_vocabulary() == DATA["given_tf_idf"]["vocabulary"]
    np.testing.assert_allclose(layer(QUERIES).numpy(), DATA["given_tf_idf"]["output"], rtol=1e-6)
    config = layer.get_config()
    assert config["vocabulary"] == ["fox", "dog", "the"] and config["idf_weights"] == [0.5, 1.5, 2.5]
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    np.testing.assert_allclose(rebuilt(QUERIES).numpy(), DATA["given_tf_idf"]["output"], rtol=1e-6)


def test_vocabulary_file_and_set_vocabulary(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("earth\nwind\nand\nfire\n", encoding="utf-8")
    layer = layers.TextVectorization(vocabulary=str(path), output_sequence_length=4)
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    np.testing.assert_array_equal(layer(np.array(["Earth, WIND and water"])).numpy(), [[2, 3, 4, 1]])
    multi = layers.TextVectorization(output_mode="tf_idf")
    multi.set_vocabulary(["a", "b"], idf_weights=[1.0, 3.0])
    # OOV weight = mean of the given weights (2.0), as Keras pads it.
    np.testing.assert_allclose(multi(np.array(["a b b zz"])).numpy(), [[2.0, 1.0, 6.0]])


def test_keras_docstring_example():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    np.testing.assert_array_equal(layer([["foo qux bar"], ["qux baz"]]).numpy(), [[4, 1, 3, 0], [1, 2, 0, 0]])


class _Batches(keras.utils.PyDataset):
    def __init__(self, texts, size):
        super().__init__()
        self.texts, self.size = texts, size

    def __len__(self):
        return -(-len(self.texts) // self.size)

    def __getitem__(self, i):
        return np.array(self.texts[i * self.size : (i + 1) * self.size]), np.zeros(self.size)


def test_adapt_on_batches_generators_and_pydataset():
    expected = DATA["streamed_vocabulary"]
    for source in (
        (np.array(CORPUS[i : i + 3]) for i in range(0, len(CORPUS), 3)),
        _Batches(CORPUS, 3),
    ):
        layer = layers.TextVectorization(max_tokens=12)
        layer.adapt(source)
        assert layer.get_vocabulary() == expected
    layer = layers.TextVectorization(max_tokens=12)
    layer.adapt((np.array(CORPUS[i : i + 3]) for i in range(0, len(CORPUS), 3)), steps=1)
    # The first batch only: "the" 4 times, "hello" 3, then counts of 2 and 1, ties by descending token.
    assert layer.get_vocabulary() == [
        "", "[UNK]", "the", "hello", "world", "fox", "dog", "runs", "quick", "over", "lazy", "jumps"
    ]  # fmt: skip


@pytest.mark.slow  # imports TensorFlow
def test_tf_data_adapt_map_and_fit():
    tf = pytest.importorskip("tensorflow")
    layer = layers.TextVectorization(max_tokens=12)
    layer.adapt(tf.data.Dataset.from_tensor_slices(CORPUS).batch(3))
    assert layer.get_vocabulary() == DATA["streamed_vocabulary"]
    seq = layers.TextVectorization(output_sequence_length=6)
    seq.adapt(CORPUS)
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], np.float32)
    ds = tf.data.Dataset.from_tensor_slices((CORPUS, labels)).batch(4).map(lambda x, y: (seq(x), y))
    assert ds.element_spec[0].shape.as_list() == [None, 6]
    first = next(iter(ds))[0].numpy()
    np.testing.assert_array_equal(first, seq(np.array(CORPUS[:4])).numpy())
    model = keras.Sequential(
        [
            keras.Input((6,), dtype="int64"),
            layers.Embedding(50, 4),
            layers.GlobalAveragePooling1D(),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy")
    history = model.fit(ds, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_standardize_and_split_callables():
    def upper(x):
        return np.char.upper(x)

    def on_commas(x):
        return [s.split(",") for s in x]

    layer = layers.TextVectorization(standardize=upper, split=on_commas)
    layer.adapt(["a,b,b", "c,b"])
    assert layer.get_vocabulary() == ["", "[UNK]", "B", "C", "A"]
    np.testing.assert_array_equal(layer(np.array(["b,a", "z"])).numpy(), [[2, 4], [1, 0]])


def test_symbolic_shapes_and_functional_model():
    layer = layers.TextVectorization(max_tokens=20, output_sequence_length=5)
    layer.adapt(CORPUS)
    inputs = keras.Input(shape=(1,), dtype="string")
    ids = layer(inputs)
    assert ids.shape == (None, 5) and ids.dtype == "int64"
    model = keras.Model(inputs, ids)
    np.testing.assert_array_equal(model(QUERIES[:, None]).numpy(), layer(QUERIES).numpy())
    hot = layers.TextVectorization(output_mode="multi_hot", max_tokens=9, pad_to_max_tokens=True)
    hot.adapt(CORPUS)
    assert hot(keras.Input(shape=(), dtype="string")).shape == (None, 9)


def test_string_inputs_train_with_fit_predict_and_reload(tmp_path):
    """Strings from `fit`'s arrays reach the layer as strings (the data side batches them as they are)."""
    texts = np.array(["good movie", "bad movie", "great film", "awful film", "good good", "bad bad"])
    labels = np.array([1, 0, 1, 0, 1, 0], "float32")
    vectorize = layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(texts)
    inputs = keras.Input((1,), dtype="string")
    x = layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(vectorize(inputs)))
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    history = model.fit(texts, labels, epochs=20, batch_size=2, shuffle=True, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    good, bad = model.predict(np.array(["good film", "bad film"]), verbose=0).ravel()
    assert good > 0.5 > bad
    model.save(tmp_path / "text.keras")
    reloaded = keras.models.load_model(tmp_path / "text.keras")
    np.testing.assert_allclose(
        reloaded.predict(np.array(["good film", "bad film"]), verbose=0).ravel(), [good, bad], rtol=1e-6
    )


def test_bad_input_and_arguments():
    with pytest.raises(ValueError, match="no vocabulary"):
        layers.TextVectorization()(QUERIES)
    with pytest.raises(ValueError, match="empty"):
        layers.TextVectorization().adapt(["", "  ", "..."])
    with pytest.raises(ValueError, match="output_mode"):
        layers.TextVectorization(output_mode="bag")
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="split"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams=1.5)
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ragged"):
        layers.TextVectorization(output_mode="count", ragged=True)
    layer = layers.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layer(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(ValueError, match="takes strings"):
        layer(torch.tensor([[1], [2]]))
    with pytest.raises(ValueError, match="takes strings"):
        layer(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="given a vocabulary"):
        layer.adapt(CORPUS)
    with pytest.raises(ValueError, match="empty vocabulary"):
        layer.set_vocabulary([])
    assert layer.get_vocabulary() == ["", "[UNK]", "a"]  # unchanged by the refused calls


def _model(mode):
    layer = layers.TextVectorization(
        max_tokens=20, output_mode=mode, output_sequence_length=6 if mode == "int" else None
    )
    layer.adapt(CORPUS)
    inputs = keras.Input(shape=(1,), dtype="string")
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize("mode", ["int", "tf_idf"])
def test_loads_keras_written_archive(mode):
    model = keras.models.load_model(os.path.join(HERE, f"text_vectorization_{mode}.keras"))
    layer = model.layers[1]
    assert isinstance(layer, layers.TextVectorization)
    assert layer.get_vocabulary() == DATA[f"saved_{mode}_vocabulary"]
    np.testing.assert_allclose(model(QUERIES[:, None]).numpy(), DATA[f"saved_{mode}_output"], rtol=1e-6)


@pytest.mark.parametrize("mode", ["int", "tf_idf"])
def test_saves_vocabulary_in_assets_as_keras(mode, tmp_path):
    model = _model(mode)
    path = str(tmp_path / "m.keras")
    model.save(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        vocabulary = z.read("assets/layers/text_vectorization/vocabulary.txt").decode("utf-8").split("\n")
        config = json.loads(z.read("config.json"))
    assert "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt" in names
    assert vocabulary == DATA[f"saved_{mode}_vocabulary"]
    assert config["config"]["layers"][1]["config"]["vocabulary"] is None  # as Keras: the vocabulary is an asset
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded(QUERIES[:, None]).numpy(), DATA[f"saved_{mode}_output"], rtol=1e-6)


_KERAS_LOADS = """
import json, sys
import numpy as np
import keras
data = json.load(open(sys.argv[2], encoding="utf-8"))
model = keras.models.load_model(sys.argv[1])
out = np.asarray(model(np.array(data["queries"])[:, None]))
print(json.dumps({"vocabulary": model.layers[1].get_vocabulary(), "output": out.tolist()}))
"""


@pytest.mark.slow  # real Keras and TensorFlow in a fresh process
@pytest.mark.parametrize("mode", ["int", "tf_idf"])
def test_real_keras_loads_kerasish_archive(mode, tmp_path):
    pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    path = str(tmp_path / "m.keras")
    _model(mode).save(path)
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-c", _KERAS_LOADS, path, os.path.join(HERE, "text_vectorization.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["vocabulary"] == DATA[f"saved_{mode}_vocabulary"]
    np.testing.assert_allclose(loaded["output"], DATA[f"saved_{mode}_output"], rtol=1e-6)


def test_h5_and_unadapted_round_trips(tmp_path):
    # A given vocabulary (and idf weights) lives in the config, so both file formats keep it.
    given = layers.TextVectorization(
        output_mode="tf_idf", vocabulary=["fox", "dog", "the"], idf_weights=[0.5, 1.5, 2.5]
    )
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, given(inputs))
    for name in ("m.h5", "m.keras"):
        model.save(str(tmp_path / name))
        loaded = keras.models.load_model(str(tmp_path / name))
        np.testing.assert_allclose(loaded(QUERIES[:, None]).numpy(), DATA["given_tf_idf"]["output"], rtol=1e-6)
    # An adapted vocabulary is an asset of `.keras` archives only: a legacy `.h5` file loses it, as in Keras.
    adapted = _model("int")
    adapted.save(str(tmp_path / "a.h5"))
    with pytest.raises(ValueError, match="no vocabulary"):
        keras.models.load_model(str(tmp_path / "a.h5"))(QUERIES[:, None])
    # A layer saved before it had a vocabulary loads without one.
    fresh = layers.TextVectorization(output_mode="tf_idf")
    inputs = keras.Input(shape=(1,), dtype="string")
    keras.Model(inputs, fresh(inputs)).save(str(tmp_path / "fresh.keras"))
    reloaded = keras.models.load_model(str(tmp_path / "fresh.keras")).layers[1]
    assert reloaded.get_vocabulary() == ["[UNK]"]
    reloaded.adapt(CORPUS)
    np.testing.assert_allclose(reloaded(QUERIES).numpy(), DATA["cases"]["tf_idf"]["output"], rtol=1e-5)


def test_asset_names_leaving_the_folder_are_refused(tmp_path):
    source = os.path.join(HERE, "text_vectorization_int.keras")
    evil = str(tmp_path / "evil.keras")
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("assets/layers/text_vectorization/../../../../escaped.txt", "x")
    with pytest.raises(ValueError, match="would leave the assets folder"):
        keras.models.load_model(evil)
    assert not (tmp_path / "escaped.txt").exists()
