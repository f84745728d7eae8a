"""ReduceLROnPlateau on scripted sequences of the monitored value.

The expected rates are what Keras 3.15's own callback gives on the same sequences, with an SGD(0.1) optimizer:

    class M: stop_training = False; metrics = []
    m = M(); m.optimizer = keras.optimizers.SGD(0.1)
    cb = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", **kwargs); cb._model = m
    cb.on_train_begin()
    for epoch, value in enumerate(values):
        logs = {"score": value}; cb.on_epoch_end(epoch, logs)
        # logs["learning_rate"] (the rate of the epoch), float(m.optimizer.learning_rate) (after it)
"""

import numpy as np
import pytest
from conftest import make_model, scripted

import kerasish as keras


@pytest.mark.parametrize(
    "values, kwargs, logged, final",
    [
        (
            [1.0, 0.9, 0.95, 0.93, 0.92, 0.91, 0.8, 0.85, 0.86, 0.87],
            {"factor": 0.5, "patience": 2},
            [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125],
            0.0125,
        ),
        (
            [1.0] * 8,
            {"factor": 0.1, "patience": 1, "cooldown": 2, "min_lr": 0.0004},
            [0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.0004, 0.0004],
            0.0004,
        ),
        ([1.0, 0.99995, 0.9999, 0.5], {"factor": 0.5, "patience": 1}, [0.1, 0.1, 0.05, 0.025], 0.025),  # min_delta 1e-4
    ],
)
def test_lowers_the_rate_after_patience(data, values, kwargs, logged, final):
    model = make_model(optimizer=keras.optimizers.SGD(0.1))
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", **kwargs)
    history = model.fit(
        *data, batch_size=8, epochs=len(values), verbose=0, callbacks=[scripted("score", values), reduce_lr]
    )
    np.testing.assert_allclose(history.history["learning_rate"], logged, rtol=1e-6)
    assert float(model.optimizer.learning_rate) == np.float32(final)


def test_the_reduced_rate_is_the_one_stepped_with(data):
    # Reduced at the end of epoch 1, so epoch 2 steps with 0.05: the same run as a schedule 0.1, 0.1, 0.05.
    keras.utils.set_random_seed(1)
    model = make_model(optimizer=keras.optimizers.SGD(0.1))
    reduce_lr = keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=1)
    model.fit(*data, batch_size=8, epochs=3, verbose=0, callbacks=[scripted("score", [1.0] * 3), reduce_lr])
    keras.utils.set_random_seed(1)
    reference = make_model(optimizer=keras.optimizers.SGD(0.1))
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: [0.1, 0.1, 0.05][epoch])
    reference.fit(*data, batch_size=8, epochs=3, verbose=0, callbacks=[schedule])
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)


def test_bad_factor():
    with pytest.raises(ValueError, match="factor >= 1.0"):
        keras.callbacks.ReduceLROnPlateau(factor=1.0)


def _rates_resumed_at(split, values):
    """The rates of each epoch and after the last, with a fresh callback given the state before epoch `split`
    (what a resumed fit() does)."""
    model = make_model(optimizer=keras.optimizers.SGD(0.1))

    def fresh():
        callback = keras.callbacks.ReduceLROnPlateau("score", mode="min", factor=0.5, patience=1, cooldown=2)
        callback.set_model(model)
        callback.on_train_begin()
        return callback

    callback, rates = fresh(), []
    for epoch, value in enumerate(values):
        if epoch == split:
            state = callback.get_state()
            callback = fresh()
            callback.set_state(state)
        logs = {"score": value}
        callback.on_epoch_end(epoch, logs)
        rates.append(logs["learning_rate"])
    return rates + [float(model.optimizer.learning_rate)]


def test_a_fresh_instance_given_the_state_reduces_at_the_same_epochs():
    values = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 0.8, 0.85, 0.86]
    expected = _rates_resumed_at(None, values)
    assert expected == pytest.approx([0.1] * 3 + [0.05] * 2 + [0.025] * 2 + [0.0125] * 2 + [0.00625] * 2)
    for split in range(1, len(values)):
        assert _rates_resumed_at(split, values) == expected, split
