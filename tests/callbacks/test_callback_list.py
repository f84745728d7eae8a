import collections
from collections.abc import Mapping

import numpy as np
import pytest
import torch

from kerasish.callbacks import Callback, CallbackList, History, ProgbarLogger

HOOKS = [
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
]


class Model:
    pass


class LazyLogs(Mapping):
    def __init__(self, values):
        self._values = values
        self.reads = 0

    def __getitem__(self, key):
        self.reads += 1
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


class EpochOnly(Callback):
    def __init__(self):
        super().__init__()
        self.calls = collections.Counter()

    def on_epoch_end(self, epoch, logs=None):
        self.calls["on_epoch_end"] += 1


class Recorder(Callback):
    """Overrides every hook and counts the calls."""

    def __init__(self):
        super().__init__()
        self.calls = collections.Counter()
        self.logs = {}

    def __getattribute__(self, name):
        if name in HOOKS:

            def hook(*args, **kwargs):
                self.calls[name] += 1
                self.logs[name] = kwargs.get("logs", args[-1] if args else None)

            return hook
        return super().__getattribute__(name)


def _run_everything(callbacks, logs=None):
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    for batch in range(3):
        callbacks.on_train_batch_begin(batch)
        callbacks.on_train_batch_end(batch, logs)
    callbacks.on_test_begin()
    callbacks.on_test_batch_begin(0)
    callbacks.on_test_batch_end(0, logs)
    callbacks.on_test_end({"loss": 1.0})
    callbacks.on_epoch_end(0, {"loss": 1.0})
    callbacks.on_train_end()
    callbacks.on_predict_begin()
    callbacks.on_predict_batch_begin(0)
    callbacks.on_predict_batch_end(0)
    callbacks.on_predict_end()


def test_hooks_called_only_on_callbacks_that_override_them(monkeypatch):
    epoch_only = EpochOnly()
    calls = collections.Counter()
    # Spy on Callback's own (default) hooks: none may be called for a callback that does not override them.
    for hook in HOOKS:
        default = getattr(Callback, hook)

        def spy(self, *args, _hook=hook, _default=default, **kwargs):
            calls[_hook] += 1
            return _default(self, *args, **kwargs)

        monkeypatch.setattr(Callback, hook, spy)
    callbacks = CallbackList([epoch_only])
    _run_everything(callbacks, {"loss": 1.0})
    assert epoch_only.calls == {"on_epoch_end": 1}
    assert calls == {}
    assert not callbacks.has_train_batch_hooks
    assert not callbacks.has_test_batch_hooks
    assert not callbacks.has_predict_batch_hooks


def test_every_hook_dispatched_to_a_full_callback():
    recorder = Recorder()
    callbacks = CallbackList([recorder])
    _run_everything(callbacks)
    callbacks.on_batch_begin(0)
    callbacks.on_batch_end(0)
    assert recorder.calls == {
        "on_train_begin": 1,
        "on_epoch_begin": 1,
        "on_train_batch_begin": 3,
        "on_train_batch_end": 3,
        "on_test_begin": 1,
        "on_test_batch_begin": 1,
        "on_test_batch_end": 1,
        "on_test_end": 1,
        "on_epoch_end": 1,
        "on_train_end": 1,
        "on_predict_begin": 1,
        "on_predict_batch_begin": 1,
        "on_predict_batch_end": 1,
        "on_predict_end": 1,
        "on_batch_begin": 1,
        "on_batch_end": 1,
    }
    assert callbacks.has_train_batch_hooks
    assert callbacks.has_test_batch_hooks
    assert callbacks.has_predict_batch_hooks


def test_old_batch_aliases_count_as_train_batch_hooks():
    class OldStyle(Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_batch_end(self, batch, logs=None):
            self.batches.append((batch, logs["loss"]))

    old = OldStyle()
    callbacks = CallbackList([old])
    assert callbacks.has_train_batch_hooks
    assert not callbacks.has_test_batch_hooks
    for batch in range(2):
        callbacks.on_train_batch_end(batch, {"loss": torch.tensor(0.5 * batch)})
    callbacks.on_test_batch_end(0, {"loss": 9.0})
    assert old.batches == [(0, 0.0), (1, 0.5)]


def test_hook_set_on_the_instance_is_dispatched():
    seen = []
    callback = Callback()
    callback.on_test_batch_end = lambda batch, logs: seen.append(batch)
    callbacks = CallbackList([callback])
    assert callbacks.has_test_batch_hooks and not callbacks.has_train_batch_hooks
    callbacks.on_test_batch_end(4, {})
    assert seen == [4]


def test_lazy_batch_logs_are_not_read_when_nobody_needs_them():
    logs = LazyLogs({"loss": 1.0})
    callbacks = CallbackList([EpochOnly()], add_history=True, model=Model(), verbose=0, epochs=1, steps=3)
    _run_everything(callbacks, logs)
    assert logs.reads == 0

    class Reader(Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.loss = logs["loss"]

    reader = Reader()
    callbacks = CallbackList([reader])
    callbacks.on_train_batch_end(0, logs)
    assert reader.loss == 1.0
    assert logs.reads == 1


def test_epoch_logs_sorted_flattened_and_converted_to_floats():
    recorder = Recorder()
    callbacks = CallbackList([recorder])
    callbacks.on_epoch_end(
        0,
        {
            "loss": torch.tensor(0.25),
            "accuracy": np.float32(0.5),
            "count": 3,
            "nested": {"b_metric": torch.tensor([2.0]), "a_metric": 1.5},
            "vector": np.array([1.0, 2.0]),
        },
    )
    logs = recorder.logs["on_epoch_end"]
    # Sorted as Keras sorts them: a nested dict is flattened at its own key's place.
    assert list(logs) == ["accuracy", "count", "loss", "a_metric", "b_metric", "vector"]
    assert [type(logs[k]) for k in ["accuracy", "count", "a_metric", "b_metric", "loss"]] == [float] * 5
    assert logs["loss"] == 0.25 and logs["count"] == 3.0 and logs["b_metric"] == 2.0
    np.testing.assert_array_equal(logs["vector"], [1.0, 2.0])
    callbacks.on_train_begin()
    assert recorder.logs["on_train_begin"] == {}


def test_default_callbacks_order_model_history_and_params():
    user = EpochOnly()
    model = Model()
    callbacks = CallbackList([[user]], add_history=True, add_progbar=True, model=model, verbose=1, epochs=3, steps=7)
    assert [type(cb) for cb in callbacks.callbacks] == [EpochOnly, History, ProgbarLogger]
    history = callbacks.callbacks[1]
    assert model.history is history
    assert all(cb.model is model for cb in callbacks)
    assert user.params == {"verbose": 1, "epochs": 3, "steps": 7}
    progbar = callbacks.callbacks[2]
    assert (progbar.verbose, progbar.epochs, progbar.target) == (1, 3, 7)


def test_existing_history_and_progbar_are_reused():
    history, progbar = History(), ProgbarLogger()
    callbacks = CallbackList([progbar, history], add_history=True, add_progbar=True, verbose=0, epochs=1, steps=1)
    assert callbacks.callbacks == [progbar, history]


def test_append_updates_dispatch():
    model = Model()
    callbacks = CallbackList([EpochOnly()], model=model, verbose=0, epochs=1, steps=1)
    assert not callbacks.has_predict_batch_hooks

    class PredictBatches(Callback):
        def on_predict_batch_end(self, batch, logs=None):
            self.last = batch

    extra = PredictBatches()
    callbacks.append(extra)
    assert callbacks.has_predict_batch_hooks
    assert extra.model is model and extra.params == {"verbose": 0, "epochs": 1, "steps": 1}
    callbacks.on_predict_batch_end(5, {"outputs": torch.zeros(2)})
    assert extra.last == 5


def test_invalid_callbacks_argument():
    with pytest.raises(ValueError, match="Callback"):
        CallbackList(["not a callback"])


def test_model_property_unwraps_ddp():

    class FakeDDP(torch.nn.parallel.DistributedDataParallel):
        def __init__(self, module):
            torch.nn.Module.__init__(self)
            self.module = module

    inner = torch.nn.Linear(1, 1)
    callback = Callback()
    callback.set_model(FakeDDP(inner))
    assert callback.model is inner


class Ordered(Callback):
    """Appends its name to a shared list in the hooks a backup depends on."""

    def __init__(self, name, order, state=None):
        super().__init__()
        self.name, self.order, self.state = name, order, state

    def _note(self, *args, **kwargs):
        self.order.append(self.name)

    on_train_begin = on_epoch_end = on_train_batch_end = on_train_end = _note

    def get_state(self):
        return {} if self.state is None else dict(self.state)

    def set_state(self, state):
        if "bad" in state:
            raise KeyError("bad")
        self.state = dict(state)


class BacksUp(Ordered):
    _backs_up_callbacks = True

    def _set_callback_list(self, callbacks):
        self.callbacks = callbacks


def test_a_callback_that_backs_up_the_others_runs_last_in_every_hook():
    order = []
    backup = BacksUp("backup", order)
    callbacks = CallbackList([backup, Ordered("a", order), Ordered("b", order)], add_history=True, model=Model())
    assert backup.callbacks is callbacks
    assert [type(cb).__name__ for cb in callbacks] == ["BacksUp", "Ordered", "Ordered", "History"]  # as given
    callbacks.on_train_begin()
    callbacks.on_train_batch_end(0)
    callbacks.on_epoch_end(0, {"loss": 1.0})
    callbacks.on_train_end()
    assert order == ["a", "b", "backup"] * 4
    assert callbacks._dispatch["on_epoch_end"][-1] == backup.on_epoch_end  # after History too
    late = BacksUp("late", order)
    callbacks.append(late)
    assert late.callbacks is callbacks


def test_state_of_the_callbacks_with_state_keyed_by_their_order():
    order = []
    callbacks = CallbackList(
        [
            Ordered("stateless", order),
            Ordered("a", order, {"n": 1}),
            BacksUp("b", order),
            Ordered("c", order, {"n": 2}),
        ],
        add_history=True,
        model=Model(),
    )
    callbacks.on_epoch_end(0, {"loss": 1.0})
    state = callbacks.get_state()
    assert state == {
        "0:Ordered": {"n": 1},
        "1:Ordered": {"n": 2},
        "2:History": {"history": {"loss": [1.0]}, "epoch": [0]},
    }
    # Callbacks without state may come and go; those with state are matched by order and class.
    fresh = CallbackList(
        [Ordered("a", order, {"n": 0}), Ordered("c", order, {"n": 0})], add_history=True, model=Model()
    )
    fresh.set_state(state)
    assert [cb.get_state() for cb in fresh] == list(state.values())


def test_set_state_changes_nothing_when_it_fails():
    order = []
    callbacks = CallbackList([Ordered("a", order, {"n": 0}), Ordered("b", order, {"n": 0})], model=Model())
    with pytest.raises(ValueError, match=r"now \['0:Ordered', '1:Ordered'\], but the state is of \['0:Ordered'\]"):
        callbacks.set_state({"0:Ordered": {"n": 1}})
    with pytest.raises(ValueError, match="Callback 1:Ordered rejected its state: KeyError"):
        callbacks.set_state({"0:Ordered": {"n": 1}, "1:Ordered": {"bad": True}})
    assert [cb.state for cb in callbacks] == [{"n": 0}, {"n": 0}]  # the first one's state was given back
