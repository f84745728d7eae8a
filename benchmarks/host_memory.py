"""Page faults of CPU training: kerasish `fit` (which keeps freed host memory between steps, trainers/host_memory.py)
against the same training written by hand in PyTorch, each in its own process so that glibc's malloc keeps its
defaults on the torch side.

The model is the image-folder benchmark's small CNN (Rescaling, Conv2D 16 stride 2, MaxPooling, Conv2D 32,
GlobalAveragePooling, Dense 2) on 320 in-memory 180x180 RGB images, batch 32, Adam; one warm-up epoch, then
`--epochs` timed in one `fit` call (one pass of the loop by hand). Printed: images/s and minor page faults per step,
median of `--repeats` process pairs (interleaved). The script is a report: it always exits 0.

    .venv/bin/python benchmarks/host_memory.py [--repeats 3] [--epochs 6]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

SIDE = r"""
import json, resource, sys, time
import numpy as np
import torch

side, epochs = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(2)
rng = np.random.default_rng(0)
x = (rng.random((320, 180, 180, 3)) * 255).astype("float32")
y = rng.integers(0, 2, 320)
steps = epochs * 10
if side == "torch":
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 3, stride=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Conv2d(16, 32, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(32, 2)).to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(y)

    def train(epochs):
        for _ in range(epochs):
            order = torch.randperm(320)
            for i in range(0, 320, 32):
                index = order[i : i + 32]
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(net(xt[index] / 255), yt[index])
                loss.backward()
                optimizer.step()
else:
    import kerasish as keras

    model = keras.Sequential([
        keras.Input((180, 180, 3)), keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(16, 3, strides=2, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2),
    ])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def train(epochs):
        model.fit(x, y, batch_size=32, epochs=epochs, verbose=0)

train(1)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
start = time.perf_counter()
train(epochs)
seconds = time.perf_counter() - start
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
print(json.dumps({"images_per_s": 320 * epochs / seconds, "faults_per_step": faults / steps}))
"""


def _run(side: str, epochs: int) -> dict:
    done = subprocess.run([sys.executable, "-c", SIDE, side, str(epochs)], capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        print(f"{side} failed:\n{done.stderr[-2000:]}")
        return {}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    results = {"torch": [], "kerasish": []}
    for _ in range(args.repeats):
        for side in results:
            result = _run(side, args.epochs)
            if result:
                results[side].append(result)
    print("| side | images/s | minor page faults per step |")
    print("|---|---|---|")
    for side, runs in results.items():
        if runs:
            rate = statistics.median(r["images_per_s"] for r in runs)
            faults = statistics.median(r["faults_per_step"] for r in runs)
            print(f"| {side} | {rate:.0f} | {faults:.0f} |")


if __name__ == "__main__":
    main()
