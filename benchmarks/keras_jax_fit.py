"""Keras 3 on its JAX backend (XLA) training and predicting fit_overhead.py's workloads: the benchmark's Keras-JAX
column.

Runs in its own environment with `keras` and `jax[cpu]` (never kerasish's: fit_overhead.py starts it as a
subprocess when `/tmp/kjax/bin/python` or `$KERAS_JAX_PYTHON` exists) and prints one JSON object: median seconds
of a one-epoch `fit` and of a `predict` per workload, after a warm-up run that pays XLA's compiles.

Usage:
    KERAS_BACKEND=jax /tmp/kjax/bin/python benchmarks/keras_jax_fit.py --workloads tiny,mlp,cnn --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

# The same data and architectures as fit_overhead.py's WORKLOADS (rows, batch size, data, layers, loss, predict).


def _regression_data(rng, rows):
    x = rng.standard_normal((rows, 16), dtype=np.float32)
    return x, (x.sum(axis=1, keepdims=True) * 0.1).astype(np.float32)


def _class_data(shape):
    def make(rng, rows):
        return rng.standard_normal((rows, *shape), dtype=np.float32), rng.integers(0, 10, rows)

    return make


def _tiny():
    return [keras.Input((16,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)]


def _mlp():
    return [
        keras.Input((784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(10),
    ]


def _cnn():
    L = keras.layers
    return [
        keras.Input((28, 28, 1)),
        L.Conv2D(32, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.Conv2D(64, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.Flatten(),
        L.Dense(10),
    ]


def _logits():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


WORKLOADS = {
    "tiny": (16_384, 32, _regression_data, _tiny, lambda: "mse", True),
    "mlp": (32_768, 128, _class_data((784,)), _mlp, _logits, True),
    "cnn": (4_096, 64, _class_data((28, 28, 1)), _cnn, _logits, False),
}


def measure(name: str, repeats: int) -> dict[str, float]:
    rows, batch_size, make_data, layers, loss, predict = WORKLOADS[name]
    x, y = make_data(np.random.default_rng(0), rows)
    model = keras.Sequential(layers())
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss())

    def fit():
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0, shuffle=True)

    def run_predict():
        model.predict(x, batch_size=batch_size, verbose=0)

    fit()  # warm-up: XLA compiles the train step (and the partial last batch's)
    if predict:
        run_predict()
    times: dict[str, list[float]] = {"fit": [], "predict": []}
    for _ in range(repeats):
        start = time.perf_counter()
        fit()
        times["fit"].append(time.perf_counter() - start)
        if predict:
            start = time.perf_counter()
            run_predict()
            times["predict"].append(time.perf_counter() - start)
    return {kind: statistics.median(values) for kind, values in times.items() if values}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="tiny,mlp,cnn")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    results = {name: measure(name, args.repeats) for name in args.workloads.split(",") if name in WORKLOADS}
    print(json.dumps({"keras": keras.__version__, "backend": keras.backend.backend(), "results": results}))


if __name__ == "__main__":
    main()
