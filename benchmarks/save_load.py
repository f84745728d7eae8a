"""Saving and loading a 50M-parameter model's weights: kerasish against torch.save/torch.load (a report, not a test).

The model is a stack of Dense layers (1024 -> 2048 x 12 -> 1024, 50.4M float32 parameters, 201 MB). Each round,
interleaved so that machine load and the page cache treat all sides alike, times:

- torch: `torch.save(model.state_dict(), "w.pt")`, and `model.load_state_dict(torch.load("w.pt"))`;
- kerasish `.weights.h5` (Keras 3's layout): `model.save_weights("w.weights.h5")`, `model.load_weights(...)`;
- kerasish legacy `.h5`: `model.save_weights("w.h5")`, `model.load_weights("w.h5")`.

Both sides write to and read from the same folder (default: a temporary one), so disk and page cache are shared;
each keeps its median. kerasish's loads check every name and shape before assigning, as torch's
`load_state_dict` does. Goal: kerasish / torch <= 1.25 for both save and load.

Run: python benchmarks/save_load.py [--rounds N] [--dir FOLDER] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import torch

import kerasish as keras

WIDTHS = [1024] + [2048] * 12 + [1024]
GOAL = 1.25


def build_model():
    model = keras.Sequential([keras.Input((WIDTHS[0],))] + [keras.layers.Dense(w) for w in WIDTHS[1:]])
    return model


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", default=None, help="folder for the files (default: a temporary folder)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    model = build_model()
    params = model.count_params()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        paths = {
            "torch": os.path.join(folder, "w.pt"),
            "weights.h5": os.path.join(folder, "w.weights.h5"),
            "legacy .h5": os.path.join(folder, "w.h5"),
        }
        save = {
            "torch": lambda: torch.save(model.state_dict(), paths["torch"]),
            "weights.h5": lambda: model.save_weights(paths["weights.h5"]),
            "legacy .h5": lambda: model.save_weights(paths["legacy .h5"]),
        }
        load = {
            "torch": lambda: model.load_state_dict(torch.load(paths["torch"])),
            "weights.h5": lambda: model.load_weights(paths["weights.h5"]),
            "legacy .h5": lambda: model.load_weights(paths["legacy .h5"]),
        }
        for name in save:  # warm-up: first writes allocate the files' blocks, first reads fill the page cache
            save[name]()
            load[name]()
        times = {(op, name): [] for op in ("save", "load") for name in save}
        for _ in range(args.rounds):
            for name in save:
                times[("save", name)].append(timed(save[name]))
            for name in load:
                times[("load", name)].append(timed(load[name]))
        sizes = {name: os.path.getsize(path) / 1e6 for name, path in paths.items()}

    median = {key: statistics.median(values) for key, values in times.items()}
    print(
        f"{params / 1e6:.1f}M parameters ({params * 4 / 1e6:.0f} MB float32), {args.rounds} rounds, "
        f"{torch.get_num_threads()} threads; medians.\n"
    )
    print("| format | file MB | save s | save / torch | load s | load / torch | goal <= 1.25 |")
    print("|---|---|---|---|---|---|---|")
    for name in save:
        save_ratio = median[("save", name)] / median[("save", "torch")]
        load_ratio = median[("load", name)] / median[("load", "torch")]
        verdict = "-" if name == "torch" else ("PASS" if max(save_ratio, load_ratio) <= GOAL else "MISS")
        print(
            f"| {name} | {sizes[name]:.0f} | {median[('save', name)]:.3f} | {save_ratio:.2f} | "
            f"{median[('load', name)]:.3f} | {load_ratio:.2f} | {verdict} |"
        )


if __name__ == "__main__":
    main()
