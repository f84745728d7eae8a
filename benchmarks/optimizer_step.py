"""Per-step time of kerasish's optimizers against torch.optim (a report, not a test).

kerasish's optimizers implement Keras's update math with `torch._foreach_*` ops over the whole parameter list.
Two comparisons, each stepping the same parameters with the same gradients, interleaved in blocks so that
machine load hits both sides alike:

- small models against torch.optim's defaults (on the CPU those loop over parameters in Python);
- a 10M-parameter MLP against torch.optim's foreach implementations (`foreach=True`), the fair comparison for a
  model whose step is dominated by memory traffic. Goal: kerasish / torch <= 1.1.

Run: python benchmarks/optimizer_step.py [--threads N] [--device cpu|cuda] [--blocks N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from kerasish import optimizers

SMALL_OPTIMIZERS = [
    ("Adam", lambda params: torch.optim.Adam(params), lambda: optimizers.Adam()),
    (
        "SGD momentum=0.9",
        lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
        lambda: optimizers.SGD(momentum=0.9),
    ),
    ("RMSprop", lambda params: torch.optim.RMSprop(params), lambda: optimizers.RMSprop()),
]
SMALL_MODELS = [("MLP 784-256-256-10", [784, 256, 256, 10], 100), ("tiny 16-32-1", [16, 32, 1], 2000)]

# torch.optim's foreach implementations with the same hyperparameters as kerasish's (the epsilons and some
# formulas differ slightly, as Keras's do from torch's; the work per element is the same).
FOREACH_OPTIMIZERS = [
    ("SGD", lambda params: torch.optim.SGD(params, lr=0.01, foreach=True), lambda: optimizers.SGD(0.01)),
    (
        "SGD momentum=0.9",
        lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9, foreach=True),
        lambda: optimizers.SGD(0.01, momentum=0.9),
    ),
    ("Adam", lambda params: torch.optim.Adam(params, lr=1e-3, eps=1e-7, foreach=True), lambda: optimizers.Adam()),
    (
        "AdamW",
        lambda params: torch.optim.AdamW(params, lr=1e-3, eps=1e-7, weight_decay=0.004, foreach=True),
        lambda: optimizers.AdamW(),
    ),
    (
        "RMSprop",
        lambda params: torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7, foreach=True),
        lambda: optimizers.RMSprop(),
    ),
    (
        "Adagrad",
        lambda params: torch.optim.Adagrad(params, lr=1e-3, initial_accumulator_value=0.1, eps=1e-7, foreach=True),
        lambda: optimizers.Adagrad(),
    ),
]
LARGE_MODEL = ("MLP 1024-2048-2048-1024-10 (10.5M params)", [1024, 2048, 2048, 1024, 10])


def parameters_with_grads(sizes: list[int], device: str) -> list[torch.Tensor]:
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [
            torch.nn.Parameter(torch.randn(fan_out, fan_in, device=device) * 0.05),
            torch.nn.Parameter(torch.zeros(fan_out, device=device)),
        ]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-2
    return params


def step_functions(make_torch, make_kerasish, sizes, device):
    torch_params, kerasish_params = parameters_with_grads(sizes, device), parameters_with_grads(sizes, device)
    torch_step = make_torch(torch_params).step
    optimizer, grads = make_kerasish(), [p.grad for p in kerasish_params]
    return {"torch": torch_step, "kerasish": lambda: optimizer.apply(grads, kerasish_params)}


def time_steps(steps: dict, n: int, blocks: int, device: str) -> dict:
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    for step in steps.values():
        for _ in range(10):
            step()
    sync()
    times = {name: [] for name in steps}
    for _ in range(blocks):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(n):
                step()
            sync()
            times[name].append((time.perf_counter() - start) / n * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def report(model_name, sizes, optimizer_list, n, blocks, device) -> None:
    for name, make_torch, make_kerasish in optimizer_list:
        median = time_steps(step_functions(make_torch, make_kerasish, sizes, device), n, blocks, device)
        print(
            f"| {model_name} | {name} | {median['torch']:.1f} | {median['kerasish']:.1f} | "
            f"{median['kerasish'] / median['torch']:.2f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--blocks", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    where = torch.cuda.get_device_name() if args.device.startswith("cuda") else f"CPU, {args.threads} threads"
    print(f"torch {torch.__version__}, {where}; median µs per step of {args.blocks} interleaved blocks\n")
    print("| model | optimizer | torch.optim (µs) | kerasish (µs) | ratio |")
    print("|---|---|---|---|---|")
    large_steps = 200 if args.device.startswith("cuda") else 5
    report(
        LARGE_MODEL[0] + ", torch foreach=True",
        LARGE_MODEL[1],
        FOREACH_OPTIMIZERS,
        large_steps,
        args.blocks,
        args.device,
    )
    for model_name, sizes, n in SMALL_MODELS:
        report(model_name + ", torch default", sizes, SMALL_OPTIMIZERS, n, args.blocks, args.device)


if __name__ == "__main__":
    main()
