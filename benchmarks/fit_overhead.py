"""Times kerasish `fit`/`predict` against the same training written by hand in PyTorch, and against Keras 3 on JAX.

The sides train the same architecture on the same data: the hand-written torch loop, kerasish as compiled by
default (`jit_compile="auto"`) and with `jit_compile=True` (the compiled step; its compile is paid in the warm-up).
Their runs are interleaved (torch, kerasish, kerasish compiled, torch, ...) and each side keeps its median, so
machine noise lands on all. Keras 3 on its JAX backend (XLA) is a column when an environment with `keras` and
`jax[cpu]` exists (`$KERAS_JAX_PYTHON`, else /tmp/kjax/bin/python): benchmarks/keras_jax_fit.py runs there as a
subprocess, after the others (not interleaved), and is skipped with a message otherwise. The script is a report:
it always exits 0.

Usage:
    .venv/bin/python benchmarks/fit_overhead.py --repeats 5 --workloads tiny,mlp,cnn --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

import kerasish as keras

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class Workload:
    rows: int
    batch_size: int
    make_data: Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]
    keras_layers: Callable[[], list]
    keras_loss: Callable[[], object]  # called late: kerasish may still be growing
    torch_model: Callable[[], nn.Module]
    torch_loss: nn.Module
    fit_goal: float
    predict: bool  # whether the predict columns are measured
    # Keras data is channels-last; the hand-written loop gets torch's own layout, as a torch user would.
    to_torch_layout: Callable[[torch.Tensor], torch.Tensor] = lambda x: x


def _regression_data(rng, rows):
    x = rng.standard_normal((rows, 16), dtype=np.float32)
    return x, (x.sum(axis=1, keepdims=True) * 0.1).astype(np.float32)


def _class_data(shape):
    def make(rng, rows):
        return rng.standard_normal((rows, *shape), dtype=np.float32), rng.integers(0, 10, rows)

    return make


def _logits_crossentropy():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _cnn_keras_layers():
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


WORKLOADS = {
    "tiny": Workload(
        16_384,
        32,
        _regression_data,
        lambda: [keras.Input((16,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)],
        lambda: "mse",
        lambda: nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 1)),
        nn.MSELoss(),
        fit_goal=1.10,
        predict=True,
    ),
    "mlp": Workload(
        32_768,
        128,
        _class_data((784,)),
        lambda: [
            keras.Input((784,)),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(10),
        ],
        _logits_crossentropy,
        lambda: nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)),
        nn.CrossEntropyLoss(),
        fit_goal=1.05,
        predict=True,
    ),
    "cnn": Workload(
        4_096,
        64,
        _class_data((28, 28, 1)),
        _cnn_keras_layers,
        _logits_crossentropy,
        lambda: nn.Sequential(
            nn.Conv2d(1, 32, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64 * 5 * 5, 10),
        ),
        nn.CrossEntropyLoss(),
        fit_goal=1.05,
        predict=False,
        to_torch_layout=lambda x: x.permute(0, 3, 1, 2).contiguous(),
    ),
}
PREDICT_GOAL = 1.00  # issue 20: predict on small models under the hand loop


def _timed(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes, with the device drained before both clock reads."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def torch_side(w: Workload, x: np.ndarray, y: np.ndarray):
    """The hand-written loop: returns (one-epoch fit, predict) closures."""
    xt, yt = w.to_torch_layout(torch.from_numpy(x)), torch.from_numpy(y)
    model = w.torch_model().to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn, bs = w.torch_loss, w.batch_size

    def fit():
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), bs):
            idx = perm[i : i + bs]
            xb, yb = xt[idx].to(DEVICE), yt[idx].to(DEVICE)
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    def predict():
        model.eval()
        with torch.inference_mode():
            return torch.cat([model(xt[i : i + bs].to(DEVICE)) for i in range(0, len(xt), bs)])

    return fit, predict


def kerasish_side(w: Workload, x: np.ndarray, y: np.ndarray, jit_compile="auto"):
    """The same training through the public Keras API, fed numpy arrays as a Keras user would."""
    model = keras.Sequential(w.keras_layers())
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=w.keras_loss(), jit_compile=jit_compile)

    def fit():
        model.fit(x, y, batch_size=w.batch_size, epochs=1, verbose=0, shuffle=True)

    def predict():
        return model.predict(x, batch_size=w.batch_size, verbose=0)

    return fit, predict


def measure(w: Workload, repeats: int, compiled: bool) -> dict[str, float]:
    """Median seconds per side for fit (one epoch) and predict, runs interleaved."""
    x, y = w.make_data(np.random.default_rng(0), w.rows)
    sides = {"torch": torch_side(w, x, y), "kerasish": kerasish_side(w, x, y)}
    if compiled:
        sides["compiled"] = kerasish_side(w, x, y, jit_compile=True)
    for fit, predict in sides.values():  # warm-up: allocator, kernels, lazy builds
        fit()
        if w.predict:
            predict()
    times = {f"{side}_{kind}": [] for side in sides for kind in ("fit", "predict")}
    for _ in range(repeats):
        for side, (fit, predict) in sides.items():
            times[f"{side}_fit"].append(_timed(fit))
            if w.predict:
                times[f"{side}_predict"].append(_timed(predict))
    return {k: statistics.median(v) for k, v in times.items() if v}


def keras_jax_times(names: list[str], repeats: int, threads: int | None) -> tuple[dict, str]:
    """Keras 3 on JAX's median seconds per workload (`{name: {"fit", "predict"}}`) and a note on where they came
    from, or `{}` and why there are none."""
    python = os.environ.get("KERAS_JAX_PYTHON", "/tmp/kjax/bin/python")
    if not os.path.exists(python):
        return {}, (
            f"Keras on JAX skipped: no {python} (make one with `python3 -m venv /tmp/kjax && "
            '/tmp/kjax/bin/pip install keras "jax[cpu]"`, or point $KERAS_JAX_PYTHON at one)'
        )
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_jax_fit.py")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu" if DEVICE.type == "cpu" else ""}
    if threads is not None:
        env["XLA_FLAGS"] = f"--xla_cpu_multi_thread_eigen={'true' if threads > 1 else 'false'}"
    command = [python, script, "--workloads", ",".join(names), "--repeats", str(repeats)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {}, f"Keras on JAX failed: {done.stderr.strip().splitlines()[-1] if done.stderr else done.returncode}"
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["results"], f"Keras {report['keras']} on {report['backend']} (run after the others)"


def _ratio_cells(seconds: float | None, reference: float, digits: int) -> list[str]:
    if seconds is None:
        return ["-", "-"]
    return [f"{seconds:.{digits}f}", f"{seconds / reference:.3f}"]


def table_row(name: str, w: Workload, m: dict[str, float], jax: dict[str, float]) -> str:
    fit_ratio = m["kerasish_fit"] / m["torch_fit"]
    ok = fit_ratio <= w.fit_goal
    cells = [name, f"{m['torch_fit']:.3f}", f"{m['kerasish_fit']:.3f}", f"{fit_ratio:.3f}"]
    cells += _ratio_cells(m.get("compiled_fit"), m["torch_fit"], 3)
    cells += _ratio_cells(jax.get("fit"), m["torch_fit"], 3)
    goal = f"fit <= {w.fit_goal:.2f}"
    if w.predict:
        predict_ratio = m["kerasish_predict"] / m["torch_predict"]
        ok = ok and predict_ratio <= PREDICT_GOAL
        cells += [f"{m['torch_predict']:.4f}", f"{m['kerasish_predict']:.4f}", f"{predict_ratio:.3f}"]
        cells += _ratio_cells(jax.get("predict"), m["torch_predict"], 4)
        goal += f", predict <= {PREDICT_GOAL:.2f}"
    else:
        cells += ["-"] * 5
    return "| " + " | ".join(cells + [goal, "PASS" if ok else "MISS"]) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side (median is kept)")
    parser.add_argument("--workloads", default="tiny,mlp,cnn", help=f"comma list from {list(WORKLOADS)}")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--no-compiled", action="store_true", help="skip the jit_compile=True side (compiles)")
    parser.add_argument("--no-jax", action="store_true", help="skip the Keras-on-JAX column")
    args = parser.parse_args()
    names = [n.strip() for n in args.workloads.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; expected names from {list(WORKLOADS)}")
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    print(
        f"torch {torch.__version__}, device {DEVICE}"
        + (f" ({torch.cuda.get_device_name(DEVICE)})" if DEVICE.type == "cuda" else "")
        + f", threads {torch.get_num_threads()}, repeats {args.repeats} (median, interleaved)\n"
    )
    measured = {}
    for name in names:
        try:
            measured[name] = measure(WORKLOADS[name], args.repeats, compiled=not args.no_compiled)
        except Exception as e:  # a report: one broken workload should not hide the others
            measured[name] = f"error: {type(e).__name__}: {e}"
    jax, note = (
        ({}, "Keras on JAX skipped (--no-jax)") if args.no_jax else keras_jax_times(names, args.repeats, args.threads)
    )
    print(note + "\n")
    print(
        "| workload | torch fit (s/epoch) | kerasish fit (s/epoch) | fit ratio | kerasish compiled fit | ratio "
        "| Keras-JAX fit | ratio | torch predict (s) | kerasish predict (s) | predict ratio | Keras-JAX predict "
        "| ratio | goal | result |"
    )
    print("|" + "---|" * 15)
    for name, m in measured.items():
        if isinstance(m, str):
            print(f"| {name} | {m} |" + " |" * 13)
        else:
            print(table_row(name, WORKLOADS[name], m, jax.get(name, {})), flush=True)


if __name__ == "__main__":
    main()
