"""Files written by Keras 3 and tf.keras 2 load in kerasish and predict as Keras did; kerasish writes Keras 3's paths.

The models (convolutions of every kind with BatchNormalization, Conv1D/LayerNormalization/PReLU, Embedding with
LSTM, both GRUs, SimpleRNN, Bidirectional and TimeDistributed, MultiHeadAttention with a nested Sequential, and, for
tf.keras 2 only, a mix of configs that Keras 3 does not write) are defined once in
tests/fixtures/saving/conformance/models.py; the files and Keras's predictions come from make_conformance_fixtures.py
in that folder, run with Keras 3.15 (JAX backend) and tf-keras 2.17.
check_keras_reads_ours.py there checks the other direction (Keras 3 loading kerasish's files) by hand.
"""

import importlib.util
import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import kerasish as keras

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "conformance")
_spec = importlib.util.spec_from_file_location("conformance_models", os.path.join(HERE, "models.py"))
models = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(models)

KERAS3_FILES = [(name, f"{name}{suffix}") for name in models.NAMES for suffix in (".keras", ".h5")]
KERAS3_WEIGHTS = [(name, f"{name}{suffix}") for name in models.NAMES for suffix in (".keras", ".weights.h5", ".h5")]
TF_KERAS_WEIGHTS = [(name, f"{name}{suffix}") for name in models.NAMES for suffix in (".h5", "_weights.h5")]


def _expected(framework, name):
    with open(os.path.join(HERE, framework, "expected.json")) as f:
        return np.asarray(json.load(f)[name], dtype="float32")


def _predict(model, name):
    return model.predict(models.inputs(name), verbose=0)


@pytest.mark.parametrize("name,filename", KERAS3_FILES)
def test_load_model_reads_keras3_files(name, filename):
    model = keras.models.load_model(os.path.join(HERE, "keras3", filename))
    np.testing.assert_allclose(_predict(model, name), _expected("keras3", name), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,filename", KERAS3_WEIGHTS)
def test_load_weights_reads_keras3_files_into_a_twin(name, filename):
    model = models.build(keras, name)
    model.load_weights(os.path.join(HERE, "keras3", filename))
    np.testing.assert_allclose(_predict(model, name), _expected("keras3", name), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,filename", TF_KERAS_WEIGHTS)
def test_load_weights_reads_tf_keras_files_into_a_twin(name, filename):
    model = models.build(keras, name)
    model.load_weights(os.path.join(HERE, "tf_keras", filename))
    np.testing.assert_allclose(_predict(model, name), _expected("tf_keras", name), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", models.NAMES + models.TF_KERAS_NAMES)
def test_load_model_reads_tf_keras_files(name):
    # tf.keras 2 writes configs Keras 3 does not: BatchNormalization's axis as a list, `groups` for every
    # convolution, `time_major` for RNNs, MultiHeadAttention's input shapes, tensors in node kwargs as lists.
    model = keras.models.load_model(os.path.join(HERE, "tf_keras", f"{name}.h5"))
    np.testing.assert_allclose(_predict(model, name), _expected("tf_keras", name), rtol=1e-5, atol=1e-6)


def _datasets(f: h5py.File) -> list:
    found = []
    f.visititems(lambda path, obj: found.append((path, obj.shape)) if isinstance(obj, h5py.Dataset) else None)
    return sorted(found)


def _archive_weights(path) -> h5py.File:
    with zipfile.ZipFile(path) as z:
        return h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")


@pytest.mark.parametrize("name", models.NAMES)
def test_kerasish_writes_keras3_paths_and_shapes(tmp_path, name):
    model = models.build(keras, name)
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.keras")
    with (
        h5py.File(tmp_path / "m.weights.h5", "r") as ours,
        h5py.File(os.path.join(HERE, "keras3", f"{name}.weights.h5"), "r") as theirs,
    ):
        assert _datasets(ours) == _datasets(theirs)
    with (
        _archive_weights(tmp_path / "m.keras") as ours,
        _archive_weights(os.path.join(HERE, "keras3", f"{name}.keras")) as theirs,
    ):
        assert _datasets(ours) == _datasets(theirs)
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]


@pytest.mark.parametrize("name", models.NAMES)
def test_kerasish_writes_legacy_h5_layer_groups_and_shapes_as_keras3(tmp_path, name):
    # Dataset names differ (tf.keras 2 style `dense/kernel:0`); layer groups and each layer's shapes, in order, match.
    model = models.build(keras, name)
    model.save(tmp_path / "m.h5")

    def layout(path):
        with h5py.File(path, "r") as f:
            group = f["model_weights"]
            names = h5_names(group.attrs["layer_names"])
            return [(n, [group[n][w].shape for w in h5_names(group[n].attrs["weight_names"])]) for n in names]

    ours = layout(tmp_path / "m.h5")
    theirs = layout(os.path.join(HERE, "keras3", f"{name}.h5"))
    assert [shapes for _, shapes in ours] == [shapes for _, shapes in theirs]


def h5_names(raw):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in raw]


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".weights.h5"])
@pytest.mark.parametrize("name", models.NAMES + models.TF_KERAS_NAMES)
def test_kerasish_files_round_trip(tmp_path, name, suffix):
    model = models.build(keras, name)
    models.random_weights(model, 7)
    path = tmp_path / f"m{suffix}"
    if suffix == ".weights.h5":
        model.save_weights(path)
        loaded = models.build(keras, name)
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(_predict(loaded, name), _predict(model, name), rtol=1e-6, atol=1e-7)
