"""Parallel data loading in `fit`: a PyDataset whose batches take 50 ms to load (I/O-like) feeding a small MLP.

The floor for an epoch is max(model-only time, batches x 50 ms / workers). The table gives each configuration's
epoch time and its ratio to that floor (goal: workers=4 within 1.1x). The first epoch (which starts worker
processes) is not timed; the median of the following epochs is.

Usage:
    .venv/bin/python benchmarks/data_loading.py --batches 40 --sleep 0.05 --epochs 4
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import kerasish as keras


class SlowBatches(keras.utils.PyDataset):
    def __init__(self, batches: int, sleep: float, **kwargs):
        super().__init__(**kwargs)
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((batches, 64, 32), dtype=np.float32)
        self.y = self.x.sum(axis=2, keepdims=True) * 0.1
        self.sleep = sleep

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        time.sleep(self.sleep)
        return self.x[index], self.y[index]


class Timer(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)


def epoch_time(dataset, epochs: int) -> float:
    model = keras.Sequential(
        [
            keras.Input((32,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    timer = Timer()
    model.fit(dataset, epochs=epochs, verbose=0, shuffle=False, callbacks=[timer])
    return statistics.median(timer.times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--sleep", type=float, default=0.05)
    parser.add_argument("--epochs", type=int, default=4)
    args = parser.parse_args()
    model_only = epoch_time(SlowBatches(args.batches, 0.0), args.epochs)
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, {args.batches} batches x "
        f"{args.sleep * 1000:.0f} ms; model-only epoch {model_only:.3f} s\n"
    )
    print("| loading | epoch (s) | floor (s) | ratio to floor | goal |")
    print("|---|---|---|---|---|")
    for label, workers, processes in [
        ("serial (workers=1)", 1, False),
        ("4 threads", 4, False),
        ("4 processes", 4, True),
    ]:
        seconds = epoch_time(
            SlowBatches(args.batches, args.sleep, workers=workers, use_multiprocessing=processes), args.epochs
        )
        floor = max(model_only, args.batches * args.sleep / workers)
        goal = "<= 1.10" if workers == 4 else ""
        print(f"| {label} | {seconds:.3f} | {floor:.3f} | {seconds / floor:.2f} | {goal} |")


if __name__ == "__main__":
    main()
