"""Peak memory of `fit` against the same training written by hand in PyTorch (goal: kerasish <= 1.05x).

Each side runs in a fresh process: it builds the model and the data, resets the kernel's peak-RSS mark
(`/proc/self/clear_refs`, Linux) and trains two epochs. What is reported is the peak resident memory over those
epochs above the resident memory just before them: the gradients, the optimizer's slots and temporaries, the
activations and batch copies that training adds on top of the data and the code (which both sides hold before).
(Measured from the start of training rather than of the second epoch: the C allocator keeps freed blocks resident,
so a second epoch's peak above its start says more about the allocator than about the program.) For
`jit_compile=True` the compiler's own memory counts too. On CUDA, `torch.cuda.max_memory_allocated` is read
instead.

    .venv/bin/python benchmarks/fit_memory.py [--workloads mlp,cnn] [--repeats 3]

Sides: the hand-written loop (`torch.optim.Adam`, its default implementation), kerasish eager (`jit_compile=False`),
kerasish with the compiled whole step (`jit_compile=True`), and the same after another model of the same
architecture was compiled and trained in the process ("warm": the compiler's one-time memory, its modules and
caches, is then outside the measurement; this model's own tracing and compile are inside).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

SIDE = r"""
import ctypes, gc, json, sys, time
import numpy as np
import torch

side, workload = sys.argv[1], sys.argv[2]
torch.manual_seed(0)
rng = np.random.default_rng(0)
cuda = torch.cuda.is_available()
device = "cuda" if cuda else "cpu"
if workload == "mlp":
    rows, batch, shape, classes = 8192, 512, (784,), 10
else:
    rows, batch, shape, classes = 2048, 64, (64, 64, 3), 10
x = rng.standard_normal((rows, *shape), dtype=np.float32)
y = rng.integers(0, classes, rows)


def rss_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])


if side == "torch":
    if workload == "mlp":
        net = torch.nn.Sequential(torch.nn.Linear(784, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 2048),
                                  torch.nn.ReLU(), torch.nn.Linear(2048, classes))
        xt = torch.from_numpy(x).to(device)
    else:
        net = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                  torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                  torch.nn.Flatten(), torch.nn.Linear(64 * 14 * 14, classes))
        net = net.to(memory_format=torch.channels_last)
        xt = torch.from_numpy(x).permute(0, 3, 1, 2).to(device)
    net = net.to(device)
    yt = torch.from_numpy(y).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

    def epoch():
        order = torch.randperm(rows, device=device)
        for i in range(0, rows, batch):
            index = order[i : i + batch]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[index]), yt[index]).backward()
            optimizer.step()
else:
    import kerasish as keras

    if workload == "mlp":
        layers = [keras.Input(shape), keras.layers.Dense(2048, activation="relu"),
                  keras.layers.Dense(2048, activation="relu"), keras.layers.Dense(classes)]
    else:
        layers = [keras.Input(shape), keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(),
                  keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(),
                  keras.layers.Flatten(), keras.layers.Dense(classes)]
    def make_model():
        model = keras.Sequential([keras.Input(shape)] + [keras.layers.deserialize(keras.layers.serialize(layer))
                                                         for layer in layers[1:]])
        model.compile(keras.optimizers.Adam(1e-3), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      jit_compile=side.startswith("kerasish_compiled"))
        return model

    if side == "kerasish_compiled_warm":
        # The compiler's one-time cost (its modules, its caches) paid by another model of the same architecture
        # first, as in a process that has compiled before; this model's own trace and compile still count.
        make_model().fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0)
    model = make_model()

    def epoch():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=True)

if cuda:
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
else:
    # Memory freed before training goes back to the OS (glibc keeps it resident otherwise), so that no side trains
    # in pages another allocation left behind (the warm side's warm-up model).
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM to the current RSS
    before = rss_kb("VmRSS") * 1024
epoch()  # the first epoch builds, compiles and creates the optimizer's slots; its memory counts too
start = time.perf_counter()
epoch()
seconds = time.perf_counter() - start
if cuda:
    torch.cuda.synchronize()
peak = torch.cuda.max_memory_allocated() if cuda else rss_kb("VmHWM") * 1024
print(json.dumps({"added_mb": (peak - before) / 2**20, "before_mb": before / 2**20, "seconds": seconds}))
"""

SIDES = ("torch", "kerasish", "kerasish_compiled", "kerasish_compiled_warm")


def _measure(side: str, workload: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SIDE, side, workload], capture_output=True, text=True, check=False, timeout=1800
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{side} {workload} failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", default="mlp,cnn")
    parser.add_argument("--repeats", type=int, default=3, help="processes per side (median is kept)")
    args = parser.parse_args()
    print("| workload | side | memory before training (MB) | peak added by training (MB) | ratio to torch | goal |")
    print("|---|---|---|---|---|---|")
    for workload in args.workloads.split(","):
        results = {side: [] for side in SIDES}
        for _ in range(args.repeats):  # interleaved, so load hits every side alike
            for side in SIDES:
                results[side].append(_measure(side, workload))
        torch_added = statistics.median(r["added_mb"] for r in results["torch"])
        for side in SIDES:
            added = statistics.median(r["added_mb"] for r in results[side])
            before = statistics.median(r["before_mb"] for r in results[side])
            ratio = added / torch_added if torch_added > 0 else float("nan")
            goal = "" if side == "torch" else ("<= 1.05 PASS" if ratio <= 1.05 else "<= 1.05 MISS")
            print(f"| {workload} | {side} | {before:.1f} | {added:.1f} | {ratio:.2f} | {goal} |")


if __name__ == "__main__":
    main()
