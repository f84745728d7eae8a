"""Times kerasish `fit`/`predict` of a two-layer LSTM against the same network in plain torch (`nn.LSTM`).

Model: Embedding(vocab, 64) -> LSTM(128, return_sequences=True) -> LSTM(128) -> Dense(10), sparse categorical
crossentropy from logits, Adam(1e-3), integer sequences of length 50. The torch side is `nn.Embedding`, two
`nn.LSTM(batch_first=True)` and `nn.Linear` with a hand-written loop; the timing, interleaving and table are
those of benchmarks/fit_overhead.py. The script is a report: it always exits 0.

Usage:
    .venv/bin/python benchmarks/lstm.py --repeats 5 --rows 8192 --threads 2
"""

from __future__ import annotations

import argparse

import torch
from fit_overhead import DEVICE, Workload, measure, table_row
from torch import nn

import kerasish as keras

VOCAB, LENGTH, EMBED, UNITS, CLASSES = 1000, 50, 64, 128, 10


class TorchLSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.lstm1 = nn.LSTM(EMBED, UNITS, batch_first=True)
        self.lstm2 = nn.LSTM(UNITS, UNITS, batch_first=True)
        self.head = nn.Linear(UNITS, CLASSES)

    def forward(self, x):
        sequence, _ = self.lstm1(self.embedding(x))
        _, (h, _) = self.lstm2(sequence)
        return self.head(h[0])


def _sequences(rng, rows):
    x = rng.integers(1, VOCAB, (rows, LENGTH))
    return x, x[:, :5].sum(axis=1) % CLASSES


def _keras_layers():
    L = keras.layers
    return [
        keras.Input((LENGTH,), dtype="int64"),
        L.Embedding(VOCAB, EMBED),
        L.LSTM(UNITS, return_sequences=True),
        L.LSTM(UNITS),
        L.Dense(CLASSES),
    ]


def workload(rows: int, batch_size: int) -> Workload:
    return Workload(
        rows,
        batch_size,
        _sequences,
        _keras_layers,
        lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        TorchLSTMNet,
        nn.CrossEntropyLoss(),
        fit_goal=1.05,
        predict=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per side (median is kept)")
    parser.add_argument("--rows", type=int, default=8192, help="training sequences per epoch")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, device {DEVICE}"
        + (f" ({torch.cuda.get_device_name(DEVICE)})" if DEVICE.type == "cuda" else "")
        + f", threads {torch.get_num_threads()}, repeats {args.repeats} (median, interleaved), "
        f"{args.rows} sequences of {LENGTH} steps, batch {args.batch_size}\n"
    )
    print(
        "| workload | torch fit (s/epoch) | kerasish fit (s/epoch) | fit ratio | torch predict (s) "
        "| kerasish predict (s) | predict ratio | goal | result |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    w = workload(args.rows, args.batch_size)
    print(table_row("lstm", w, measure(w, args.repeats)), flush=True)


if __name__ == "__main__":
    main()
