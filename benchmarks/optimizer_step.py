"""Per-step time of kerasish's optimizers against torch.optim's defaults on the CPU (a report, not a test).

kerasish's optimizers implement Keras's update math with `torch._foreach_*` ops over the whole parameter list;
torch.optim's CPU default loops over parameters in Python. Both step the same parameters with the same gradients,
interleaved in blocks so that machine load hits both sides alike.

Run: python benchmarks/optimizer_step.py [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from kerasish import optimizers

OPTIMIZERS = [
    ("Adam", lambda params: torch.optim.Adam(params), lambda: optimizers.Adam()),
    ("SGD momentum=0.9", lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9),
     lambda: optimizers.SGD(momentum=0.9)),
    ("RMSprop", lambda params: torch.optim.RMSprop(params), lambda: optimizers.RMSprop()),
]
MODELS = [("MLP 784-256-256-10", [784, 256, 256, 10], 100), ("tiny 16-32-1", [16, 32, 1], 2000)]


def parameters_with_grads(sizes: list[int]) -> list[torch.Tensor]:
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [torch.nn.Parameter(torch.randn(fan_out, fan_in) * 0.05), torch.nn.Parameter(torch.zeros(fan_out))]
    for p in params:
        p.grad = torch.randn_like(p) * 1e-2
    return params


def step_functions(make_torch, make_kerasish, sizes):
    torch_params, kerasish_params = parameters_with_grads(sizes), parameters_with_grads(sizes)
    torch_step = make_torch(torch_params).step
    optimizer, grads = make_kerasish(), [p.grad for p in kerasish_params]
    return {"torch": torch_step, "kerasish": lambda: optimizer.apply(grads, kerasish_params)}


def time_steps(steps: dict, n: int, blocks: int = 15) -> dict:
    for step in steps.values():
        for _ in range(30):
            step()
    times = {name: [] for name in steps}
    for _ in range(blocks):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(n):
                step()
            times[name].append((time.perf_counter() - start) / n * 1e6)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, CPU, {args.threads} threads; median µs per step of 15 interleaved blocks\n")
    print("| model | optimizer | torch.optim (µs) | kerasish (µs) | ratio |")
    print("|---|---|---|---|---|")
    for model_name, sizes, n in MODELS:
        for name, make_torch, make_kerasish in OPTIMIZERS:
            median = time_steps(step_functions(make_torch, make_kerasish, sizes), n)
            print(f"| {model_name} | {name} | {median['torch']:.1f} | {median['kerasish']:.1f} | "
                  f"{median['kerasish'] / median['torch']:.2f} |")


if __name__ == "__main__":
    main()
