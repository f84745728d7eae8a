"""Data-parallel training with `fit(distribute="ddp", devices=2)`: two processes, one model.

`fit` starts two processes (two GPUs on a machine that has them, with NCCL; two CPU processes with gloo
otherwise), wraps the model in `DistributedDataParallel`, splits each batch between them and averages their
gradients. When training ends, the trained weights, the optimizer's state and the History come back into the
model in this process, which then evaluates, saves, reloads and predicts as usual.

Callbacks run in every process; only rank 0 writes files (here, the CSV log). The data: four classes of points
around four centres in 16 dimensions.

On several machines, or to start the processes yourself, run the same script under torchrun and leave out
`distribute=`/`devices=` (see docs/distributed.md).

Run: python examples/distributed_training.py   (KERASISH_EXAMPLE_FAST=1 shrinks the data and the epochs)
"""

import csv
import os
import tempfile

import numpy as np
import torch

import kerasish as keras

FAST = os.environ.get("KERASISH_EXAMPLE_FAST") == "1"
keras.utils.set_random_seed(3)

# Two processes: on two GPUs when there are at least two, on the CPU when there is none. A machine with a single
# GPU runs one DDP process on it (`devices` cannot exceed the number of GPUs).
DEVICES = 1 if torch.cuda.device_count() == 1 else 2
WHERE = f"{DEVICES} GPU(s), NCCL" if torch.cuda.is_available() else f"{DEVICES} CPU processes, gloo"
CLASSES, FEATURES = 4, 16


def make_blobs(count: int, rng: np.random.Generator, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = rng.integers(0, CLASSES, size=count)
    points = centres[labels] + rng.normal(size=(count, FEATURES))
    return points.astype("float32"), labels


class ReportRank(keras.callbacks.Callback):
    """Runs in every process: says which rank it is, where it runs and how many batches it took."""

    def on_train_begin(self, logs=None):
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1

    def on_train_end(self, logs=None):
        rank, world = keras.distribute.rank(), keras.distribute.world_size()
        device = next(self.model.parameters()).device
        print(f"  rank {rank} of {world} on {device}: {self.batches} training steps", flush=True)


rng = np.random.default_rng(3)
centres = rng.normal(scale=0.75, size=(CLASSES, FEATURES))
x_train, y_train = make_blobs(512 if FAST else 4000, rng, centres)
x_test, y_test = make_blobs(128 if FAST else 1000, rng, centres)

model = keras.Sequential(
    [
        keras.Input((FEATURES,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(CLASSES, activation="softmax"),
    ],
    name="blob_classifier",
)
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])

# The CSV log and the saved model go to a temporary folder, deleted at the end of the block: give them paths of your
# own to keep them.
with tempfile.TemporaryDirectory(prefix="distributed_training-") as folder:
    log_path = os.path.join(folder, "log.csv")
    epochs = 2 if FAST else 4
    print(f"training on {WHERE}")
    # batch_size is the global batch: each process takes half of every batch of 64.
    history = model.fit(
        x_train,
        y_train,
        batch_size=64,
        epochs=epochs,
        validation_split=0.1,
        verbose=2,
        callbacks=[ReportRank(), keras.callbacks.CSVLogger(log_path)],
        distribute="ddp",
        devices=DEVICES,
    )

    # Back in this process: the model holds rank 0's trained weights, and `history` its History.
    print("History:", {key: [round(v, 4) for v in values] for key, values in history.history.items()})
    with open(log_path) as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == list(range(epochs)), "rank 0 writes one CSV row per epoch"
    # One optimizer step per global batch, whatever the number of processes.
    assert int(model.optimizer.iterations) == epochs * history.params["steps"]

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test loss {loss:.4f}, test accuracy {accuracy:.3f}")

    # Save the whole model and load it back: a DDP-trained model is an ordinary model.
    path = os.path.join(folder, "blob_classifier.keras")
    model.save(path)
    print(f"wrote the log to {log_path} and saved the model to {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    restored = keras.models.load_model(path)
    probabilities = restored.predict(x_test, verbose=0)
    np.testing.assert_allclose(probabilities, model.predict(x_test, verbose=0), atol=1e-6)
    predicted = probabilities.argmax(axis=1)
    print(f"predicted classes of the first 8 test points: {predicted[:8].tolist()}, true: {y_test[:8].tolist()}")
print(f"removed the temporary folder {folder}")

if not FAST:
    assert accuracy > 0.9, f"the classifier should learn this task (accuracy {accuracy:.3f})"
print(
    f"distributed_training OK: trained with DDP on {WHERE}; test accuracy {accuracy:.1%}; saved to .keras, "
    f"reloaded, predictions identical."
)
