"""Mixed precision in `fit` against float32, on the current device: epoch time of an MLP and a small CNN.

Usage:
    .venv/bin/python benchmarks/mixed_precision.py --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import kerasish as keras
from kerasish import mixed_precision

BATCH = 1024


def build(kind: str):
    L = keras.layers
    if kind == "mlp":
        layers = [
            keras.Input((2048,)),
            L.Dense(8192, activation="relu"),
            L.Dense(8192, activation="relu"),
            L.Dense(10),
            L.Activation("linear", dtype="float32"),
        ]
    else:
        layers = [
            keras.Input((64, 64, 3)),
            L.Conv2D(64, 3, activation="relu"),
            L.Conv2D(128, 3, strides=2, activation="relu"),
            L.Conv2D(256, 3, strides=2, activation="relu"),
            L.GlobalAveragePooling2D(),
            L.Dense(10),
            L.Activation("linear", dtype="float32"),
        ]
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def epoch_seconds(kind: str, policy: str, repeats: int) -> float:
    mixed_precision.set_global_policy(policy)
    try:
        model = build(kind)
    finally:
        mixed_precision.set_global_policy(None)
    rng = np.random.default_rng(0)
    shape = (2048,) if kind == "mlp" else (64, 64, 3)
    x = rng.standard_normal((16384, *shape), dtype=np.float32)
    y = rng.integers(0, 10, 16384)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # warm-up: build, kernels, allocator
    times = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workloads", default="mlp,cnn")
    args = parser.parse_args()
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    print(f"torch {torch.__version__}, {device}\n")
    print("| workload | float32 (s/epoch) | mixed_bfloat16 | mixed_float16 | speed-up bf16 | speed-up fp16 |")
    print("|---|---|---|---|---|---|")
    for kind in args.workloads.split(","):
        base = epoch_seconds(kind, "float32", args.repeats)
        bf16 = epoch_seconds(kind, "mixed_bfloat16", args.repeats)
        fp16 = epoch_seconds(kind, "mixed_float16", args.repeats) if torch.cuda.is_available() else float("nan")
        print(f"| {kind} | {base:.3f} | {bf16:.3f} | {fp16:.3f} | {base / bf16:.2f}x | {base / fp16:.2f}x |")


if __name__ == "__main__":
    main()
