"""Times kerasish `fit`/`predict` of a small conv net against the same network in plain torch modules.

Model: Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dense(10)
on 28x28x1 images, sparse categorical crossentropy from logits, Adam(1e-3). The torch side is `nn.Conv2d`,
`nn.MaxPool2d`, `nn.Flatten` and `nn.Linear` with a hand-written loop; the timing, interleaving and table are
those of benchmarks/fit_overhead.py. Rows:

- channels_last: Keras's default, images `(batch, 28, 28, 1)`; the torch side gets the same images as a torch user
  would hold them, NCHW-contiguous (the layout change is paid once, outside the loop).
- channels_first: kerasish with `data_format="channels_first"` on the NCHW images, against the same torch loop.

The script is a report: it always exits 0.

Usage:
    .venv/bin/python benchmarks/cnn.py --repeats 5 --rows 4096 --threads 2
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from fit_overhead import DEVICE, Workload, measure, table_row
from torch import nn

import kerasish as keras

CLASSES = 10


def _torch_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 5 * 5, CLASSES),
    )


def _images(data_format: str):
    def make(rng, rows):
        x = rng.standard_normal((rows, 28, 28, 1), dtype=np.float32)
        if data_format == "channels_first":
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return x, rng.integers(0, CLASSES, rows)

    return make


def _keras_layers(data_format: str):
    def make():
        L = keras.layers
        shape = (28, 28, 1) if data_format == "channels_last" else (1, 28, 28)
        return [
            keras.Input(shape),
            L.Conv2D(32, 3, activation="relu", data_format=data_format),
            L.MaxPooling2D(2, data_format=data_format),
            L.Conv2D(64, 3, activation="relu", data_format=data_format),
            L.MaxPooling2D(2, data_format=data_format),
            # Flatten in channels-last order either way, so the Dense weights mean the same in both rows.
            L.Flatten(data_format=data_format),
            L.Dense(CLASSES),
        ]

    return make


def workload(data_format: str, rows: int, batch_size: int) -> Workload:
    to_nchw = (lambda x: x.permute(0, 3, 1, 2).contiguous()) if data_format == "channels_last" else (lambda x: x)
    return Workload(
        rows,
        batch_size,
        _images(data_format),
        _keras_layers(data_format),
        lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        _torch_net,
        nn.CrossEntropyLoss(),
        fit_goal=1.05,
        predict=True,
        to_torch_layout=to_nchw,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side (median is kept)")
    parser.add_argument("--rows", type=int, default=4096, help="training images per epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--formats", default="channels_last,channels_first", help="comma list of data formats")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = [f for f in formats if f not in ("channels_last", "channels_first")]
    if unknown:
        parser.error(f"unknown data formats {unknown}; expected channels_last and/or channels_first")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, device {DEVICE}"
        + (f" ({torch.cuda.get_device_name(DEVICE)})" if DEVICE.type == "cuda" else "")
        + f", threads {torch.get_num_threads()}, repeats {args.repeats} (median, interleaved), "
        f"{args.rows} images 28x28x1, batch {args.batch_size}\n"
    )
    print(
        "| workload | torch fit (s/epoch) | kerasish fit (s/epoch) | fit ratio | torch predict (s) "
        "| kerasish predict (s) | predict ratio | goal | result |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for data_format in formats:
        w = workload(data_format, args.rows, args.batch_size)
        try:
            print(table_row(f"cnn {data_format}", w, measure(w, args.repeats)), flush=True)
        except Exception as e:  # a report: one broken row should not hide the other
            print(f"| cnn {data_format} | error: {type(e).__name__}: {e} | | | | | | | |", flush=True)


if __name__ == "__main__":
    main()
