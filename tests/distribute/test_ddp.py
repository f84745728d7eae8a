"""DistributedDataParallel inside `fit`: two gloo processes on the CPU, launched by `fit(distribute="ddp")`.

Each global batch is split across the ranks and DDP averages their gradients, so with equal halves and a mean loss
a DDP run follows the single-process run step for step: the tests compare the two.
"""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

import kerasish as keras

pytestmark = [
    pytest.mark.skipif(
        not torch.distributed.is_available() or torch.cuda.device_count() == 1,
        reason="needs torch.distributed, and two processes need the CPU or two GPUs",
    ),
    # Each test launches DDP ranks (several seconds apiece): outside the fast subset (`-m "not slow"`).
    pytest.mark.slow,
]


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(64, 4).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")).astype("float32")
    return x, y


def _model(seed=1):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def test_threads_left_by_earlier_tests_do_not_turn_the_launch_into_a_spawn():
    # A fresh script forks its ranks. A thread another test left running (a TensorBoard writer of an interrupted fit,
    # multiprocessing's fd-sharing thread) would make every launch in the suite spawn (seconds per rank); conftest.py
    # keeps the suite on the path a fresh process takes.
    import threading

    from kerasish.distribute import launcher

    if "fork" not in torch.multiprocessing.get_all_start_methods() or torch.cuda.is_initialized():
        pytest.skip("ranks are spawned here in any case")
    leftover = threading.Event()
    thread = threading.Thread(target=leftover.wait, name="left-by-an-earlier-test", daemon=True)
    thread.start()
    try:
        assert launcher._start_method() == "fork"
    finally:
        leftover.set()
        thread.join()


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_ddp_fit_matches_single_process_training(start_method, monkeypatch):
    # Fork is used when no other thread runs; spawn otherwise (its ranks get pickled copies of model and data).
    from kerasish.distribute import launcher

    monkeypatch.setattr(launcher, "_start_method", lambda: start_method)
    x, y = _data()
    single = _model()
    expected = single.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    ddp = _model()
    history = ddp.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0, distribute="ddp", devices=2)
    # The caller's model holds the trained weights and the History of rank 0.
    for a, b in zip(ddp.get_weights(), single.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Metrics are summed across ranks, so the logged numbers are the single-process numbers.
    np.testing.assert_allclose(history.history["loss"], expected["loss"], rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"], expected["mae"], rtol=1e-5)
    assert ddp.history is history and int(ddp.optimizer.iterations) == 12


def test_ddp_validation_sees_every_sample_once_and_shuffling_still_learns():
    x, y = _data()
    model = _model()
    history = model.fit(
        x[:48], y[:48], validation_data=(x[48:], y[48:]), batch_size=8, epochs=4, verbose=0, distribute="ddp", devices=2
    ).history
    assert history["loss"][-1] < history["loss"][0]
    # The validation loss logged at the end equals an evaluation of the returned model on the same data.
    np.testing.assert_allclose(history["val_loss"][-1], model.evaluate(x[48:], y[48:], verbose=0)[0], rtol=1e-5)


class FailOnRankOne(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if torch.distributed.get_rank() == 1 and batch == 1:
            raise RuntimeError("rank one fails on purpose")


def test_a_failing_rank_ends_the_run_with_its_traceback():
    x, y = _data()
    with pytest.raises(RuntimeError, match="rank one fails on purpose"):
        _model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[FailOnRankOne()], distribute="ddp", devices=2)


def test_the_rank_that_failed_first_is_reported_when_the_launcher_looks_after_all_ended(monkeypatch):
    # Rank 1's error makes rank 0 fail in turn (its peer left the collective it waits in). On a loaded machine the
    # launcher may wake only once both have ended; it must still report the cause, not rank 0's lost connection.
    import multiprocessing.connection

    wait = multiprocessing.connection.wait

    def wait_for_every_rank(sentinels, timeout=None):
        for sentinel in sentinels:
            wait([sentinel])
        return list(sentinels)

    monkeypatch.setattr(multiprocessing.connection, "wait", wait_for_every_rank)
    x, y = _data()
    with pytest.raises(RuntimeError, match="rank 1") as error:
        _model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[FailOnRankOne()], distribute="ddp", devices=2)
    assert "rank one fails on purpose" in str(error.value) and "Connection closed" not in str(error.value)


def test_devices_must_be_a_positive_count():
    x, y = _data()
    with pytest.raises(ValueError, match="devices"):
        _model().fit(x, y, verbose=0, distribute="ddp", devices=0)
    with pytest.raises(ValueError, match="distribute"):
        _model().fit(x, y, verbose=0, distribute="horovod")


class StopOnRankOne(keras.callbacks.Callback):
    """Sets `stop_training` on rank 1 only, after batch `batch` or epoch `epoch`; records what each rank ran."""

    def __init__(self, batch=None, epoch=None):
        super().__init__()
        self.stop_batch, self.stop_epoch = batch, epoch

    def on_train_batch_end(self, batch, logs=None):
        if torch.distributed.get_rank() == 1 and batch == self.stop_batch:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if torch.distributed.get_rank() == 1 and epoch == self.stop_epoch:
            self.model.stop_training = True


class RankLocalLog(keras.callbacks.Callback):
    """Adds a log that only improves on rank 1, so that an EarlyStopping behind it stops rank 0 alone."""

    def on_epoch_end(self, epoch, logs=None):
        logs["rank_local"] = -float(epoch) if torch.distributed.get_rank() == 1 else 0.0


@pytest.fixture
def short_collective_timeout(monkeypatch):
    # A regression then fails within seconds instead of waiting the default five minutes in a collective.
    import datetime

    from kerasish.distribute import environment

    monkeypatch.setattr(environment, "TIMEOUT", datetime.timedelta(seconds=30))


@pytest.mark.parametrize(
    "stop, epochs_run, steps_run",
    [
        ({"epoch": 0}, 1, 8),  # stop_training set at an epoch end, on one rank only
        ({"batch": 2}, 1, 3),  # ... at a batch end, on one rank only
    ],
)
def test_a_stop_decided_on_one_rank_stops_every_rank(short_collective_timeout, stop, epochs_run, steps_run):
    x, y = _data()
    model = _model()
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[StopOnRankOne(**stop)],
        distribute="ddp",
        devices=2,
    )
    assert history.epoch == list(range(epochs_run))
    assert int(model.optimizer.iterations) == steps_run


def test_terminate_on_nan_on_one_rank_stops_every_rank_at_that_batch(short_collective_timeout):
    x, y = _data()
    y = y.copy()
    y[2 * 8 + 5] = np.nan  # batch 2, in the half of it that rank 1 trains on: only rank 1's loss is NaN there
    model = _model()
    history = model.fit(
        x,
        y,
        batch_size=8,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
        distribute="ddp",
        devices=2,
    )
    assert history.epoch == [0] and int(model.optimizer.iterations) == 3


def test_early_stopping_on_one_rank_stops_every_rank(short_collective_timeout):
    x, y = _data()
    model = _model()
    stopper = keras.callbacks.EarlyStopping(monitor="rank_local", mode="min", patience=0)
    history = model.fit(
        x,
        y,
        batch_size=16,
        epochs=4,
        shuffle=False,
        verbose=0,
        callbacks=[RankLocalLog(), stopper],
        distribute="ddp",
        devices=2,
    )
    assert history.epoch == [0, 1] and int(model.optimizer.iterations) == 8


# A script that trains "for ever" with fit(distribute="ddp") as a shell script's background job would (SIGINT
# ignored); each rank writes its pid once training has begun.
_LONG_DDP_FIT = """
import os, signal, sys
import numpy as np
import torch
import kerasish as keras

signal.signal(signal.SIGINT, signal.SIG_IGN)
out, death_signal = sys.argv[1], sys.argv[2]
if death_signal == "unavailable":  # as on systems without Linux's prctl: the ranks watch their parent instead
    from kerasish.distribute import launcher

    launcher._set_parent_death_signal = lambda signum: False


class WritePid(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        path = os.path.join(out, f"rank{torch.distributed.get_rank()}.pid")
        with open(path + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.replace(path + ".tmp", path)


x = np.random.rand(64, 4).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, x[:, :1], batch_size=8, epochs=10**6, verbose=0, callbacks=[WritePid()], distribute="ddp", devices=2)
"""


def _running(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its new parent to reap it has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process states from /proc")
@pytest.mark.parametrize("death_signal", ["prctl", "unavailable"])
def test_ranks_die_with_the_process_that_launched_them(tmp_path, death_signal):
    script = tmp_path / "long_fit.py"
    script.write_text(_LONG_DDP_FIT)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parent = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path), death_signal],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # TMPDIR: the launcher killed here cannot remove its temporary folder
        env={**os.environ, "PYTHONPATH": root, "OMP_NUM_THREADS": "1", "TMPDIR": str(tmp_path)},
    )
    ranks = []
    try:
        deadline = time.monotonic() + 120
        while len(ranks) < 2:
            assert time.monotonic() < deadline and parent.poll() is None, "the ranks did not start"
            time.sleep(0.2)
            ranks = [int(p.read_text()) for p in tmp_path.glob("rank*.pid")]
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in ranks) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_running(pid) for pid in ranks), "the ranks outlived their parent"
    finally:
        parent.kill()
        for pid in ranks:  # the processes this test started, should they have survived
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


class _SaysHello(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            print(f"hello from rank {torch.distributed.get_rank()}", end="")  # no newline: a half line
            print(" and more")


def test_other_ranks_print_on_lines_of_their_own_above_the_bar(capfd):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=8, epochs=1, verbose=1, distribute="ddp", devices=2, callbacks=[_SaysHello()])
    out = capfd.readouterr().out
    visible = [line.rsplit("\r", 1)[-1] for line in out.split("\n")]  # what a terminal shows of each line
    assert "[rank 1] hello from rank 1 and more" in visible
    assert not any("[rank 1]" in line and not line.startswith("[rank 1]") for line in visible)
    assert any("hello from rank 0 and more" in line for line in visible)  # rank 0 prints as it always did
