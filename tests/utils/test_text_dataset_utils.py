"""text_dataset_from_directory against Keras 3.15's outputs (tests/fixtures/dataset_utils/make_dataset_utils_fixtures.py
recorded them with TensorFlow; texts are stored there as latin-1, one character per byte)."""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.utils import text_dataset_from_directory
from kerasish.utils.dataset_utils import index_directory

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "dataset_utils"
REFERENCE = json.loads((FIXTURES / "keras_reference.json").read_text())


@pytest.fixture
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)


def keras_batches(entry):
    return [
        (np.array([t.encode("latin-1") for t in b["x"]], dtype=object), b.get("y"), b.get("y_dtype"))
        for b in entry["batches"]
    ]


@pytest.mark.parametrize("format", ["torch", "tf"])
@pytest.mark.parametrize("case", range(len(REFERENCE["texts"])))
def test_texts_and_labels_match_keras(in_fixtures, capsys, format, case):
    if format == "tf":
        pytest.importorskip("tensorflow")
    entry = REFERENCE["texts"][case]
    result = text_dataset_from_directory("texts", format=format, **entry["kwargs"])
    assert capsys.readouterr().out == entry["messages"]
    datasets = result if isinstance(result, list) else [result]
    assert all(ds.class_names == entry["class_names"] for ds in datasets)
    batches = [batch for ds in datasets for batch in ds]
    if entry["kwargs"].get("shuffle", True) and format == "tf":
        return  # tf.data's shuffle buffer reorders the files within a batch: only the torch format keeps Keras's
    assert len(batches) == len(entry["batches"])
    for batch, (texts, labels, labels_dtype) in zip(batches, keras_batches(entry)):
        x, y = batch if isinstance(batch, tuple) else (batch, None)
        x = x.numpy() if format == "tf" else x
        if format == "torch" and entry["kwargs"].get("shuffle", True):
            # The torch format reads Keras's shuffled file order as it is; Keras's batch comes through its
            # shuffle buffer, so compare the pairs, not their order.
            assert sorted(zip(x.tolist(), np.asarray(y).tolist())) == sorted(zip(texts.tolist(), labels))
            continue
        assert x.dtype == object and x.tolist() == texts.tolist()
        if labels is not None:
            y = np.asarray(y)
            assert y.tolist() == labels and y.dtype == labels_dtype


def test_torch_format_follows_keras_file_order(in_fixtures):
    ds = text_dataset_from_directory("texts", seed=5, batch_size=3, format="torch", verbose=False)
    assert isinstance(ds, keras.utils.PyDataset) and len(ds) == 3
    paths, labels, _ = index_directory("texts", "inferred", (".txt",), seed=5, verbose=False)
    assert ds.file_paths == paths  # Keras's shuffled order (test_dataset_utils checks it against Keras's)
    x, y = ds[0]
    assert x.tolist() == [open(p, "rb").read() for p in paths[:3]]
    assert isinstance(y, torch.Tensor) and y.tolist() == labels[:3].tolist()
    assert y.tolist() == [ds.class_names.index(p.split("/")[1]) for p in paths[:3]]
    single = text_dataset_from_directory(
        "texts", shuffle=False, batch_size=None, max_length=3, format="torch", verbose=False
    )
    text, label = single[1]
    assert text == b"ter" and int(label) == 0


def test_grain_format_reads_text_as_keras_grain(in_fixtures):
    pytest.importorskip("grain")
    ds = text_dataset_from_directory("texts", shuffle=False, max_length=5, format="grain", verbose=False)
    texts, labels = next(iter(ds))
    # Keras's grain pipeline reads str and cuts characters: "café" keeps its é, where TensorFlow cuts bytes.
    assert texts == ("bad m", "terri", "", "zzz", "great", "café ", "ok", "neste")
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 1, 1] and labels.dtype == torch.int32


def test_errors(in_fixtures, tmp_path):
    (tmp_path / "a.txt").write_text("loose")
    with pytest.raises(ValueError, match="No text files found in directory .*Allowed format: .txt"):
        text_dataset_from_directory(tmp_path, format="torch", verbose=False)
    # Keras's quirk, kept: 10% of 8 files is int(0.8) = 0 validation files, and `files[:-0]` leaves no training ones.
    with pytest.raises(ValueError, match="No training text files found in directory texts"):
        text_dataset_from_directory("texts", validation_split=0.1, subset="both", seed=1, format="torch", verbose=False)
    with pytest.raises(
        ValueError,
        match="`labels` argument should be a list/tuple of integer labels, of the same "
        "size as the number of text files",
    ):
        text_dataset_from_directory("texts", labels="yes", format="torch")
