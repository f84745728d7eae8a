import torch

from kerasish.callbacks import CallbackList, History


class Model:
    pass


def _fit(callbacks, epoch_logs):
    callbacks.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        callbacks.on_epoch_begin(epoch)
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end(epoch_logs[-1])


def test_history_records_epoch_logs():
    model = Model()
    callbacks = CallbackList(add_history=True, model=model, verbose=0, epochs=3, steps=2)
    _fit(
        callbacks,
        [
            {"loss": torch.tensor(1.0), "val_loss": 2.0, "accuracy": 0.5},
            {"loss": torch.tensor(0.5), "val_loss": 1.5, "accuracy": 0.75},
            {"loss": torch.tensor(0.25), "val_loss": 1.25, "accuracy": 1.0},
        ],
    )
    history = model.history
    assert isinstance(history, History)
    assert history.epoch == [0, 1, 2]
    # Keys in Keras's (sorted) order, values as Python floats.
    assert history.history == {
        "accuracy": [0.5, 0.75, 1.0],
        "loss": [1.0, 0.5, 0.25],
        "val_loss": [2.0, 1.5, 1.25],
    }
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 2}


def test_history_reused_across_fits_keeps_values_and_restarts_epochs():
    history = History()
    model = Model()
    _fit(CallbackList([history], model=model), [{"loss": 1.0}, {"loss": 0.5}])
    _fit(CallbackList([history], model=model), [{"loss": 0.25}])
    assert history.epoch == [0]
    assert history.history == {"loss": [1.0, 0.5, 0.25]}
    assert model.history is history


def test_history_without_model():
    history = History()
    history.on_train_begin()
    history.on_epoch_end(0, {"loss": 1.0})
    history.on_epoch_end(1, None)
    assert history.epoch == [0, 1]
    assert history.history == {"loss": [1.0]}


def test_a_fresh_history_given_the_state_holds_the_whole_run():
    logs = [{"loss": 1.0 / (epoch + 1)} for epoch in range(4)]
    reference = CallbackList(add_history=True, model=Model(), verbose=0, epochs=4, steps=2)
    _fit(reference, logs)
    interrupted = CallbackList(add_history=True, model=Model(), verbose=0, epochs=4, steps=2)
    _fit(interrupted, logs[:2])
    state = interrupted._history.get_state()
    resumed_model = Model()
    resumed = CallbackList(add_history=True, model=resumed_model, verbose=0, epochs=4, steps=2)
    resumed.on_train_begin()
    resumed._history.set_state(state)
    for epoch in (2, 3):
        resumed.on_epoch_end(epoch, logs[epoch])
    assert resumed_model.history.epoch == [0, 1, 2, 3]
    assert resumed_model.history.history == reference._history.history == {"loss": [1.0, 0.5, 1 / 3, 0.25]}
