"""Resuming after an interruption with `BackupAndRestore`: a killed training run picks up where it stopped.

The script plays three runs of the same training (a classifier with dropout, shuffled data, Adam):

1. a training process that backs up its state every few batches and is killed with SIGKILL in the middle of an
   epoch, as a pre-empted cloud machine or an out-of-memory killer would kill it: no exception, no clean-up;
2. the same command again: `BackupAndRestore` finds the backup and training goes on from the batch it reached;
3. here, a run that is never interrupted.

The resumed run ends with exactly the weights of the uninterrupted one, bit for bit: the backup holds the
weights, the optimizer's state, the epoch and batch reached, the running metrics and every random generator's
state, so the rest of the run draws the same shuffles and dropout masks. A `CSVLogger(append=True)` keeps one log
across the restart.

Run: python examples/resume_training.py   (KERASISH_EXAMPLE_FAST=1 shrinks the data and the epochs)
"""

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile

import numpy as np
import torch

import kerasish as keras

FAST = os.environ.get("KERASISH_EXAMPLE_FAST") == "1"
SAMPLES, BATCH_SIZE, EPOCHS = (320, 32, 3) if FAST else (2500, 50, 5)
STEPS_PER_EPOCH = int(SAMPLES * 0.8) // BATCH_SIZE  # 20% of the samples are held out for validation
BACKUP_EVERY = 3 if FAST else 25  # batches, counted across epochs
# Killed a few batches after a backup, in the middle of epoch 1 (fast) or 2: the batches after that backup are lost.
KILL_AFTER = STEPS_PER_EPOCH + 5 if FAST else 2 * STEPS_PER_EPOCH + 30

# One thread in every process: the same float sums everywhere, so the final weights can be compared bit for bit.
torch.set_num_threads(1)


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """Points in 10 dimensions; the label says on which side of a curved surface they lie."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, 10)).astype("float32")
    y = (x[:, 0] - x[:, 1] + 0.5 * x[:, 2] ** 2 > 0.5).astype("float32")
    return x, y


def train(callbacks: list) -> tuple[keras.Model, keras.callbacks.History]:
    """The training script: the same seed, model and `fit` in every run (what a resumed run must repeat)."""
    keras.utils.set_random_seed(1234)
    x, y = make_data()
    model = keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dropout(0.2),  # draws from torch's global generator
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dropout(0.2, seed=7),  # draws from its own seeded generator
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="classifier",
    )
    model.compile(optimizer=keras.optimizers.Adam(0.005), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, validation_split=0.2, verbose=0, callbacks=callbacks
    )
    return model, history


class KillAfter(keras.callbacks.Callback):
    """Stands in for a crash: the process kills itself, with no chance to clean up, after `count` batches."""

    def __init__(self, count: int):
        super().__init__()
        self.count = count

    def on_train_batch_end(self, batch, logs=None):
        self.count -= 1
        if self.count == 0:
            print(f"killing the training process after batch {batch + 1} of epoch {self.epoch}", flush=True)
            if hasattr(signal, "SIGKILL"):
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(137)  # Windows has no SIGKILL; this exit skips every clean-up too

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch


class FirstBatch(keras.callbacks.Callback):
    """Records where training starts: after a resume, the first batch trained is not batch 0 of epoch 0."""

    def __init__(self):
        super().__init__()
        self.start = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.start is None:
            self.start = (self.epoch, batch)


def worker(folder: str, kill: bool) -> None:
    """One training process: the script as a user would run it, with a backup and a CSV log in `folder`."""
    first_batch = FirstBatch()
    callbacks = [
        keras.callbacks.BackupAndRestore(os.path.join(folder, "backup"), save_freq=BACKUP_EVERY),
        keras.callbacks.CSVLogger(os.path.join(folder, "log.csv"), append=True),
        first_batch,
    ]
    if kill:
        callbacks.append(KillAfter(KILL_AFTER))
    model, history = train(callbacks)
    np.savez(os.path.join(folder, "weights.npz"), *model.get_weights())
    with open(os.path.join(folder, "run.json"), "w") as f:
        json.dump({"start": first_batch.start, "epoch": history.epoch, "history": history.history}, f)


def run_worker(folder: str, kill: bool) -> subprocess.CompletedProcess:
    command = [sys.executable, os.path.abspath(__file__), "--worker", folder] + (["--kill"] if kill else [])
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def main(folder: str) -> None:
    backup_file = os.path.join(folder, "backup", "training_state.pt")

    # 1. Train, and die in the middle of an epoch.
    killed = run_worker(folder, kill=True)
    print(killed.stdout.strip())
    assert killed.returncode != 0, f"the first run should have been killed:\n{killed.stderr}"
    assert os.path.exists(backup_file), "the killed run should have left a backup"
    print(
        f"run 1 died (exit status {killed.returncode}); it left {backup_file} "
        f"({os.path.getsize(backup_file) / 1024:.0f} KiB)"
    )

    # 2. The same command again: it finds the backup and resumes.
    resumed = run_worker(folder, kill=False)
    assert resumed.returncode == 0, resumed.stderr
    with open(os.path.join(folder, "run.json")) as f:
        run = json.load(f)
    epoch, batch = run["start"]
    print(
        f"run 2 resumed at epoch {epoch}, batch {batch + 1} (the batch after the last backup) and trained epochs "
        f"{run['epoch']}"
    )
    assert batch > 0, "the resumed run should start in the middle of an epoch"
    assert run["epoch"] == list(range(EPOCHS)), "the resumed run's History should hold the whole run"
    assert not os.path.exists(os.path.join(folder, "backup")), "the backup is deleted once training completes"

    # 3. The reference: the same training, never interrupted.
    reference, reference_history = train([])
    with np.load(os.path.join(folder, "weights.npz")) as f:
        resumed_weights = [f[f"arr_{i}"] for i in range(len(f.files))]
    for got, expected in zip(resumed_weights, reference.get_weights(), strict=True):
        np.testing.assert_array_equal(got, expected)
    # The resumed epochs log what the uninterrupted run logged, the interrupted epoch included: its running metrics
    # came back with the backup.
    for key, values in reference_history.history.items():
        np.testing.assert_allclose(run["history"][key], values, rtol=1e-6, err_msg=key)

    # One CSV log across the restart: the killed run wrote the epochs it finished, the resumed run the rest.
    with open(os.path.join(folder, "log.csv")) as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == list(range(EPOCHS)), rows
    for row in rows:
        print(f"  epoch {row['epoch']}: loss {float(row['loss']):.4f}, val_accuracy {float(row['val_accuracy']):.3f}")
    accuracy = reference_history.history["val_accuracy"][-1]
    if not FAST:
        assert accuracy > 0.9, f"the classifier should learn this task (validation accuracy {accuracy:.3f})"
    print(
        f"resume_training OK: killed mid-epoch {epoch}, resumed at batch {batch + 1}; final weights identical to an "
        f"uninterrupted run ({len(resumed_weights)} arrays, bit for bit); validation accuracy {accuracy:.1%}."
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2], kill="--kill" in sys.argv)
    else:
        # The runs keep their backup, log and weights in a temporary folder, deleted when the script ends.
        with tempfile.TemporaryDirectory(prefix="resume_training-") as folder:
            print(f"the training runs write their backup, CSV log and weights to {folder}")
            main(folder)
        print(f"removed the temporary folder {folder}")
