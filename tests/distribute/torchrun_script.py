"""Run by test_torchrun.py under torchrun (one node with two processes, or two nodes with one each): plain `fit`,
no distribute argument. Each rank writes its final weights, logged loss and predictions to <out>/rank<r>.npz; run
without torchrun, the single process writes <out>/single.npz, the reference a distributed run must match.

Usage: torchrun_script.py OUT [shuffled|ordered]
"""

import os
import sys

import numpy as np

import kerasish as keras

out = sys.argv[1]
shuffle = (sys.argv[2] if len(sys.argv) > 2 else "shuffled") == "shuffled"
rng = np.random.RandomState(0)
x = rng.rand(64, 4).astype("float32")
y = x.sum(axis=1, keepdims=True)
keras.utils.set_random_seed(1)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
history = model.fit(x, y, batch_size=16, epochs=2, shuffle=shuffle, verbose=0)
predictions = model.predict(x, batch_size=16, verbose=0)
name = f"rank{os.environ['RANK']}" if "RANK" in os.environ else "single"
np.savez(
    os.path.join(out, f"{name}.npz"),
    *model.get_weights(),
    loss=np.array(history.history["loss"]),
    predictions=predictions,
)
