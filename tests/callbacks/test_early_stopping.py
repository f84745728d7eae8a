"""EarlyStopping on scripted sequences of the monitored value.

Expected stop epochs follow Keras's rule (wait counts epochs since the last improvement larger than min_delta;
stop when wait >= patience) and are what Keras 3.15's own EarlyStopping gives on the same sequences:

    class M: stop_training = False; metrics = []
    cb = keras.callbacks.EarlyStopping(monitor="score", mode="min", **kwargs); cb._model = m = M()
    cb.on_train_begin()
    for epoch, value in enumerate(values):
        cb.on_epoch_end(epoch, {"score": value})
        if m.stop_training: break   # epochs run = epoch + 1; cb.stopped_epoch
"""

import numpy as np
import pytest
from conftest import make_model, scripted

import kerasish as keras


def _fit(data, values, epochs=None, **kwargs):
    model = make_model()
    stopper = keras.callbacks.EarlyStopping(monitor="score", mode="min", **kwargs)
    history = model.fit(
        *data, batch_size=8, epochs=epochs or len(values), verbose=0, callbacks=[scripted("score", values), stopper]
    )
    return model, stopper, history


@pytest.mark.parametrize(
    "values, kwargs, epochs_run",
    [
        ([5, 4, 4.5, 4.2, 4.1, 3, 2], {"patience": 2}, 4),  # no improvement at epochs 2 and 3
        ([5, 4, 4.5, 3, 3.5, 3.2, 3.1, 1], {"patience": 2}, 6),  # epoch 3 restarts the wait
        ([5, 4.9, 4.8, 4.7, 1], {"patience": 2, "min_delta": 0.5}, 3),  # 0.1 steps are no improvement
        ([5, 4, 4.5, 4.2, 1], {"patience": 2, "baseline": 2.5}, 3),  # improvements short of the baseline count
        ([5, 6, 7, 8, 1, 9, 9, 9], {"patience": 1, "start_from_epoch": 3}, 6),  # epochs 0-2 are not watched
        ([5, 6, 7], {"patience": 0}, 2),  # never stops at epoch 0
    ],
)
def test_stops_when_patience_runs_out(data, values, kwargs, epochs_run):
    _, stopper, history = _fit(data, values, **kwargs)
    assert len(history.history["loss"]) == epochs_run
    assert stopper.stopped_epoch == (epochs_run - 1 if epochs_run < len(values) else 0)


def test_restore_best_weights(data):
    weights_by_epoch = []
    recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights_by_epoch.append([w.copy() for w in model.get_weights()])
    )
    model = make_model()
    values = [3.0, 1.0, 2.0, 2.5, 2.2, 0.5]
    stopper = keras.callbacks.EarlyStopping(
        monitor="score", mode="min", patience=3, restore_best_weights=True, verbose=1
    )
    model.fit(*data, batch_size=8, epochs=6, verbose=0, callbacks=[scripted("score", values), recorder, stopper])
    assert len(weights_by_epoch) == 5  # stopped at epoch 4, three epochs after the best (epoch 1)
    assert stopper.best_epoch == 1 and stopper.best == 1.0
    for restored, best in zip(model.get_weights(), weights_by_epoch[1]):
        np.testing.assert_array_equal(restored, best)
    assert not np.array_equal(model.get_weights()[0], weights_by_epoch[-1][0])


def test_auto_mode_reads_the_metric_direction(data):
    model = make_model(metrics=["mae"])
    stopper = keras.callbacks.EarlyStopping(monitor="mae")
    model.fit(*data, batch_size=8, epochs=1, verbose=0, callbacks=[stopper])
    assert stopper.monitor_op(1.0, 2.0)  # lower is better
    with pytest.raises(ValueError, match="mode='max'"):
        model.fit(
            *data,
            batch_size=8,
            epochs=1,
            verbose=0,
            callbacks=[scripted("score", [1.0]), keras.callbacks.EarlyStopping(monitor="score")],
        )


def test_missing_monitor_warns_and_keeps_training(data):
    model = make_model()
    with pytest.warns(UserWarning, match="val_loss"):
        history = model.fit(*data, batch_size=8, epochs=3, verbose=0, callbacks=[keras.callbacks.EarlyStopping()])
    assert len(history.history["loss"]) == 3


@pytest.mark.parametrize("split", range(1, 6))
def test_a_fresh_instance_given_the_state_stops_at_the_same_epoch_with_the_same_best_weights(split):
    # What a resumed fit() does (BackupAndRestore): a fresh callback, after its on_train_begin, gets the state of
    # the interrupted one from before epoch `split`.
    values = [3.0, 1.0, 2.0, 0.5, 2.6, 2.7, 2.8]
    model = make_model()

    def fresh():
        callback = keras.callbacks.EarlyStopping("score", mode="min", patience=2, restore_best_weights=True)
        callback.set_model(model)
        callback.on_train_begin()
        return callback

    callback = fresh()
    for epoch, value in enumerate(values):
        if epoch == split:
            state = callback.get_state()
            callback = fresh()
            callback.set_state(state)
        model.set_weights([np.full_like(w, epoch) for w in model.get_weights()])  # marks each epoch's weights
        callback.on_epoch_end(epoch, {"score": value})
        if model.stop_training:
            break
    callback.on_train_end()
    assert (epoch, callback.stopped_epoch, callback.best_epoch) == (5, 5, 3)
    assert all((w == 3).all() for w in model.get_weights())
