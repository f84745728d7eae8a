import contextlib
import json
import os
import re
import signal
import subprocess
import sys

import backup_callbacks_script
import backup_training_script
import h5py
import numpy as np
import pytest
import torch
from conftest import make_model, scripted

import kerasish as keras

SCRIPT = os.path.join(os.path.dirname(__file__), "backup_training_script.py")
CALLBACKS_SCRIPT = os.path.join(os.path.dirname(__file__), "backup_callbacks_script.py")


def _run(backup_dir, out_prefix, save_freq, kill_at=0):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    return subprocess.Popen(
        [sys.executable, SCRIPT, str(backup_dir), str(out_prefix), str(save_freq), str(kill_at)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process, expected_rc=0):
    _, err = process.communicate(timeout=120)
    assert process.returncode == expected_rc, err


@contextlib.contextmanager
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the scripts do
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _uninterrupted_run():
    with _one_thread():
        return backup_training_script.train([])


def _interrupting(at_epoch):
    """Stands in for a crash at the start of epoch `at_epoch`."""

    def interrupt(epoch, logs):
        if epoch == at_epoch:
            raise RuntimeError("Interrupting!")

    return keras.callbacks.LambdaCallback(on_epoch_begin=interrupt)


def _crash_after_batches(count):
    """Stands in for a crash after `count` training batches (counted across epochs)."""
    seen = []

    def crash(batch, logs):
        seen.append(batch)
        if len(seen) == count:
            raise RuntimeError("Interrupting!")

    return keras.callbacks.LambdaCallback(on_train_batch_end=crash)


def _epochs_run(log):
    """Records the epochs this process trains (a resumed run's History holds the whole run's)."""
    return keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: log.append(epoch))


@pytest.mark.slow  # a child process killed, then resumed
def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path):
    # 32 training rows in batches of 8: 4 batches an epoch. A backup every 3 batches is last written after
    # batch 9 (epoch 2, batch 1); the script kills itself after batch 11, in the middle of epoch 2.
    killed = _run(tmp_path / "backup", tmp_path / "killed", 3, kill_at=11)
    reference_weights, reference_history = _uninterrupted_run()  # meanwhile, here
    _finish(killed, expected_rc=-signal.SIGKILL)
    assert os.listdir(tmp_path / "backup") == ["training_state.pt"]
    _finish(_run(tmp_path / "backup", tmp_path / "resumed", 3))

    with np.load(tmp_path / "resumed.npz") as f:
        resumed_weights = [f[f"arr_{i}"] for i in range(len(f.files))]
    resumed = json.loads((tmp_path / "resumed.json").read_text())
    for got, expected in zip(resumed_weights, reference_weights):
        np.testing.assert_array_equal(got, expected)
    # The resumed run redoes epochs 2 and 3, with epoch 2's running metrics picked up from the backup; its History
    # holds the whole run, the epochs before the kill included, as the uninterrupted run's does.
    assert resumed["epoch"] == reference_history.epoch == [0, 1, 2, 3]
    assert resumed["history"] == reference_history.history
    assert not os.path.exists(tmp_path / "backup")  # deleted once training completed


def test_epoch_backups_resume_at_the_next_epoch(data, tmp_path):
    keras.utils.set_random_seed(5)
    reference = make_model(optimizer=keras.optimizers.Adam(0.01))
    reference.fit(*data, batch_size=8, epochs=4, verbose=0)

    backup_dir = tmp_path / "backup"
    keras.utils.set_random_seed(5)
    model = make_model(optimizer=keras.optimizers.Adam(0.01))
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(
            *data,
            batch_size=8,
            epochs=4,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir), _interrupting(2)],
        )
    # A fresh model and optimizer, as after a crash, with the generators moved on.
    keras.utils.set_random_seed(123)
    model = make_model(optimizer=keras.optimizers.Adam(0.01))
    run = []
    history = model.fit(
        *data,
        batch_size=8,
        epochs=4,
        verbose=0,
        callbacks=[keras.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False), _epochs_run(run)],
    )
    assert run == [2, 3]
    assert history.epoch == [0, 1, 2, 3]  # the History of the whole run, as the reference's
    assert history.history == reference.history.history
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)
    assert int(model.optimizer.iterations) == 16
    assert os.path.exists(backup_dir / "training_state.pt")  # kept with delete_checkpoint=False


def test_double_checkpoint_falls_back_on_the_previous_backup(data, tmp_path):
    backup_dir = tmp_path / "backup"
    model = make_model()
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(
            *data,
            batch_size=8,
            epochs=4,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True), _interrupting(3)],
        )
    assert sorted(os.listdir(backup_dir)) == ["training_state.pt", "training_state.pt.bkp"]
    (backup_dir / "training_state.pt").write_bytes(b"corrupted")
    run = []
    with pytest.warns(UserWarning, match="UnpicklingError: Unsupported global"):
        make_model().fit(
            *data,
            batch_size=8,
            epochs=4,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True), _epochs_run(run)],
        )
    assert run == [2, 3]  # the previous backup was taken after epoch 1


def test_unbuilt_model_and_bad_arguments(data, tmp_path):
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="must be built before you call `fit\\(\\)`"):
        model.fit(*data, epochs=1, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)])
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="Invalid value for argument `save_freq`"):
        keras.callbacks.BackupAndRestore(tmp_path, save_freq="batch")


# ---- callback state across kills ----------------------------------------------------------------------------


def _h5_arrays(path):
    arrays = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, item: arrays.update({name: item[()]}) if isinstance(item, h5py.Dataset) else None)
    return arrays


def _writes(folder):
    with open(folder / "writes.jsonl") as f:
        return [json.loads(line) for line in f]


@pytest.mark.slow  # trains in child processes killed and resumed again and again
def test_killed_at_random_moments_with_stateful_callbacks_ends_as_an_uninterrupted_run(tmp_path):
    # ModelCheckpoint(save_best_only), EarlyStopping(patience=3, restore_best_weights), ReduceLROnPlateau and
    # CSVLogger: the uninterrupted run improves until epoch 12, halves the learning rate three times and stops at
    # epoch 15. The killed runs die at random moments (batch ends; epoch ends after those callbacks ran but before
    # the backup; the end of training, before the backup is deleted), each resuming from the last backup.
    reference = tmp_path / "reference"
    reference.mkdir()
    with _one_thread():
        model, history, early_stopping = backup_callbacks_script.train(str(reference))
    assert early_stopping.stopped_epoch == 15 and len(set(history.history["learning_rate"])) == 4

    folder = tmp_path / "killed"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    rng = np.random.default_rng(14)
    kills = []
    while True:
        kill_at = int(rng.integers(5, 40))
        run = subprocess.run(
            [sys.executable, CALLBACKS_SCRIPT, str(folder), str(kill_at)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if run.returncode == 0:
            break
        assert run.returncode == -signal.SIGKILL, run.stderr
        kills.append(kill_at)
        assert len(kills) < 20, "the killed runs make no progress"
    assert len(kills) >= 4, kills

    result = json.loads((folder / "result.json").read_text())
    assert result["epoch"] == history.epoch == list(range(16)), kills
    assert result["history"] == history.history, kills
    assert result["learning_rate"] == float(model.optimizer.learning_rate)
    assert (result["stopped_epoch"], result["best_epoch"]) == (early_stopping.stopped_epoch, early_stopping.best_epoch)
    with np.load(folder / "weights.npz") as f:
        weights = [f[f"arr_{i}"] for i in range(len(f.files))]
    for got, expected in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)  # the best epoch's weights, restored by EarlyStopping
    # The best checkpoint was only ever (re)written at epochs where the uninterrupted run wrote it (never with a
    # worse model after a resume), and holds the same weights.
    reference_writes = _writes(reference)
    killed_writes = _writes(folder)
    assert all(write in reference_writes for write in killed_writes), (kills, killed_writes)
    assert killed_writes[-1] == reference_writes[-1]
    expected, got = _h5_arrays(reference / "best.weights.h5"), _h5_arrays(folder / "best.weights.h5")
    assert got.keys() == expected.keys()
    for name in expected:
        np.testing.assert_array_equal(got[name], expected[name])
    # One CSV log, each epoch once, as the uninterrupted run wrote it.
    assert (folder / "log.csv").read_text() == (reference / "log.csv").read_text()
    assert not (folder / "backup").exists()


# ---- damaged backups ------------------------------------------------------------------------------------------


def _truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage(path):
    path.write_bytes(np.random.default_rng(0).bytes(path.stat().st_size))


def _rewrite(change):
    def damage(path):
        state = torch.load(path, weights_only=True)
        torch.save(change(state), path)

    return damage


# Each damage, with what the error says about it.
DAMAGES = {
    "empty": (lambda path: path.write_bytes(b""), "EOFError"),
    "truncated": (_truncate, "Error"),
    "garbage bytes": (_garbage, "UnpicklingError: Unsupported operand"),
    "not a dict": (_rewrite(lambda state: [1, 2, 3]), "it holds a list, not the dict of a training state"),
    "missing key": (
        _rewrite(lambda state: {k: v for k, v in state.items() if k != "weights"}),
        r"it lacks \['weights'\]",
    ),
    "epoch of the wrong type": (
        _rewrite(lambda state: {**state, "epoch": "two"}),
        "'epoch' should be a non-negative integer; it is 'two'",
    ),
    "weights of the wrong shape": (
        _rewrite(lambda state: {**state, "weights": [w[:1] for w in state["weights"]]}),
        r"should be 4 arrays shaped \[\(4, 3\), .* it holds 4 shaped \[\(1, 3\)",
    ),
    "one weight too many": (
        _rewrite(lambda state: {**state, "weights": state["weights"] + [torch.zeros(1)]}),
        "should be 4 arrays .* it holds 5",
    ),
    "random state of the wrong type": (
        _rewrite(lambda state: {**state, "rng": {**state["rng"], "torch": 3}}),
        "'rng' is not the state of the random generators",
    ),
    "callback states not a dict": (
        _rewrite(lambda state: {**state, "callbacks": ["EarlyStopping"]}),
        "'callbacks' should be a dict of callback states",
    ),
}


def _interrupted_backup(data, backup_dir, double_checkpoint):
    model = make_model()
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(
            *data,
            batch_size=8,
            epochs=4,
            verbose=0,
            callbacks=[
                keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=double_checkpoint),
                _interrupting(3),
            ],
        )


@pytest.mark.parametrize("damage, reason", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_backup_falls_back_on_the_previous_one(data, tmp_path, damage, reason):
    backup_dir = tmp_path / "backup"
    _interrupted_backup(data, backup_dir, double_checkpoint=True)  # backups after epochs 1 and 2
    damage(backup_dir / "training_state.pt")
    run = []
    model = make_model()
    with pytest.warns(UserWarning, match=f"training_state.pt .*{reason}.*resuming from .*training_state.pt.bkp"):
        history = model.fit(
            *data,
            batch_size=8,
            epochs=4,
            verbose=0,
            callbacks=[
                keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True, delete_checkpoint=False),
                _epochs_run(run),
            ],
        )
    assert run == [2, 3]  # the previous backup was taken after epoch 1
    assert history.epoch == [0, 1, 2, 3]
    # The damaged backup was not kept as the previous one: both files now hold good backups.
    for name in ("training_state.pt", "training_state.pt.bkp"):
        assert torch.load(backup_dir / name, weights_only=True)["epoch"] in (3, 4)


@pytest.mark.parametrize("damage, reason", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_backup_without_a_previous_one_is_a_value_error_naming_it(data, tmp_path, damage, reason):
    backup_dir = tmp_path / "backup"
    _interrupted_backup(data, backup_dir, double_checkpoint=False)
    damage(backup_dir / "training_state.pt")
    model = make_model()
    weights = model.get_weights()
    path = str(backup_dir / "training_state.pt")
    with pytest.raises(ValueError, match=f"{re.escape(path)} .*{reason}.*damaged.*Delete"):
        model.fit(*data, batch_size=8, epochs=4, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup_dir)])
    for got, expected in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, expected)  # nothing restored, nothing trained
    assert int(model.optimizer.iterations) == 0


def test_both_backups_damaged_is_a_value_error_naming_both(data, tmp_path):
    backup_dir = tmp_path / "backup"
    _interrupted_backup(data, backup_dir, double_checkpoint=True)
    _garbage(backup_dir / "training_state.pt")
    _truncate(backup_dir / "training_state.pt.bkp")
    with pytest.raises(ValueError, match=r"training_state\.pt\b.*training_state\.pt\.bkp"):
        make_model().fit(
            *data,
            batch_size=8,
            epochs=4,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True)],
        )


# ---- the callback state protocol ------------------------------------------------------------------------------


def _three_runs(
    data,
    backup_dir,
    make_callbacks,
    interrupt,
    optimizer=lambda: keras.optimizers.Adam(0.01),
    backup_first=True,
    **fit_kwargs,
):
    """The uninterrupted run, the interrupted one and the resumed one; returns the first and the last (model,
    history, callbacks)."""

    def run(seed, extra, backup):
        keras.utils.set_random_seed(seed)
        model = make_model(optimizer=optimizer())
        callbacks = make_callbacks()
        listed = [backup, *callbacks] if backup_first else [*callbacks, backup]
        history = model.fit(*data, batch_size=8, epochs=4, verbose=0, callbacks=listed + extra, **fit_kwargs)
        return model, history, callbacks

    reference = run(5, [], keras.callbacks.BackupAndRestore(backup_dir.parent / "unused", save_freq=3))
    with pytest.raises(RuntimeError, match="Interrupting"):
        run(5, [interrupt], keras.callbacks.BackupAndRestore(backup_dir, save_freq=3))
    resumed = run(123, [], keras.callbacks.BackupAndRestore(backup_dir, save_freq=3))
    return reference, resumed


def _assert_same_run(reference, resumed):
    for got, expected in zip(resumed[0].get_weights(), reference[0].get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    assert float(resumed[0].optimizer.learning_rate) == float(reference[0].optimizer.learning_rate)
    assert resumed[1].epoch == reference[1].epoch
    assert resumed[1].history == reference[1].history


def test_learning_rate_scheduler_resumed_mid_epoch_schedules_that_epoch_once(data, tmp_path):
    # A backup every 3 batches (4 an epoch); the crash after batch 10 leaves the one after batch 9: epoch 2 resumes
    # at its second batch, and its on_epoch_begin must not halve the rate a second time.
    reference, resumed = _three_runs(
        data,
        tmp_path / "backup",
        lambda: [keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)],
        _crash_after_batches(10),
    )
    _assert_same_run(reference, resumed)
    assert float(resumed[0].optimizer.learning_rate) == pytest.approx(0.01 / 16)


def test_swap_ema_weights_on_epoch_resumes_training_on_the_trained_weights(data, tmp_path):
    # After SwapEMAWeights(swap_on_epoch=True) the model holds the moving average between epochs, and the callback
    # the trained weights; the backup of that moment must bring both back.
    reference, resumed = _three_runs(
        data,
        tmp_path / "backup",
        lambda: [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)],
        _interrupting(2),
        optimizer=lambda: keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5),
        backup_first=False,
        validation_data=data,
    )
    _assert_same_run(reference, resumed)


def test_tensorboard_batch_steps_go_on_from_the_backup(data, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    log_dirs = iter([tmp_path / "reference", tmp_path / "interrupted", tmp_path / "resumed"])
    _three_runs(
        data,
        tmp_path / "backup",
        lambda: [keras.callbacks.TensorBoard(next(log_dirs), update_freq=1, write_graph=False)],
        _crash_after_batches(10),
    )

    def batch_losses(log_dir):
        accumulator = EventAccumulator(str(log_dir / "train"), size_guidance={"scalars": 0})
        accumulator.Reload()
        return [(event.step, event.value) for event in accumulator.Scalars("batch_loss")]

    reference = batch_losses(tmp_path / "reference")
    assert [step for step, _ in reference] == list(range(1, 17))
    assert batch_losses(tmp_path / "resumed") == reference[9:]  # after the backup of batch 9, on the same steps


def test_killed_at_the_end_of_an_early_stopped_run_stops_at_the_same_epoch(data, tmp_path):
    # EarlyStopping stops after epoch 2; the crash comes at the end of training, before the backup is deleted.
    def make_callbacks():
        return [
            scripted("val_score", [3.0, 2.0, 2.5, 1.0]),
            keras.callbacks.EarlyStopping("val_score", patience=1, mode="min", restore_best_weights=True),
        ]

    def crash_at_end(logs):
        raise RuntimeError("Interrupting!")

    reference, resumed = _three_runs(
        data, tmp_path / "backup", make_callbacks, keras.callbacks.LambdaCallback(on_train_end=crash_at_end)
    )
    _assert_same_run(reference, resumed)
    assert resumed[1].epoch == [0, 1, 2]
    assert resumed[2][1].stopped_epoch == 2 and resumed[2][1].best_epoch == 1


class Counter(keras.callbacks.Callback):
    """A third-party callback with state: the batches it has seen, as a number and as an array."""

    def __init__(self):
        super().__init__()
        self.count = 0
        self.seen = np.zeros(0, "int32")

    def on_train_batch_end(self, batch, logs=None):
        self.count += 1
        self.seen = np.append(self.seen, batch).astype("int32")

    def get_state(self):
        return {"count": self.count, "seen": self.seen}

    def set_state(self, state):
        self.count, self.seen = state["count"], state["seen"]


def test_a_callback_of_your_own_gets_its_state_back(data, tmp_path):
    reference, resumed = _three_runs(data, tmp_path / "backup", lambda: [Counter()], _crash_after_batches(10))
    _assert_same_run(reference, resumed)
    counter = resumed[2][0]
    assert counter.count == 16
    assert isinstance(counter.seen, np.ndarray) and counter.seen.dtype == np.int32
    np.testing.assert_array_equal(counter.seen, np.tile(np.arange(4), 4))


def test_a_changed_callback_list_is_a_value_error(data, tmp_path):
    backup_dir = tmp_path / "backup"
    model = make_model()
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(
            *data,
            batch_size=8,
            epochs=4,
            verbose=0,
            callbacks=[
                keras.callbacks.BackupAndRestore(backup_dir),
                keras.callbacks.EarlyStopping("loss"),
                _interrupting(2),
            ],
        )
    path = re.escape(str(backup_dir / "training_state.pt"))
    for changed in ([keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"))], []):
        model = make_model()
        with pytest.raises(ValueError, match=f"{path}.*0:EarlyStopping.*delete"):
            model.fit(
                *data,
                batch_size=8,
                epochs=4,
                verbose=0,
                callbacks=[keras.callbacks.BackupAndRestore(backup_dir), *changed],
            )
        assert int(model.optimizer.iterations) == 0
    # Callbacks without state (LambdaCallback, ProgbarLogger) may come and go.
    history = make_model().fit(
        *data,
        batch_size=8,
        epochs=4,
        verbose=1,
        callbacks=[
            keras.callbacks.BackupAndRestore(backup_dir),
            keras.callbacks.EarlyStopping("loss"),
            keras.callbacks.LambdaCallback(),
        ],
    )
    assert history.epoch == [0, 1, 2, 3]


class Opaque(keras.callbacks.Callback):
    def get_state(self):
        return {"handle": {"inner": object()}}


def test_a_callback_state_that_is_not_plain_data_is_a_value_error(data, tmp_path):
    with pytest.raises(ValueError, match=r"Opaque.*handle.*inner.*object"):
        make_model().fit(
            *data,
            batch_size=8,
            epochs=1,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(tmp_path / "backup"), Opaque()],
        )
    assert not os.path.exists(tmp_path / "backup" / "training_state.pt")
