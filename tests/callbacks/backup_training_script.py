"""A training run for the BackupAndRestore tests (not collected: no `test_` prefix).

Usage: python backup_training_script.py BACKUP_DIR OUT_PREFIX SAVE_FREQ KILL_AT

Trains a small MLP with dropout (torch's global stream and a seeded layer's own stream), shuffled data,
Adam and a metric, under BackupAndRestore. With KILL_AT > 0 the process SIGKILLs itself after that many
training batches (counted across epochs); otherwise it writes the final weights to OUT_PREFIX.npz and the
history to OUT_PREFIX.json. The test also calls `train` in its own process for the uninterrupted run.
"""

import json
import os
import signal
import sys

import numpy as np
import torch

import kerasish as keras


class KillAfter(keras.callbacks.Callback):
    def __init__(self, batches):
        super().__init__()
        self.remaining = batches

    def on_train_batch_end(self, batch, logs=None):
        self.remaining -= 1
        if self.remaining == 0:
            os.kill(os.getpid(), signal.SIGKILL)


def train(callbacks):
    """Returns the final weights and the History of the run."""
    keras.utils.set_random_seed(42)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 6)).astype("float32")
    y = (x @ rng.standard_normal((6, 1)) + 0.1).astype("float32")
    model = keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.25, seed=7),
            keras.layers.Dense(1),
        ]
    )
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=8, epochs=4, validation_split=0.2, callbacks=callbacks, verbose=0)
    return model.get_weights(), history


if __name__ == "__main__":
    backup_dir, out_prefix, save_freq, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(1)  # the test's own uninterrupted run uses one thread too: the same float sums
    callbacks = [
        keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq if save_freq == "epoch" else int(save_freq))
    ]
    if kill_at > 0:
        callbacks.append(KillAfter(kill_at))
    weights, history = train(callbacks)
    np.savez(out_prefix + ".npz", *weights)
    with open(out_prefix + ".json", "w") as f:
        json.dump({"epoch": history.epoch, "history": history.history}, f)
