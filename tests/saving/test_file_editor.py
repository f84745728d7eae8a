"""KerasFileEditor against Keras 3.15's.

The files and the reference results come from tests/fixtures/saving/make_file_editor_fixtures.py (run with Keras
3.15, TensorFlow backend): a compiled `.keras` MLP and a `.weights.h5` LSTM model written by Keras, what Keras's
editor reports for them (weights tree, `summary()` and `compare()` text, error messages), and the predictions of
Keras models that loaded the files Keras's editor saved after the same edits as below.
"""

from __future__ import annotations

import json
import os
import pathlib
import zipfile

import h5py
import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.saving import file_editor
from kerasish.saving.file_editor import KerasFileEditor

HERE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "saving" / "file_editor"
EXPECTED = json.loads((HERE / "expected.json").read_text())
MLP = str(HERE / "mlp.keras")
LSTM = str(HERE / "lstm.weights.h5")
X = np.array(EXPECTED["x"], np.float32)
XS = np.array(EXPECTED["xs"], np.float32)


def mlp(sizes):
    inputs = keras.Input((4,))
    h = inputs
    for i, units in enumerate(sizes):
        h = keras.layers.Dense(units, activation="relu" if i < len(sizes) - 1 else None)(h)
    return keras.Model(inputs, h)


def lstm_model():
    inputs = keras.Input((5, 3))
    return keras.Model(inputs, keras.layers.Dense(2)(keras.layers.LSTM(4)(inputs)))


def tree(d):
    return {k: tree(v) if isinstance(v, dict) else [list(v.shape), str(v.dtype)] for k, v in d.items()}


def open_quietly(path, capsys):
    editor = KerasFileEditor(path)
    capsys.readouterr()
    return editor


def test_exported_as_keras_names():
    assert keras.saving.KerasFileEditor is KerasFileEditor


def test_opens_a_keras_archive_as_keras_does(capsys):
    editor = KerasFileEditor(MLP)
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"Keras model file '{MLP}'"
    assert out.splitlines()[1].startswith("Saved with Keras 3.15.1 - date: ")
    assert editor.metadata["keras_version"] == "3.15.1"
    assert editor.config["class_name"] == "Functional"
    assert tree(editor.weights_dict) == EXPECTED["mlp_tree"]
    assert editor.object_metadata == EXPECTED["mlp_object_metadata"]
    # The arrays are the file's.
    with keras.saving.SafeModeScope(True):
        model = keras.models.load_model(MLP)
    np.testing.assert_array_equal(editor.weights_dict["layers"]["dense_2"]["0"], model.layers[-1].get_weights()[0])


def test_summary_prints_keras_text(capsys):
    editor = open_quietly(MLP, capsys)
    editor.summary()
    assert capsys.readouterr().out == EXPECTED["mlp_summary"]


@pytest.mark.parametrize(
    ("label", "matches"),
    # Keras 3.15 reports 14, 42, 12, 4 matches: its count adds the running total back in at each nested object.
    # These are the true counts (weights whose shapes agree).
    [("same_uncompiled", 6), ("compiled_built", 20), ("last_layer_5", 4), ("two_layers", 2)],
)
def test_compare_reports_keras_differences(label, matches, capsys):
    editor = open_quietly(MLP, capsys)
    reference = {
        "same_uncompiled": lambda: mlp([8, 8, 3]),
        "compiled_built": lambda: keras.models.load_model(MLP),
        "last_layer_5": lambda: mlp([8, 8, 5]),
        "two_layers": lambda: mlp([8, 3]),
    }[label]()
    capsys.readouterr()
    result = editor.compare(reference)
    keras_result = EXPECTED["mlp_compare"][label]
    assert result == {**keras_result["result"], "match_count": matches}
    text = keras_result["text"].replace(
        f"Found {keras_result['result']['match_count']} matching", f"Found {matches} matching"
    )
    assert capsys.readouterr().out == text


def test_edits_then_a_smaller_model_loads_them(tmp_path, capsys):
    # Drop the middle layer, move the last one into its place, replace the first bias, drop the optimizer.
    editor = open_quietly(MLP, capsys)
    editor.delete_object("layers/dense_1")
    editor.rename_object("dense_2", "dense_1")  # a bare name that occurs once (Keras needs the path here)
    editor.delete_weight("layers/dense", "1")
    editor.add_weights("dense", {"1": torch.linspace(-0.5, 0.5, 8)})
    editor.delete_object("optimizer")
    assert tree(editor.weights_dict) == EXPECTED["mlp_edited_tree"]
    path = tmp_path / "edited.weights.h5"
    editor.save(path)
    small = mlp([8, 3])
    # Keras reports 6 matches for these 4 weights (see test_compare_reports_keras_differences).
    assert editor.compare(small) == {**EXPECTED["mlp_edited_compare"], "match_count": 4}
    small.load_weights(path)
    np.testing.assert_allclose(small.predict(X, verbose=0), EXPECTED["mlp_edited_prediction"], rtol=1e-5, atol=1e-6)
    # What was written is Keras 3's layout: `vars` groups of "0", "1", ...
    with h5py.File(path) as f:
        names = []
        f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    assert sorted(names) == [
        "layers/dense/vars/0",
        "layers/dense/vars/1",
        "layers/dense_1/vars/0",
        "layers/dense_1/vars/1",
    ]


def test_add_object_then_a_bigger_model_loads_it(tmp_path, capsys):
    editor = open_quietly(MLP, capsys)
    kernel = np.arange(6, dtype="float32").reshape(3, 2) / 10.0
    editor.add_object("layers/dense_3", {"0": kernel, "1": np.array([0.25, -0.25], "float32")})
    editor.resave_weights(str(tmp_path / "grown.weights.h5"))
    bigger = mlp([8, 8, 3, 2])
    result = editor.compare(bigger)
    assert (result["status"], result["error_count"]) == ("error", EXPECTED["mlp_grown_compare"]["error_count"])
    assert "...Object /optimizer present in saved file, missing from reference model" in capsys.readouterr().out
    bigger.load_weights(tmp_path / "grown.weights.h5")
    np.testing.assert_allclose(bigger.predict(X, verbose=0), EXPECTED["mlp_grown_prediction"], rtol=1e-5, atol=1e-6)


def test_errors_carry_keras_messages(tmp_path, capsys):
    editor = open_quietly(MLP, capsys)
    editor.add_object("layers/dense_3", {"0": np.zeros((3, 2), "float32")})
    before = tree(editor.weights_dict)
    keras_errors = EXPECTED["errors"]
    calls = {
        "rename_ambiguous": lambda: editor.rename_object("0", "z"),
        "rename_path_target": lambda: editor.rename_object("dense", "a/b"),
        "delete_missing_path": lambda: editor.delete_object("layers/nothing"),
        "delete_weight_missing": lambda: editor.delete_weight("layers/dense", "7"),
        "add_object_not_dict": lambda: editor.add_object("layers/x", [1]),
        "add_object_missing_parent": lambda: editor.add_object("nothing/x", {"0": np.zeros(2)}),
    }
    for label, call in calls.items():
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == keras_errors[label], label
    # Keras's hint names `editor.weights_summary()`, which does not exist; kerasish names `summary()`.
    with pytest.raises(ValueError) as info:
        editor.rename_object("nothing", "z")
    assert str(info.value) == keras_errors["rename_missing"].replace("weights_summary", "summary")
    bad = str(tmp_path / "x.h5")
    keras_dir = str(pathlib.Path(keras_errors["save_bad_name"].split("filepath=")[1]).parent)
    with pytest.raises(ValueError) as info:
        editor.save(bad)
    assert str(info.value) == keras_errors["save_bad_name"].replace(keras_dir, str(tmp_path))
    with pytest.raises(ValueError) as info:
        KerasFileEditor(bad)
    assert str(info.value) == keras_errors["open_bad_name"].replace(keras_dir, str(tmp_path))
    with pytest.raises(ValueError, match="names a weight, not an object"):
        editor.add_weights("layers/dense/0", {"1": np.zeros(2)})
    with pytest.raises(ValueError, match="Weight names must be"):
        editor.add_weights("layers/dense", {"a/b": np.zeros(2)})
    assert tree(editor.weights_dict) == before  # no failed call changed anything
    assert not os.path.exists(bad)


def test_weights_file_keeps_nested_objects_that_keras_drops(tmp_path, capsys):
    editor = KerasFileEditor(LSTM)
    # Keras prints the file's path; the fixture holds the path where it was made, this run's is another.
    made_at = EXPECTED["lstm_opened_text"].split("'")[1]
    assert capsys.readouterr().out == EXPECTED["lstm_opened_text"].replace(made_at, LSTM)
    # Keras 3.15's editor reads `layers/lstm` (which has an empty `vars` group) as that group alone and loses the
    # cell's weights; kerasish keeps them.
    assert "lstm" not in EXPECTED["lstm_keras_tree"]["layers"]
    assert tree(editor.weights_dict["layers"]["lstm"]) == {
        "cell": {"0": [[3, 16], "float32"], "1": [[4, 16], "float32"], "2": [[16], "float32"]}
    }
    editor.rename_object("cell", "cell_renamed")
    assert list(editor.weights_dict["layers"]["lstm"]) == ["cell_renamed"]
    editor.rename_object("layers/lstm/cell_renamed", "cell")
    model = lstm_model()
    assert editor.compare(model)["status"] == "success"
    editor.save(tmp_path / "lstm.weights.h5")
    model.load_weights(tmp_path / "lstm.weights.h5")
    np.testing.assert_allclose(model.predict(XS, verbose=0), EXPECTED["lstm_prediction"], rtol=1e-5, atol=1e-6)


def test_edits_a_kerasish_archive_with_own_and_nested_variables(tmp_path, capsys):
    # kerasish writes an empty `vars` group for every object, the model's own included; the root's variables fold
    # into the top of the tree and round-trip.
    model = lstm_model()
    model.save(tmp_path / "m.keras")
    editor = open_quietly(tmp_path / "m.keras", capsys)
    assert list(editor.weights_dict) == ["layers"]
    editor.add_object("extra", {"0": np.ones(3, np.float32)})
    editor.save(tmp_path / "m.weights.h5")
    again = open_quietly(str(tmp_path / "m.weights.h5"), capsys)
    np.testing.assert_array_equal(again.weights_dict["extra"]["0"], np.ones(3))
    clone = lstm_model()
    assert again.compare(clone) == {"status": "error", "error_count": 1, "match_count": 5}
    assert "...Object /extra present in saved file, missing from reference model" in capsys.readouterr().out
    again.delete_object("extra")
    again.save(tmp_path / "m.weights.h5")
    clone.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_array_equal(clone.predict(XS, verbose=0), model.predict(XS, verbose=0))


def test_save_replaces_the_file_atomically(tmp_path, capsys):
    editor = open_quietly(MLP, capsys)
    target = tmp_path / "out.weights.h5"
    target.write_bytes(b"old")
    editor.save(target)
    assert h5py.is_hdf5(target)
    assert os.listdir(tmp_path) == ["out.weights.h5"]  # no temporary left behind


def test_refuses_links_deep_nesting_and_huge_datasets(tmp_path, monkeypatch, capsys):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["secret"] = np.zeros(3)
    linked = tmp_path / "linked.weights.h5"
    with h5py.File(linked, "w") as f:
        f["layers/dense/vars/0"] = np.zeros(3)
        f["layers/dense/vars/1"] = h5py.ExternalLink(str(other), "secret")
    with pytest.raises(ValueError, match="ExternalLink"):
        KerasFileEditor(linked)
    soft = tmp_path / "soft.weights.h5"
    with h5py.File(soft, "w") as f:
        f["layers/dense/vars/0"] = np.zeros(3)
        f["layers/other/vars/0"] = h5py.SoftLink("/layers/dense/vars/0")
    with pytest.raises(ValueError, match="SoftLink"):
        KerasFileEditor(soft)
    deep = tmp_path / "deep.weights.h5"
    with h5py.File(deep, "w") as f:
        f["/".join(["g"] * 70) + "/vars/0"] = np.zeros(1)
    with pytest.raises(ValueError, match="nest deeper"):
        KerasFileEditor(deep)
    monkeypatch.setattr(file_editor, "MAX_DATASET_BYTES", 100)
    big = tmp_path / "big.weights.h5"
    with h5py.File(big, "w") as f:
        f["layers/dense/vars/0"] = np.zeros(26, np.float32)
    with pytest.raises(ValueError, match="limit 100"):
        KerasFileEditor(big)
    incomplete = tmp_path / "incomplete.keras"
    with zipfile.ZipFile(incomplete, "w") as z:
        z.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="no model.weights.h5 member"):
        KerasFileEditor(incomplete)
