"""The shared part of the dataset builders: the folder index (against Keras 3's file orders, recorded by
tests/fixtures/dataset_utils/make_dataset_utils_fixtures.py), the `format` argument, and `split_dataset`."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import torch

from kerasish import utils
from kerasish.utils import dataset_utils
from kerasish.utils.dataset_utils import index_directory, split_dataset

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "dataset_utils"
REFERENCE = json.loads((FIXTURES / "keras_reference.json").read_text())
IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


@pytest.fixture
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)  # Keras's paths were recorded relative to the fixture folder


def test_index_directory_orders_files_as_keras(in_fixtures, capsys):
    for entry in REFERENCE["index"]:
        kwargs = entry["kwargs"]
        if kwargs.get("validation_split") or "class_names" in kwargs:
            continue
        shuffle = kwargs.get("shuffle", True)
        paths, labels, class_names = index_directory(
            "images",
            kwargs.get("labels", "inferred"),
            IMAGE_FORMATS,
            shuffle=shuffle,
            seed=kwargs.get("seed"),
            verbose=kwargs.get("verbose", True),
        )
        assert paths == entry["file_paths"][0], kwargs
        assert class_names == entry["class_names"]
        assert capsys.readouterr().out == entry["messages"]
        if "labels" in entry:
            np.testing.assert_array_equal(labels, entry["labels"])
            assert labels.dtype == np.int32
        elif class_names is not None:  # inferred: each file's label is its class folder, whatever the shuffle
            assert labels.tolist() == [class_names.index(p.split(os.sep)[1]) for p in paths]


def test_index_directory_class_names_and_manual_labels(in_fixtures, capsys):
    paths, labels, class_names = index_directory(
        "images", "inferred", IMAGE_FORMATS, class_names=["class_c", "class_a"], shuffle=False
    )
    assert class_names == ["class_c", "class_a"]
    assert paths[:4] == [
        "images/class_c/c0.png",
        "images/class_c/c1.gif",
        "images/class_c/c2.png",
        "images/class_c/c3.png",
    ]
    assert paths[4:] == [
        "images/class_a/a0.png",
        "images/class_a/a1.png",
        "images/class_a/a2.jpg",
        "images/class_a/nested/a3.png",
    ]
    assert labels.tolist() == [0] * 4 + [1] * 4
    manual = [5, 3] * 6 + [5]
    paths, labels, class_names = index_directory("images", manual, IMAGE_FORMATS, seed=2)
    assert manual == [5, 3] * 6 + [5]  # the caller's list is not shuffled in place
    assert class_names == ["3", "5"]
    assert len(paths) == 13 and "images/.hidden/h0.png" in paths  # explicit labels: every file under the folder
    with pytest.raises(ValueError, match="did not match the names of the subdirectories"):
        index_directory("images", "inferred", IMAGE_FORMATS, class_names=["class_a", "dogs"])
    with pytest.raises(ValueError, match="len\\(labels\\) is 2 while we found 13 files"):
        index_directory("images", [0, 1], IMAGE_FORMATS)
    with pytest.raises(ValueError, match="When `labels=None` \\(no labels\\), argument `class_names` cannot"):
        index_directory("images", None, IMAGE_FORMATS, class_names=["class_a"])


def test_follow_links(tmp_path, capsys):
    (tmp_path / "data" / "cats").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text("linked")
    (tmp_path / "data" / "cats" / "a.txt").write_text("a")
    os.symlink(tmp_path / "elsewhere", tmp_path / "data" / "cats" / "more")
    data = str(tmp_path / "data")
    assert index_directory(data, "inferred", (".txt",), shuffle=False)[0] == [f"{data}/cats/a.txt"]
    assert index_directory(data, "inferred", (".txt",), shuffle=False, follow_links=True)[0] == [
        f"{data}/cats/a.txt",
        f"{data}/cats/more/x.txt",
    ]


def test_validation_split_arguments_are_checked_before_indexing():
    check = dataset_utils.check_validation_split_arg
    with pytest.raises(ValueError, match="`validation_split` must be between 0 and 1, received: 1.5"):
        check(1.5, "training", True, 1)
    with pytest.raises(ValueError, match="If `subset` is set, `validation_split` must be set, and inversely."):
        check(0.2, None, True, 1)
    with pytest.raises(ValueError, match="If `subset` is set, `validation_split` must be set, and inversely."):
        check(None, "training", True, 1)
    with pytest.raises(ValueError, match='`subset` must be either "training", "validation" or "both"'):
        check(0.2, "test", True, 1)
    with pytest.raises(ValueError, match="you must provide a `seed` argument"):
        check(0.2, "training", True, None)
    check(0.2, "training", False, None)  # unshuffled: the split is the same on every call


def test_encode_labels():
    labels = np.array([0, 2, 1, 3])
    assert dataset_utils.encode_labels(labels, "int", 3).dtype == torch.int32
    assert dataset_utils.encode_labels(labels, "binary", 2).tolist() == [[0.0], [2.0], [1.0], [3.0]]
    one_hot = dataset_utils.encode_labels(labels, "categorical", 3)
    assert one_hot.dtype == torch.float32
    # A label outside the classes is a row of zeros, as tf.one_hot makes it.
    assert one_hot.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0]]


def test_format_default_follows_tensorflow(monkeypatch):
    monkeypatch.setattr(dataset_utils, "is_installed", lambda module: False)
    assert dataset_utils.resolve_format(None) == "torch"
    with pytest.raises(ImportError, match="format='tf' returns a tf.data.Dataset and needs TensorFlow"):
        dataset_utils.resolve_format("tf")
    with pytest.raises(ImportError, match="format='grain' returns a grain dataset and needs grain"):
        dataset_utils.resolve_format("grain")
    monkeypatch.setattr(dataset_utils, "is_installed", lambda module: True)
    assert dataset_utils.resolve_format(None) == "tf"
    with pytest.raises(ValueError, match="`format` should be one of 'tf', 'grain', 'torch'"):
        dataset_utils.resolve_format("numpy")


def test_torch_format_never_imports_tensorflow():
    # Checking whether TensorFlow is installed must not import it (a TensorFlow import costs seconds and memory).
    code = (
        "import sys; import kerasish\n"
        "from kerasish.utils import dataset_utils, image_dataset_from_directory\n"
        "dataset_utils.resolve_format(None)\n"
        f"ds = image_dataset_from_directory({str(FIXTURES / 'images')!r}, image_size=(4, 4), format='torch')\n"
        "ds[0]\n"
        "assert 'tensorflow' not in sys.modules and 'grain' not in sys.modules, 'imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_sample_batches_cut_and_index():
    class Squares(dataset_utils.SampleBatches):
        def load_inputs(self, indices):
            return torch.tensor([i * i for i in indices])

    ds = Squares(5, torch.arange(5) * 10, batch_size=2)
    assert len(ds) == 3
    assert [x.tolist() for x, _ in ds] == [[0, 1], [4, 9], [16]]
    assert ds[-1][1].tolist() == [40]
    with pytest.raises(IndexError):
        ds[3]
    single = Squares(3, None, batch_size=None)
    assert [int(x) for x in single] == [0, 1, 4]
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer or None; received batch_size=0"):
        Squares(3, None, batch_size=0)


# --- split_dataset ------------------------------------------------------------------------------------------------


def test_split_dataset_torch_path_is_random_split():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    left, right = split_dataset((x, y), left_size=0.7, shuffle=True, seed=3)
    assert isinstance(left, torch.utils.data.Subset) and (len(left), len(right)) == (7, 3)
    expected = torch.randperm(10, generator=torch.Generator().manual_seed(3)).tolist()
    assert left.indices + right.indices == expected  # torch's random_split, as Keras on its torch backend
    xs, ys = left[0]
    assert xs.tolist() == x[expected[0]].tolist() and int(ys) == y[expected[0]]
    left, right = split_dataset(x, right_size=3)
    assert left.indices == list(range(7)) and right.indices == [7, 8, 9]
    assert left[0][0].tolist() == [0, 1]
    left, right = split_dataset(torch.utils.data.TensorDataset(torch.arange(4)), left_size=1)
    assert (len(left), len(right)) == (1, 3)
    left, right = split_dataset(x, left_size=4, right_size=5, shuffle=True, seed=3)  # one sample in neither
    assert left.indices == expected[:4] and right.indices == expected[5:]


def test_split_dataset_checks_sizes():
    x = np.zeros((10, 2))
    with pytest.raises(ValueError, match="At least one of the `left_size` or `right_size` must be specified"):
        split_dataset(x)
    with pytest.raises(ValueError, match="`left_size` should be either a positive integer smaller than 10"):
        split_dataset(x, left_size=10)
    with pytest.raises(ValueError, match="The sum of `left_size` and `right_size` is greater than 1"):
        split_dataset(x, left_size=0.6, right_size=0.6)
    with pytest.raises(TypeError, match="Invalid `left_size` Type"):
        split_dataset(x, left_size="half")
    with pytest.raises(ValueError, match="Resulting right side dataset split will be empty"):
        split_dataset(x, left_size=0.99)
    with pytest.raises(TypeError, match="Unsupported dataset type"):
        split_dataset({"x": x}, left_size=0.5)


@pytest.mark.parametrize("case", range(len(REFERENCE["split_dataset"])))
def test_split_dataset_tensorflow_path_matches_keras(case):
    tf = pytest.importorskip("tensorflow")
    entry = REFERENCE["split_dataset"][case]
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    left, right = split_dataset((x, y), preferred_backend="tensorflow", **entry["kwargs"])
    assert isinstance(left, tf.data.Dataset)
    for half, expected in ((left, entry["left"]), (right, entry["right"])):
        assert [[a.tolist() for a in sample] for sample in half.as_numpy_iterator()] == expected
    # A batched tf.data.Dataset is split by samples and its halves batched alike, the default path for it.
    left, right = split_dataset(tf.data.Dataset.from_tensor_slices(x).batch(4), left_size=6)
    assert [b.shape[0] for b in left] == [4, 2] and [b.shape[0] for b in right] == [4]


def test_utils_and_preprocessing_export_the_builders():
    from kerasish import preprocessing

    for name in ("image_dataset_from_directory", "text_dataset_from_directory", "timeseries_dataset_from_array"):
        assert getattr(preprocessing, name) is getattr(utils, name)
    assert utils.audio_dataset_from_directory.__module__ == "kerasish.utils.audio_dataset_utils"
    assert utils.split_dataset is split_dataset
