"""timeseries_dataset_from_array against Keras 3.15's windows
(tests/fixtures/dataset_utils/make_dataset_utils_fixtures.py
recorded every batch of a few configurations with TensorFlow)."""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.utils import timeseries_dataset_from_array

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "dataset_utils"
REFERENCE = json.loads((FIXTURES / "keras_reference.json").read_text())
ARRAYS = np.load(FIXTURES / "keras_reference.npz")
DATA = np.arange(60, dtype="float64").reshape(30, 2)
TARGETS = np.arange(100, 130)


def needs(format):
    if format == "tf":
        pytest.importorskip("tensorflow")
    elif format == "grain":
        pytest.importorskip("grain")


def as_numpy(part):
    return part.numpy() if hasattr(part, "numpy") else np.asarray(part)


@pytest.mark.parametrize("format", ["torch", "tf", "grain"])
@pytest.mark.parametrize("name", sorted(REFERENCE["timeseries"]))
def test_windows_match_keras(format, name):
    needs(format)
    entry = REFERENCE["timeseries"][name]
    ds = timeseries_dataset_from_array(DATA, TARGETS, format=format, **entry["kwargs"])
    batches = [tuple(as_numpy(part) for part in batch) for batch in ds]
    batched = entry["kwargs"]["batch_size"] is not None
    if batched:
        assert [len(x) for x, _ in batches] == entry["batch_sizes"]
    join = np.concatenate if batched else np.stack
    x, y = (join(parts) for parts in zip(*batches))
    np.testing.assert_array_equal(x, ARRAYS[f"ts_{name}_x"])
    np.testing.assert_array_equal(y, ARRAYS[f"ts_{name}_y"])
    assert x.dtype == np.float64 and y.dtype == np.int64  # the data's own dtypes


@pytest.mark.parametrize("format", ["torch", "tf"])
def test_no_targets(format):
    needs(format)
    ds = timeseries_dataset_from_array(
        DATA[:, 0].astype("int32"), None, sequence_length=7, sequence_stride=3, batch_size=2, format=format
    )
    x = np.concatenate([as_numpy(batch) for batch in ds])
    np.testing.assert_array_equal(x, ARRAYS["ts_no_targets_x"])
    assert x.dtype == np.int32


def test_shuffle_draws_keras_start_positions():
    ds = timeseries_dataset_from_array(
        DATA, TARGETS, sequence_length=4, batch_size=None, shuffle=True, seed=9, format="torch"
    )
    targets = [int(y) for _, y in ds]
    assert sorted(targets) == REFERENCE["timeseries_shuffled_targets"]
    # Keras shuffles the start positions with RandomState(seed); the torch format reads them in that order.
    positions = np.arange(27, dtype="int32")
    np.random.RandomState(9).shuffle(positions)
    assert targets == (100 + positions).tolist()
    x, y = ds[0]
    np.testing.assert_array_equal(x.numpy(), DATA[positions[0] : positions[0] + 4])


def test_torch_tensors_feed_fit():
    data = torch.arange(200, dtype=torch.float32).reshape(100, 2) / 100
    ds = timeseries_dataset_from_array(data, data[:, 0], sequence_length=5, batch_size=16, format="torch")
    assert isinstance(ds, keras.utils.PyDataset) and len(ds) == 6
    x, y = ds[5]
    assert isinstance(x, torch.Tensor) and tuple(x.shape) == (16, 5, 2) and x.dtype == torch.float32  # 96 windows
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert np.isfinite(model.fit(ds, epochs=1, verbose=0).history["loss"][0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(start_index=-1), "`start_index` must be 0 or greater"),
        (dict(start_index=30), "`start_index` must be lower than the length of the data"),
        (dict(start_index=5, end_index=5), "`end_index` must be higher than `start_index`"),
        (dict(end_index=30), "`end_index` must be lower than the length of the data"),
        (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
        (dict(sequence_stride=30), "`sequence_stride` must be lower than the length of the data"),
        (dict(format="numpy"), "`format` should be one of"),
    ],
)
def test_bad_arguments(kwargs, message):
    kwargs.setdefault("format", "torch")
    with pytest.raises(ValueError, match=message):
        timeseries_dataset_from_array(DATA, TARGETS, sequence_length=3, **kwargs)
