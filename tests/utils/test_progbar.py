"""Progbar and ProgbarLogger print exactly what Keras prints.

The expected texts in tests/fixtures/progbar/progbar_outputs.json were recorded from Keras 3.15 by
tests/fixtures/progbar/make_progbar_fixtures.py, replaying the scenarios of progbar_scenarios.json against a
fake clock, so even the elapsed times, ETAs and times per step are compared exactly.
"""

import io
import json
import os
import sys
from collections.abc import Mapping

import pytest

from kerasish.callbacks.callback_list import CallbackList
from kerasish.utils import progbar as progbar_module
from kerasish.utils.progbar import Progbar

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "progbar")
with open(os.path.join(FIXTURES, "progbar_scenarios.json")) as f:
    SCENARIOS = {scenario["name"]: scenario for scenario in json.load(f)}
with open(os.path.join(FIXTURES, "progbar_outputs.json")) as f:
    KERAS_OUTPUTS = json.load(f)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now


class FakeStdout(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


class LazyLogs(Mapping):
    """A read-only mapping that counts how many values were read, like the trainer's lazy batch logs."""

    def __init__(self, values):
        self._values = dict(sorted(values.items()))
        self.reads = 0

    def __getitem__(self, key):
        self.reads += 1
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progbar_module, "time", fake)
    return fake


def _replay(scenario, clock, lazy=False):
    clock.now = scenario.get("start", 0.0)
    stdout, sys.stdout = sys.stdout, FakeStdout(scenario["tty"])
    try:
        if scenario["kind"] == "progbar":
            bar = Progbar(**scenario["kwargs"])
            for at, method, step, values, finalize in scenario["calls"]:
                clock.now = at
                values = [tuple(pair) for pair in values] if values is not None else None
                if method == "update":
                    bar.update(step, values, finalize=finalize)
                else:
                    bar.add(step, values)
        else:
            callbacks = CallbackList(add_progbar=True, **scenario["params"])
            for at, hook, args in scenario["calls"]:
                clock.now = at
                if lazy and hook.endswith("batch_end") and args[1] is not None:
                    args = [args[0], LazyLogs(args[1])]
                getattr(callbacks, hook)(*args)
        return sys.stdout.getvalue()
    finally:
        sys.stdout = stdout


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_output_matches_keras(name, clock):
    assert _replay(SCENARIOS[name], clock) == KERAS_OUTPUTS[name]


@pytest.mark.parametrize("name", sorted(n for n, s in SCENARIOS.items() if s["kind"] == "logger"))
def test_logger_output_with_lazy_batch_logs_matches_keras(name, clock):
    assert _replay(SCENARIOS[name], clock, lazy=True) == KERAS_OUTPUTS[name]


def test_lazy_values_read_only_when_drawn(clock):
    sys_stdout = sys.stdout
    sys.stdout = FakeStdout(False)
    try:
        bar = Progbar(target=10, stateless_metrics=())
        logs = [LazyLogs({"loss": 1.0 / (i + 1)}) for i in range(10)]
        for step, at in enumerate([1.0, 1.01, 1.02, 1.1, 1.11, 1.12, 1.13, 1.14, 1.3, 1.31], start=1):
            clock.now = at
            bar.update(step, logs[step - 1])
        text = sys.stdout.getvalue()
    finally:
        sys.stdout = sys_stdout
    # Drawn at steps 1, 4, 9 (interval 0.05) and 10 (the last): only those logs were read, once each.
    assert [log.reads for log in logs] == [1, 0, 0, 1, 0, 0, 0, 0, 1, 1]
    assert text.count("loss:") == 4
    assert "loss: 0.1000" in text


def test_verbose2_reads_batch_logs_never(clock):
    callbacks = CallbackList(add_progbar=True, verbose=2, epochs=1, steps=3)
    logs = [LazyLogs({"loss": 1.0}) for _ in range(3)]
    stdout, sys.stdout = sys.stdout, FakeStdout(False)
    try:
        callbacks.on_train_begin()
        callbacks.on_epoch_begin(0)
        for batch in range(3):
            callbacks.on_train_batch_end(batch, logs[batch])
        callbacks.on_epoch_end(0, {"loss": 0.5})
        text = sys.stdout.getvalue()
    finally:
        sys.stdout = stdout
    assert [log.reads for log in logs] == [0, 0, 0]
    assert text == "3/3 - 0s - 0s/step - loss: 0.5000\n"


def test_unencodable_stdout_falls_back_to_ascii_bar(clock):
    raw = io.BytesIO()
    ascii_stdout = io.TextIOWrapper(raw, encoding="ascii")
    stdout, sys.stdout = sys.stdout, ascii_stdout
    try:
        Progbar(target=2, width=4).update(2)
        ascii_stdout.flush()
    finally:
        sys.stdout = stdout
    assert b"====" in raw.getvalue()


def test_both_metric_lists_is_an_error():
    with pytest.raises(ValueError, match="stateful_metrics"):
        Progbar(target=2, stateful_metrics=["a"], stateless_metrics=["b"])
