"""Whole-model save/load (`.keras`, legacy `.h5`), Keras 3 `.weights.h5`, YAML and clone_model.

Keras-written files come from tests/fixtures/saving/make_keras3_file_fixtures.py (Keras 3.15, JAX backend).
"""

import json
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import kerasish as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "keras3")


@pytest.fixture(scope="module")
def expected():
    with open(os.path.join(FIXTURES, "expected.json")) as f:
        return {
            k: np.asarray(v, dtype="float32")
            if k != "optimizer_variables" and k != "weights_after_one_more_epoch"
            else v
            for k, v in json.load(f).items()
        }


def _model():
    inputs = keras.Input((3,), name="x")
    h = keras.layers.Dense(4, activation="relu")(inputs)
    inner = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(2, activation="tanh")], name="inner")
    model = keras.Model(inputs, keras.layers.Dense(1)(inner(h)))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("name", ["model.keras", "model.h5"])
def test_keras_written_model_loads_predicts_and_resumes_training_exactly(name, expected):
    model = keras.models.load_model(os.path.join(FIXTURES, name))
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["prediction"], rtol=1e-5, atol=1e-6)
    for ours, theirs in zip(model.optimizer.variables, expected["optimizer_variables"]):
        np.testing.assert_allclose(ours.cpu().numpy(), theirs, rtol=1e-6, atol=1e-7)
    model.fit(expected["x"], expected["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), expected["weights_after_one_more_epoch"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_keras_written_weights_h5_loads(expected):
    model = _model()
    model.load_weights(os.path.join(FIXTURES, "model.weights.h5"))
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["prediction"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_save_then_load_gives_the_same_model_and_optimizer_state(tmp_path, name, expected):
    model = _model()
    model.fit(expected["x"], expected["y"], epochs=2, verbose=0)
    model.save(tmp_path / name)
    loaded = keras.models.load_model(tmp_path / name)
    np.testing.assert_allclose(loaded.predict(expected["x"], verbose=0), model.predict(expected["x"], verbose=0))
    assert int(loaded.optimizer.iterations) == 2
    model.fit(expected["x"], expected["y"], epochs=1, shuffle=False, verbose=0)
    loaded.fit(expected["x"], expected["y"], epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_keras3_weights_layout_matches_keras_paths(tmp_path):
    import h5py

    model = _model()
    model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)  # builds the optimizer, whose state Keras saves too
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5") as ours, h5py.File(os.path.join(FIXTURES, "model.weights.h5")) as ks:

        def datasets(f):
            found = []
            f.visititems(lambda name, obj: found.append((name, obj.shape)) if isinstance(obj, h5py.Dataset) else None)
            return sorted(found)

        assert datasets(ours) == datasets(ks)


def test_load_weights_checks_everything_before_assigning(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "w.weights.h5")
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    before = other.get_weights()
    with pytest.raises(ValueError, match="expected|no group"):
        other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(before, other.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("content", [b"", b"not a model at all", b"PK\x03\x04truncated"])
def test_corrupt_files_give_a_clear_error_naming_the_file(tmp_path, content):
    path = tmp_path / "bad.keras"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="bad.keras"):
        keras.models.load_model(path)


def test_truncated_archive_gives_a_clear_error(tmp_path):
    model = _model()
    model.save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.keras"):
        keras.models.load_model(tmp_path / "cut.keras")


def test_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    model = _model()
    model.save(tmp_path / "m.keras")
    before = (tmp_path / "m.keras").read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", boom)
    with pytest.raises(RuntimeError):
        model.save(tmp_path / "m.keras")
    assert (tmp_path / "m.keras").read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]


def test_lambda_needs_safe_mode_off(tmp_path):
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 3.0)(inputs))
    model.save(tmp_path / "l.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(tmp_path / "l.keras")
    loaded = keras.models.load_model(tmp_path / "l.keras", safe_mode=False)
    assert loaded(torch.ones(1, 2)).tolist() == [[3.0, 3.0]]


def test_yaml_round_trip_and_python_tags_are_refused(tmp_path):
    model = _model()
    clone = keras.models.model_from_yaml(model.to_yaml())
    assert [type(layer).__name__ for layer in clone.layers] == [type(layer).__name__ for layer in model.layers]
    marker = tmp_path / "ran"
    evil = f"!!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ValueError, match="refuses"):
        keras.models.model_from_yaml(evil)
    assert not marker.exists()


def test_clone_model_has_the_architecture_and_new_weights(expected):
    model = _model()
    twin = keras.models.clone_model(model)
    assert [layer.name for layer in twin.layers] != [] and twin.count_params() == model.count_params()
    assert not all(np.array_equal(a, b) for a, b in zip(twin.get_weights(), model.get_weights()))
    twin.set_weights(model.get_weights())
    np.testing.assert_allclose(twin.predict(expected["x"], verbose=0), model.predict(expected["x"], verbose=0))


def test_clone_sequential_with_a_custom_clone_function():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    seen = []
    twin = keras.models.clone_model(
        model, clone_function=lambda layer: seen.append(layer.name) or layer.__class__.from_config(layer.get_config())
    )
    assert seen == [layer.name for layer in model.layers]
    assert twin(torch.ones(1, 3)).shape == (1, 1)


def test_torch_state_dict_and_pickling_work_as_on_any_module(tmp_path, expected):
    from kerasish.utils.naming import reset_names

    reset_names()
    model = _model()
    reset_names()  # as in a fresh process: the same auto names, so the same state_dict keys
    twin = _model()
    twin.load_state_dict(model.state_dict())
    np.testing.assert_allclose(twin.predict(expected["x"], verbose=0), model.predict(expected["x"], verbose=0))
    torch.save(model, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt", weights_only=False)
    np.testing.assert_allclose(loaded.predict(expected["x"], verbose=0), model.predict(expected["x"], verbose=0))
    restored = pickle.loads(pickle.dumps(model))
    assert restored.count_params() == model.count_params()


class _TwoDense(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(8, activation="relu")
        self.out = keras.layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_subclassed_model_loads_from_keras_archive_by_building_on_its_recorded_shape(tmp_path, expected):
    model = _TwoDense()
    model(expected["x"])
    model.save(tmp_path / "sub.keras")
    loaded = keras.models.load_model(tmp_path / "sub.keras", custom_objects={"_TwoDense": _TwoDense})
    assert type(loaded) is _TwoDense
    np.testing.assert_allclose(loaded.predict(expected["x"], verbose=0), model.predict(expected["x"], verbose=0))
    built = _TwoDense()
    built.build((None, 3))
    assert built.count_params() == model.count_params()


@pytest.mark.parametrize("name, layout", [("w.weights.h5", "keras3"), ("w.h5", "legacy"), ("w.hdf5", "legacy")])
def test_save_weights_picks_the_layout_from_the_file_name(tmp_path, name, layout):
    import h5py

    from kerasish.saving import saving_api

    model = _model()
    saving_api.save_weights(model, tmp_path / name)
    with h5py.File(tmp_path / name) as f:
        assert ("layer_names" in f.attrs) == (layout == "legacy")
        assert ("layers" in f) == (layout == "keras3")
    twin = _model()
    saving_api.load_weights(twin, tmp_path / name)
    for a, b in zip(twin.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(FileExistsError, match=name):
        saving_api.save_weights(model, tmp_path / name, overwrite=False)


def test_load_weights_reads_every_file_kind_and_refuses_by_name_for_keras3_layouts(tmp_path):
    from kerasish.saving import saving_api

    model = _model()
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    model.save_weights(tmp_path / "m.weights.h5")
    for name in ("m.keras", "m.h5", "m.weights.h5"):
        twin = _model()
        saving_api.load_weights(twin, tmp_path / name)
        for a, b in zip(twin.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
    saving_api.load_weights(_model(), tmp_path / "m.h5", by_name=True)
    with pytest.raises(ValueError, match=r"by_name=True needs a legacy HDF5 weights file.*m\.weights\.h5"):
        saving_api.load_weights(_model(), tmp_path / "m.weights.h5", by_name=True)


def test_save_weights_and_load_weights_are_keras_saving_names():
    from kerasish.saving import saving_api

    assert keras.saving.save_weights is saving_api.save_weights
    assert keras.saving.load_weights is saving_api.load_weights
