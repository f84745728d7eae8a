"""Per-step time of kerasish optimizers vs torch.optim (CPU). Not a test: run `python tests/optimizers/bench_against_torch.py [threads]`."""

import pathlib
import statistics
import sys
import time

import torch
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from kerasish import optimizers
threads = int(sys.argv[1]) if len(sys.argv) > 1 else torch.get_num_threads()
torch.set_num_threads(threads)

def model(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])

def make_step(label, make, sizes):
    m = model(sizes)
    params = list(m.parameters())
    for p in params: p.grad = torch.randn_like(p) * 1e-2
    opt = make(params)
    if label.startswith("torch"):
        return opt.step
    grads = [p.grad for p in params]
    return lambda: opt.apply(grads, params)

PAIRS = [
    ("Adam", lambda ps: torch.optim.Adam(ps), lambda ps: optimizers.Adam()),
    ("SGD momentum=0.9", lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9), lambda ps: optimizers.SGD(momentum=0.9)),
    ("RMSprop", lambda ps: torch.optim.RMSprop(ps), lambda ps: optimizers.RMSprop()),
]
torch.manual_seed(0)
for name, sizes, n in [("MLP 784-256-256-10", [784, 256, 256, 10], 100), ("tiny 16-32-1", [16, 32, 1], 2000)]:
    print(f"{name} (CPU, {threads} threads): us/step, min / median of 15 interleaved blocks of {n} steps")
    for opt_name, make_torch, make_ours in PAIRS:
        steps = {"torch": make_step("torch", make_torch, sizes), "kerasish": make_step("ours", make_ours, sizes)}
        times = {k: [] for k in steps}
        for k, s in steps.items():
            for _ in range(30): s()
        for _ in range(15):
            for k, s in steps.items():
                t = time.perf_counter()
                for _ in range(n): s()
                times[k].append((time.perf_counter() - t) / n * 1e6)
        row = "  ".join(f"{k}: {min(v):8.1f} / {statistics.median(v):8.1f}" for k, v in times.items())
        print(f"  {opt_name:18s} {row}")
