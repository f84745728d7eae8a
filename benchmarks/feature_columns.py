"""Feature-column throughput and sparse embedding updates (a report, not a test).

1. Transform: 1M rows of a mixed feature set through `DenseFeatures`, in loader-sized batches: numeric,
   bucketized, a 1,000-word vocabulary (strings), an integer user id hashed into 100k buckets, a cross of word x
   age bucket, and embeddings of the word, the user and the cross. Timed in two parts: the data side (strings ->
   Fingerprint64 ids, what the data loader does) and the layer (ids -> dense output). Goal: >= 600k rows/s on 2
   CPU cores (TensorFlow's DenseFeatures does about 120k rows/s here).
2. One training step (forward, backward, update) over a 10M-row hashed embedding table, batch 4096: dense
   gradients and torch.optim.Adam/SGD against sparse gradients (`embedding_column(..., sparse=True)`) and
   torch.optim.SparseAdam/SGD and kerasish's SGD/Adam, which touch only the looked-up rows.

Run: python benchmarks/feature_columns.py [--rows 1000000] [--batch 65536] [--threads N] [--table-rows 10000000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from kerasish import feature_column as fc
from kerasish import optimizers
from kerasish.feature_column.fingerprint import fingerprint_strings
from kerasish.layers.preprocessing import DenseFeatures


def mixed_data(rows: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    words = np.array([f"word{i:04d}" for i in range(1100)])  # the vocabulary holds the first 1,000
    return {
        "age": rng.uniform(0, 90, (rows, 1)).astype(np.float32),
        "price": rng.lognormal(3, 1, (rows, 1)).astype(np.float32),
        "word": words[rng.integers(0, 1100, rows)].reshape(rows, 1),  # ~9% out of vocabulary
        "user": rng.integers(0, 10**9, (rows, 1)),
    }


def mixed_columns() -> list:
    age = fc.numeric_column("age")
    age_buckets = fc.bucketized_column(age, [18, 25, 35, 45, 55, 65])
    word = fc.categorical_column_with_vocabulary_list("word", [f"word{i:04d}" for i in range(1000)], num_oov_buckets=10)
    user = fc.categorical_column_with_hash_bucket("user", 100_000, dtype="int64")
    return [
        age,
        fc.numeric_column("price"),
        age_buckets,
        fc.embedding_column(word, 16),
        fc.embedding_column(user, 16),
        fc.embedding_column(fc.crossed_column(["word", age_buckets], 10_000), 8),
    ]


def bench_transform(rows: int, batch: int, repeats: int) -> None:
    data = mixed_data(rows)
    layer = DenseFeatures(mixed_columns())
    layer.build()
    starts = range(0, rows, batch)

    def data_side():
        return [
            {
                k: torch.from_numpy(fingerprint_strings(v[s : s + batch]) if v.dtype.kind == "U" else v[s : s + batch])
                for k, v in data.items()
            }
            for s in starts
        ]

    def model_side(batches):
        with torch.no_grad():
            return [layer(b) for b in batches]

    width = model_side(data_side()[:1])[0].shape[1]
    data_times, model_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        batches = data_side()
        t1 = time.perf_counter()
        model_side(batches)
        t2 = time.perf_counter()
        data_times.append(t1 - t0)
        model_times.append(t2 - t1)
    d, m = statistics.median(data_times), statistics.median(model_times)
    print(
        f"\nTransform: {rows:,} rows, batches of {batch:,}, output width {width}, {torch.get_num_threads()} "
        f"threads (median of {repeats})"
    )
    print("| part | seconds | rows/s |\n|---|---|---|")
    print(f"| data side (strings -> ids) | {d:.3f} | {rows / d:,.0f} |")
    print(f"| DenseFeatures (ids -> dense) | {m:.3f} | {rows / m:,.0f} |")
    print(f"| total | {d + m:.3f} | {rows / (d + m):,.0f} |  (goal >= 600,000)")


def bench_sparse_step(table_rows: int, dimension: int, batch: int, repeats: int) -> None:
    print(
        f"\nOne training step, {table_rows:,} x {dimension} hashed embedding table, batch {batch:,}, "
        f"median of {repeats}"
    )
    print("| optimizer | gradients | ms/step |\n|---|---|---|")
    user = fc.categorical_column_with_hash_bucket("user", table_rows, dtype="int64")
    rng = np.random.default_rng(0)
    ids = torch.from_numpy(rng.integers(0, 10**12, (batch, 1)))
    target = torch.randn(batch, dimension)

    def torch_step(optimizer):
        def step(params):
            optimizer.step()

        return step

    def kerasish_step(optimizer):
        def step(params):
            optimizer.apply([p.grad for p in params], params)

        return step

    cases = (
        (
            "torch.optim.SGD",
            lambda p: torch_step(torch.optim.SGD(p, lr=0.1)),
            lambda p: torch_step(torch.optim.SGD(p, lr=0.1)),
        ),
        (
            "torch.optim.Adam / SparseAdam",
            lambda p: torch_step(torch.optim.Adam(p, foreach=True)),
            lambda p: torch_step(torch.optim.SparseAdam(p)),
        ),
        ("kerasish SGD", lambda p: kerasish_step(optimizers.SGD(0.1)), lambda p: kerasish_step(optimizers.SGD(0.1))),
        ("kerasish Adam", lambda p: kerasish_step(optimizers.Adam()), lambda p: kerasish_step(optimizers.Adam())),
    )
    for name, make_dense, make_sparse in cases:
        for sparse in (False, True):
            layer = DenseFeatures([fc.embedding_column(user, dimension, sparse=sparse)])
            layer.build()
            params = list(layer.parameters())
            step = (make_sparse if sparse else make_dense)(params)
            times = []
            for _ in range(repeats + 1):
                t0 = time.perf_counter()
                for p in params:
                    p.grad = None
                loss = (layer({"user": ids}) - target).square().mean()
                loss.backward()
                step(params)
                times.append(time.perf_counter() - t0)
            print(f"| {name} | {'sparse' if sparse else 'dense'} | {1000 * statistics.median(times[1:]):.1f} |")
            del layer, step, params


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=65_536)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--table-rows", type=int, default=10_000_000)
    parser.add_argument("--dimension", type=int, default=16)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    bench_transform(args.rows, args.batch, args.repeats)
    bench_sparse_step(args.table_rows, args.dimension, 4096, args.repeats)


if __name__ == "__main__":
    main()
