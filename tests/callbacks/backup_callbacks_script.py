"""A training run with stateful callbacks for the BackupAndRestore tests (not collected: no `test_` prefix).

Usage: python backup_callbacks_script.py FOLDER KILL_AT

Trains a small MLP with dropout under BackupAndRestore (a backup every 3 batches), ModelCheckpoint
(`save_best_only`), EarlyStopping (`patience=3`, `restore_best_weights`), ReduceLROnPlateau and CSVLogger, all
writing into FOLDER. `CheckpointWrites` appends to FOLDER/writes.jsonl each time the best checkpoint is
rewritten. With KILL_AT > 0 the process SIGKILLs itself at the KILL_AT-th moment counted in this process, where
moments are the ends of training batches, the ends of epochs (after every callback above, before the backup) and
the end of training (before the backup is deleted). A run that gets to the end writes its results to
FOLDER/result.json and FOLDER/weights.npz. The test calls `train` in its own process for the uninterrupted run.
"""

import json
import os
import signal
import sys

import numpy as np
import torch

import kerasish as keras

EPOCHS = 40


class KillAt(keras.callbacks.Callback):
    def __init__(self, moment):
        super().__init__()
        self.remaining = moment

    def _tick(self):
        self.remaining -= 1
        if self.remaining == 0:
            os.kill(os.getpid(), signal.SIGKILL)

    def on_train_batch_end(self, batch, logs=None):
        self._tick()

    def on_epoch_end(self, epoch, logs=None):
        self._tick()

    def on_train_end(self, logs=None):
        self._tick()


class CheckpointWrites(keras.callbacks.Callback):
    """Records each epoch that (re)wrote the checkpoint, with the monitored value, across processes."""

    def __init__(self, checkpoint, log):
        super().__init__()
        self.checkpoint, self.log = checkpoint, log
        self.seen = None

    def _stat(self):
        if not os.path.exists(self.checkpoint):
            return None
        stat = os.stat(self.checkpoint)
        return stat.st_ino, stat.st_mtime_ns

    def on_train_begin(self, logs=None):
        self.seen = self._stat()

    def on_epoch_end(self, epoch, logs=None):
        stat = self._stat()
        if stat != self.seen:
            self.seen = stat
            with open(self.log, "a") as f:
                f.write(json.dumps({"epoch": epoch, "val_loss": logs["val_loss"]}) + "\n")


def train(folder, extra_callbacks=()):
    """Returns the model, its History and the EarlyStopping callback of the run."""
    keras.utils.set_random_seed(42)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 6)).astype("float32")
    y = (x @ rng.standard_normal((6, 1)) + 0.3 * rng.standard_normal((40, 1))).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.3, seed=7),
            keras.layers.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adam(0.02), "mse", metrics=["mae"])
    checkpoint = os.path.join(folder, "best.weights.h5")
    early_stopping = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
    callbacks = [
        keras.callbacks.BackupAndRestore(os.path.join(folder, "backup"), save_freq=3),
        keras.callbacks.ModelCheckpoint(checkpoint, save_best_only=True, save_weights_only=True),
        CheckpointWrites(checkpoint, os.path.join(folder, "writes.jsonl")),
        early_stopping,
        keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1),
        keras.callbacks.CSVLogger(os.path.join(folder, "log.csv")),
        *extra_callbacks,
    ]
    history = model.fit(x, y, batch_size=8, epochs=EPOCHS, validation_split=0.2, callbacks=callbacks, verbose=0)
    return model, history, early_stopping


if __name__ == "__main__":
    folder, kill_at = sys.argv[1], int(sys.argv[2])
    torch.set_num_threads(1)  # the test's own uninterrupted run uses one thread too: the same float sums
    model, history, early_stopping = train(folder, [KillAt(kill_at)] if kill_at > 0 else [])
    np.savez(os.path.join(folder, "weights.npz"), *model.get_weights())
    with open(os.path.join(folder, "result.json"), "w") as f:
        json.dump(
            {
                "epoch": history.epoch,
                "history": history.history,
                "learning_rate": float(model.optimizer.learning_rate),
                "stopped_epoch": early_stopping.stopped_epoch,
                "best_epoch": early_stopping.best_epoch,
            },
            f,
        )
