"""grain's MapDataset, IterDataset and DataLoader in `fit`/`evaluate`/`predict` train exactly as the same batches
given as numpy arrays."""

import numpy as np
import pytest
import torch

grain = pytest.importorskip("grain")

import kerasish as keras  # noqa: E402
from kerasish.trainers.data_adapters import get_data_adapter  # noqa: E402
from kerasish.trainers.data_adapters.grain_dataset_adapter import GrainDatasetAdapter  # noqa: E402

rng = np.random.default_rng(13)
X = rng.normal(size=(40, 5)).astype("float32")
Y = rng.integers(0, 3, size=(40,)).astype("int64")
RECORDS = list(zip(X, Y))


def classifier(seed=3):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def double(record):
    x, y = record
    return x * 2.0, y


def map_dataset(seed=7):
    dataset = grain.MapDataset.source(RECORDS)
    if seed is not None:
        dataset = dataset.shuffle(seed=seed)
    return dataset.map(double).batch(16)


def data_loader(num_epochs=1):
    sampler = grain.samplers.IndexSampler(len(RECORDS), shuffle=True, num_epochs=num_epochs, seed=9)
    return grain.DataLoader(data_source=RECORDS, sampler=sampler, operations=[grain.transforms.Batch(16)])


def assert_same_weights(got, expected):
    for a, b in zip(got.get_weights(), expected.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def as_arrays(dataset):
    """The rows of one pass, in the order the dataset yields them."""
    batches = list(dataset)
    return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])


@pytest.mark.parametrize(
    "make",
    [map_dataset, lambda: map_dataset().to_iter_dataset(), data_loader],
    ids=["MapDataset", "IterDataset", "DataLoader"],
)
def test_fit_equals_fit_on_the_same_arrays_in_the_same_order(make):
    model, twin = classifier(), classifier()
    history = model.fit(make(), epochs=3, verbose=0).history
    x, y = as_arrays(make())
    expected = twin.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    assert_same_weights(model, twin)
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-6)
    assert int(model.optimizer.iterations) == 9


def test_evaluate_and_predict_give_the_numbers_of_the_arrays():
    model = classifier()
    expected = model.evaluate(X * 2.0, Y, batch_size=16, verbose=0)
    np.testing.assert_allclose(model.evaluate(map_dataset(None), verbose=0), expected, rtol=1e-6)
    predictions = model.predict(X, batch_size=16, verbose=0)
    inputs_only = grain.MapDataset.source(X).batch(16).to_iter_dataset()
    np.testing.assert_array_equal(model.predict(inputs_only, verbose=0), predictions)


def test_validation_data_as_a_grain_dataset():
    model = classifier()
    validation = grain.MapDataset.source(RECORDS[30:]).batch(4)
    history = model.fit(map_dataset(), validation_data=validation, epochs=2, verbose=0).history
    expected = model.evaluate(X[30:], Y[30:], batch_size=4, verbose=0)
    np.testing.assert_allclose([history["val_loss"][-1], history["val_accuracy"][-1]], expected, rtol=1e-6)


def test_dict_inputs_for_a_multi_input_functional_model():
    def two_inputs():
        keras.utils.set_random_seed(4)
        a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
        hidden = keras.layers.Concatenate()([keras.layers.Dense(3)(a), b])
        model = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(hidden))
        model.compile(optimizer="adam", loss="mse")
        return model

    target = X[:, :1] - X[:, 4:]
    records = [({"a": x[:3], "b": x[3:]}, t) for x, t in zip(X, target)]
    dataset = grain.MapDataset.source(records).batch(8)  # grain batches dicts leaf by leaf
    model, twin = two_inputs(), two_inputs()
    model.fit(dataset, epochs=2, verbose=0)
    twin.fit({"a": X[:, :3], "b": X[:, 3:]}, target, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(model, twin)


def test_endless_data_runs_steps_per_epoch_and_needs_them():
    repeated = map_dataset(None).repeat()
    model = classifier()
    model.fit(repeated, steps_per_epoch=2, epochs=3, verbose=0)
    assert int(model.optimizer.iterations) == 6
    for endless in (repeated, data_loader(num_epochs=None)):
        with pytest.raises(ValueError, match="When providing an infinite dataset, you must specify the number"):
            get_data_adapter(endless, steps=None)
    assert get_data_adapter(data_loader(num_epochs=None), steps=3).infinite
    assert not get_data_adapter(data_loader(), steps=None).infinite
    assert get_data_adapter(map_dataset()).num_batches == 3


def test_batches_are_torch_tensors_sharing_numpy_memory():
    batch = np.arange(12, dtype="float32").reshape(4, 3)
    adapter = get_data_adapter(grain.MapDataset.source([batch]))
    ((x,),) = list(adapter.get_epoch_iterator())
    assert isinstance(x, torch.Tensor) and x.dtype == torch.float32
    assert x.data_ptr() == batch.ctypes.data  # torch.from_numpy: no copy
    np.testing.assert_array_equal(x.numpy(), batch)


def test_class_weight_is_refused_as_keras_refuses_it():
    with pytest.raises(ValueError, match="class_weight"):
        classifier().fit(map_dataset(), class_weight={0: 1.0, 1: 1.0, 2: 1.0}, verbose=0)


@pytest.mark.parametrize("kind", ["MapDataset", "IterDataset"])
def test_under_ddp_each_rank_reads_its_own_batches(kind):
    def make():
        dataset = grain.MapDataset.source(RECORDS).shuffle(seed=1).batch(8)  # 5 batches
        return dataset if kind == "MapDataset" else dataset.to_iter_dataset()

    ranks = [GrainDatasetAdapter(make()) for _ in range(2)]
    for rank, adapter in enumerate(ranks):
        adapter.distribute(rank, 2, seed=0)
    rank0, rank1 = ([batch[1] for batch in adapter.get_epoch_iterator()] for adapter in ranks)
    expected = [batch[1] for batch in make()]
    assert [b.tolist() for b in rank0] == [b.tolist() for b in expected[0::2]]
    if kind == "MapDataset":  # known size: padded to 3 steps on both ranks with the rank's first batch
        assert ranks[1].num_batches == 3
        assert [b.tolist() for b in rank1] == [b.tolist() for b in expected[1::2] + [expected[1]]]
    else:
        assert [b.tolist() for b in rank1] == [b.tolist() for b in expected[1::2]]
