"""The distribution strategy `fit`, `evaluate` and `predict` run under: the local one outside a process group, and
the operations the loop asks of a strategy (here a recording local one; test_ddp.py runs the data-parallel one)."""

import numpy as np
import torch

import kerasish as keras
from kerasish.distribute.strategy import LocalStrategy, get_strategy
from kerasish.trainers import trainer as trainer_module


def _model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def _data(rows=32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, 4)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


def test_outside_a_process_group_the_strategy_is_local_and_leaves_everything_as_it_is():
    strategy = get_strategy()
    assert type(strategy) is LocalStrategy and strategy.is_chief
    assert strategy.device == torch.device("cuda" if torch.cuda.is_available() else "cpu")
    module = torch.nn.Linear(2, 1)
    assert strategy.wrap(module) is module
    outputs = [torch.ones(2), torch.zeros(3)]
    assert strategy.gather(outputs) is outputs
    metric = keras.metrics.Mean()
    metric.update_state(torch.tensor([1.0, 3.0]))
    strategy.reduce_metrics([metric])
    assert float(metric.result()) == 2.0
    model = _model()
    vote = strategy.stop_vote(model, may_stop_between_batches=True)
    assert not vote.after_batch() and not vote.after_epoch()
    model.stop_training = True
    assert vote.after_batch() and vote.after_epoch()


class Counting(torch.nn.Module):
    """A stand-in for a strategy's wrapper (as DDP's): forwards to the model, counting the calls."""

    def __init__(self, module):
        super().__init__()
        self.module = module
        self.calls = 0

    def forward(self, *args, **kwargs):
        self.calls += 1
        return self.module(*args, **kwargs)


class Recording(LocalStrategy):
    """A local strategy that records what the loop asks of it, and may vote to stop after a given step."""

    def __init__(self, log, stop_after_step=None):
        super().__init__()
        self.log, self.stop_after_step, self.wrapper = log, stop_after_step, None

    def shard(self, iterators):
        self.log.append(("shard", len(iterators)))

    def wrap(self, module):
        self.log.append(("wrap", module.built))
        self.wrapper = Counting(module)
        return self.wrapper

    def reduce_metrics(self, metrics):
        self.log.append(("reduce", sorted(m.name for m in metrics)))

    def gather(self, outputs):
        self.log.append(("gather", len(outputs)))
        return outputs

    def stop_vote(self, model, may_stop_between_batches):
        strategy = self

        class Vote:
            steps = 0

            def after_batch(self):
                self.steps += 1
                return self.steps == strategy.stop_after_step

            def after_epoch(self):
                return self.steps >= (strategy.stop_after_step or float("inf"))

        self.log.append(("stop_vote", may_stop_between_batches))
        return Vote()


def test_fit_evaluate_and_predict_ask_the_strategy(monkeypatch):
    log = []
    strategies = []

    def recording():
        strategies.append(Recording(log))
        return strategies[-1]

    monkeypatch.setattr(trainer_module, "get_strategy", recording)
    x, y = _data()
    model = _model()
    model.fit(x[:24], y[:24], validation_data=(x[24:], y[24:]), batch_size=8, epochs=2, verbose=0)
    names = ["loss", "mae"]
    assert log == [
        ("shard", 2),
        ("stop_vote", False),
        ("wrap", True),
        ("reduce", names),
        ("reduce", names),
        ("reduce", names),
        ("reduce", names),
    ]
    # Each training step's forward pass went through the wrapper (validation's too, within the run) ...
    wrapper = strategies[0].wrapper
    assert wrapper.calls == 2 * 3 + 2 * 1
    # ... which the run dropped when it ended: evaluate and predict call the model itself.
    log.clear()
    model.evaluate(x, y, batch_size=8, verbose=0)
    assert model.predict(x, batch_size=8, verbose=0).shape == (32, 1)
    assert wrapper.calls == 8
    assert log == [("shard", 1), ("reduce", names), ("shard", 1), ("gather", 4)]


def test_a_callback_with_batch_hooks_has_the_strategy_vote_after_each_batch(monkeypatch):
    log = []
    monkeypatch.setattr(trainer_module, "get_strategy", lambda: Recording(log, stop_after_step=3))
    x, y = _data()
    model = _model()
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        verbose=0,
        callbacks=[keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: None)],
    )
    assert ("stop_vote", True) in log
    # The vote said stop after the third step: the epoch ended there, and so did training.
    assert int(model.optimizer.iterations) == 3 and history.epoch == [0]
