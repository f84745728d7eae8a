"""Every kind of input `fit`/`evaluate`/`predict` accept gives the same training as the same rows as numpy arrays."""

import math
import warnings

import numpy as np
import pytest
import torch

import kerasish as keras

rng = np.random.default_rng(7)
X = rng.normal(size=(20, 3)).astype("float32")
Y = rng.normal(size=(20, 1)).astype("float32")
SW = rng.uniform(0.5, 2.0, size=(20,)).astype("float32")
INITIAL = [rng.normal(size=(3, 1)).astype("float32"), np.zeros(1, "float32")]


def linear():
    inputs = keras.Input(shape=(3,), name="x")
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(inputs))
    model.set_weights(INITIAL)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def fit(data, *args, **kwargs):
    model = linear()
    history = model.fit(data, *args, epochs=2, shuffle=False, verbose=0, **kwargs)
    return history.history, model.get_weights()


def assert_same_training(got, expected):
    (history, weights), (expected_history, expected_weights) = got, expected
    assert list(history) == list(expected_history)
    for key in expected_history:
        np.testing.assert_allclose(history[key], expected_history[key], rtol=1e-6, err_msg=key)
    for w, e in zip(weights, expected_weights, strict=True):
        np.testing.assert_allclose(w, e, rtol=1e-6, atol=1e-7)


def batches(n=20, size=8):
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


REFERENCE = fit(X, Y, batch_size=8)
REFERENCE_SW = fit(X, Y, batch_size=8, sample_weight=SW)


def test_torch_tensors():
    assert_same_training(fit(torch.from_numpy(X), torch.from_numpy(Y), batch_size=8), REFERENCE)


def test_float64_inputs_are_cast_to_floatx():
    assert_same_training(fit(X.astype("float64"), Y.astype("float64"), batch_size=8), REFERENCE)


def test_default_batch_size_is_32():
    assert_same_training(fit(X, Y), fit(X, Y, batch_size=20))


def test_generator_with_steps_per_epoch():
    def generator():
        while True:
            for index in batches():
                yield X[index], Y[index]

    assert_same_training(fit(generator(), steps_per_epoch=3), REFERENCE)


def test_generator_yielding_sample_weights():
    def generator():
        while True:
            for index in batches():
                yield X[index], Y[index], SW[index]

    assert_same_training(fit(generator(), steps_per_epoch=3), REFERENCE_SW)


def test_generator_without_steps_runs_one_epoch_then_stops_with_a_warning():
    model = linear()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(((X[i], Y[i]) for i in batches()), epochs=3, verbose=0)
    assert history.epoch == [0]
    np.testing.assert_allclose(history.history["loss"], REFERENCE[0]["loss"][:1], rtol=1e-6)


def test_generator_running_out_mid_training_warns_once():
    model = linear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(((X[i], Y[i]) for i in batches()), steps_per_epoch=2, epochs=4, verbose=0)
    assert history.epoch == [0, 1]  # batches 0, 1, then the short batch 2; then nothing is left
    assert sum("ran out of data" in str(w.message) for w in caught) == 1


def test_steps_per_epoch_with_arrays_stops_an_epoch_at_the_end_of_the_data_as_keras_3():
    """steps_per_epoch=2 over 3 batches: epoch 1 trains on batches 0, 1; epoch 2 on batch 2 only (the pass ends
    there, with Keras's "ran out of data" warning); a third epoch would start again at batch 0."""
    with pytest.warns(UserWarning, match="ran out of data"):
        history, weights = fit(X, Y, batch_size=8, steps_per_epoch=2)
    order = [0, 1, 2]
    k, b = [torch.tensor(w, requires_grad=True) for w in INITIAL]
    losses = []
    for i in order:
        index = batches()[i]
        loss = ((torch.from_numpy(X[index]) @ k + b - torch.from_numpy(Y[index])) ** 2).mean()
        k.grad = b.grad = None
        loss.backward()
        with torch.no_grad():
            k -= 0.1 * k.grad
            b -= 0.1 * b.grad
        losses.append((loss.item(), index.stop - index.start))
    epoch_losses = [
        sum(loss * n for loss, n in losses[s]) / sum(n for _, n in losses[s]) for s in (slice(0, 2), slice(2, 3))
    ]
    np.testing.assert_allclose(history["loss"], epoch_losses, rtol=1e-6)
    np.testing.assert_allclose(weights[0], k.detach().numpy(), rtol=1e-6)


class ArrayDataset(keras.utils.PyDataset):
    def __init__(self, with_weights=False, **kwargs):
        super().__init__(**kwargs)
        self.with_weights = with_weights
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(X) / 8)

    def __getitem__(self, index):
        rows = batches()[index]
        return (X[rows], Y[rows], SW[rows]) if self.with_weights else (X[rows], Y[rows])

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_py_dataset():
    dataset = ArrayDataset()
    assert_same_training(fit(dataset), REFERENCE)
    assert dataset.epochs_ended == 2
    assert_same_training(fit(ArrayDataset(with_weights=True)), REFERENCE_SW)


def test_torch_dataset_and_data_loader():
    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    assert_same_training(fit(dataset, batch_size=8), REFERENCE)
    loader = torch.utils.data.DataLoader(dataset, batch_size=8)
    assert_same_training(fit(loader), REFERENCE)
    weighted = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y), torch.from_numpy(SW)), batch_size=8
    )
    assert_same_training(fit(weighted), REFERENCE_SW)


def test_evaluate_and_predict_accept_every_input_kind():
    model = linear()
    expected_eval = model.evaluate(X, Y, batch_size=8, verbose=0)
    expected_pred = model.predict(X, batch_size=8, verbose=0)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), batch_size=8
    )
    for data in (loader, ArrayDataset(), ((X[i], Y[i]) for i in batches())):
        np.testing.assert_allclose(model.evaluate(data, verbose=0), expected_eval, rtol=1e-6)
    for data in (loader, ArrayDataset(), (X[i] for i in batches()), ((X[i],) for i in batches())):
        np.testing.assert_allclose(model.predict(data, verbose=0), expected_pred, rtol=1e-6)
    np.testing.assert_allclose(model.predict(torch.from_numpy(X), verbose=0), expected_pred, rtol=1e-6)


def two_inputs():
    a = keras.Input(shape=(2,), name="a")
    b = keras.Input(shape=(1,), name="b")
    outputs = keras.layers.Dense(1, name="out")(keras.layers.Concatenate()([a, b]))
    model = keras.Model([a, b], outputs)
    model.set_weights(INITIAL)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("form", ["list", "dict", "dict_generator"])
def test_multi_input_as_list_or_dict(form):
    """Concatenate([a, b]) then Dense equals the single-input model on the concatenated columns."""
    model = two_inputs()
    a, b = X[:, :2], X[:, 2:]
    if form == "list":
        history = model.fit([a, b], Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    elif form == "dict":
        history = model.fit({"b": b, "a": a}, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    else:

        def generator():
            while True:
                for i in batches():
                    yield {"a": a[i], "b": b[i]}, Y[i]

        history = model.fit(generator(), steps_per_epoch=3, epochs=2, verbose=0)
    assert_same_training((history.history, model.get_weights()), REFERENCE)
    np.testing.assert_allclose(model.predict({"a": a, "b": b}, verbose=0), model.predict([a, b], verbose=0))


def test_class_weight_equals_the_matching_sample_weight():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    labels = rng.integers(0, 3, size=(20,))
    class_weight = {0: 0.5, 1: 2.0, 2: 1.0}
    results = []
    for kwargs in (
        {"class_weight": class_weight},
        {"sample_weight": np.array([class_weight[c] for c in labels], "float32")},
    ):
        model.set_weights([np.ones((3, 3), "float32") * 0.1, np.zeros(3, "float32")])
        model.compile(
            optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        results.append(
            (
                model.fit(X, labels, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs).history,
                model.get_weights(),
            )
        )
    assert_same_training(results[0], results[1])
    # One-hot targets use their argmax's weight.
    model.set_weights([np.ones((3, 3), "float32") * 0.1, np.zeros(3, "float32")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    one_hot = np.eye(3, dtype="float32")[labels]
    history = model.fit(X, one_hot, batch_size=8, epochs=2, shuffle=False, verbose=0, class_weight=class_weight)
    np.testing.assert_allclose(history.history["loss"], results[0][0]["loss"], rtol=1e-6)


def test_validation_data_as_a_generator_or_loader():
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y)), batch_size=8
    )
    model = linear()
    history = model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=loader)
    reference = linear().fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=(X, Y))
    np.testing.assert_allclose(history.history["val_loss"], reference.history["val_loss"], rtol=1e-6)
