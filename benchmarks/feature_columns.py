"""Feature-column throughput and sparse embedding updates (a report, not a test).

1. End to end, at loader batch sizes: a dict of raw numpy columns (strings included) straight into `DenseFeatures`
   (inference), batches of 512, 4,096 and 65,536, against TensorFlow 2.21's `DenseFeatures` (tf_keras, eager and
   wrapped in `tf.function`) on the same columns and data: numeric age, bucketized age, a 1,000-word vocabulary
   with one OOV bucket as an indicator, string user ids (10^7 distinct) hashed into 100k buckets as an 8-wide
   embedding, and a 10k-bucket cross of age bucket x word as an 8-wide embedding. Goals: kerasish >= 5x
   TensorFlow's best rows/s at batch 4,096; kerasish's batch-4,096 rate within 1.2x of its batch-65,536 rate; no
   collapse with CPU-bound processes beside it (`--contention N`). TensorFlow runs in a subprocess of
   `--tf-python` (a Python with tensorflow and tf_keras), interleaved round by round with kerasish.
2. Transform: 1M rows of a mixed feature set through `DenseFeatures`, in loader-sized batches: numeric,
   bucketized, a 1,000-word vocabulary (strings), an integer user id hashed into 100k buckets, a cross of word x
   age bucket, and embeddings of the word, the user and the cross. Timed in two parts: the data side (strings ->
   Fingerprint64 ids, what the data loader does) and the layer (ids -> dense output). Goal: >= 600k rows/s on 2
   CPU cores (TensorFlow's DenseFeatures does about 120k rows/s here).
3. One training step (forward, backward, update) over a 10M-row hashed embedding table, batch 4096: dense
   gradients and torch.optim.Adam/SGD against sparse gradients (`embedding_column(..., sparse=True)`) and
   torch.optim.SparseAdam/SGD and kerasish's SGD/Adam, which touch only the looked-up rows.

Run: python benchmarks/feature_columns.py [--parts end_to_end,transform,sparse] [--rounds 3] [--contention 2]
    [--tf-python PATH] [--rows 1000000] [--batch 65536] [--threads N] [--table-rows 10000000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

END_TO_END_BATCHES = (512, 4096, 65536)
AGE_BOUNDARIES = [18, 25, 35, 45, 55, 65]


def end_to_end_data(rows: int, seed: int = 0) -> dict:
    """Raw columns as a loader hands them over: float ages, word strings (~9% out of vocabulary), user-id strings."""
    rng = np.random.default_rng(seed)
    words = np.array([f"word{i:04d}" for i in range(1100)])  # the vocabulary holds the first 1,000
    return {
        "age": rng.uniform(0, 90, (rows, 1)).astype(np.float32),
        "word": words[rng.integers(0, 1100, rows)].reshape(rows, 1),
        "user": np.char.add("user", rng.integers(0, 10**7, rows).astype(str)).reshape(rows, 1),
    }


def end_to_end_columns(fc) -> list:
    """The columns, from `fc` = kerasish.feature_column or tf.feature_column (the same calls in both)."""
    age = fc.numeric_column("age")
    age_buckets = fc.bucketized_column(age, AGE_BOUNDARIES)
    word = fc.categorical_column_with_vocabulary_list("word", [f"word{i:04d}" for i in range(1000)], num_oov_buckets=1)
    user = fc.categorical_column_with_hash_bucket("user", 100_000)
    return [
        age,
        age_buckets,
        fc.indicator_column(word),
        fc.embedding_column(user, 8),
        fc.embedding_column(fc.crossed_column([age_buckets, "word"], 10_000), 8),
    ]


def end_to_end_rows(batch: int) -> int:
    """32 calls per pass (4 at the largest batch): distinct batches, as a loader hands them over."""
    return batch * 32 if batch < 65_536 else batch * 4


def time_calls(call, batches: list, repeats: int = 3) -> tuple[float, float]:
    """Rows/s of `call` over all batches, the best of `repeats` passes (one pass warms up first), and rows per
    CPU-second of the process (all its threads) in that pass."""
    for batch in batches[:2]:
        call(batch)
    rows = sum(len(next(iter(b.values()))) for b in batches)
    best, cpu = float("inf"), float("inf")
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            call(batch)
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, time.process_time() - start_cpu
    return rows / best, rows / max(cpu, 1e-9)


def split(data: dict, batch: int) -> list:
    rows = len(next(iter(data.values())))
    return [{k: v[s : s + batch] for k, v in data.items()} for s in range(0, rows, batch)]


def kerasish_end_to_end(batch_sizes) -> dict:
    import torch

    from kerasish import feature_column as fc
    from kerasish.layers.preprocessing import DenseFeatures

    layer = DenseFeatures(end_to_end_columns(fc))
    layer.build()

    def call(batch):
        with torch.no_grad():
            return layer(batch)

    return {str(b): time_calls(call, split(end_to_end_data(end_to_end_rows(b)), b)) for b in batch_sizes}


def tensorflow_end_to_end(batch_sizes) -> dict:
    """TensorFlow's rows/s, eager and under tf.function; runs in the Python given by --tf-python."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    import tf_keras

    layer = tf_keras.layers.DenseFeatures(end_to_end_columns(tf.feature_column))
    graph = tf.function(layer)
    out = {}
    for b in batch_sizes:
        batches = split(end_to_end_data(end_to_end_rows(b)), b)
        out[f"eager {b}"] = time_calls(layer, batches)
        out[f"function {b}"] = time_calls(graph, batches)
    return out


def tensorflow_rates(python: str, batch_sizes) -> dict | None:
    code = (
        f"import sys, json; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
        f"import feature_columns as f; print(json.dumps(f.tensorflow_end_to_end({list(batch_sizes)!r})))"
    )
    result = subprocess.run([python, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"TensorFlow side failed: {result.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def cpu_hogs(count: int):
    """`count` CPU-bound processes running beside the benchmark, as other jobs or training beside a loader."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        time.sleep(0.5 if hogs else 0)
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def default_tf_python() -> str | None:
    try:
        import tf_keras  # noqa: F401

        return sys.executable
    except ImportError:
        return "/tmp/kref/bin/python" if os.path.exists("/tmp/kref/bin/python") else None


def bench_end_to_end(rounds: int, contention: int, tf_python: str | None) -> None:
    kerasish_runs, tf_runs = [], []
    with cpu_hogs(contention):
        for _ in range(rounds):  # interleaved, so background load hits both sides alike
            kerasish_runs.append(kerasish_end_to_end(END_TO_END_BATCHES))
            if tf_python:
                rates = tensorflow_rates(tf_python, END_TO_END_BATCHES)
                if rates:
                    tf_runs.append(rates)

    def median(runs, key, part=0):
        return statistics.median(r[key][part] for r in runs) if runs else float("nan")

    import torch

    print(
        f"\nEnd to end (raw numpy columns, strings included -> DenseFeatures, inference), rows/s, median of "
        f"{rounds} rounds (each the best of 3 passes), torch {torch.get_num_threads()} threads, "
        f"{contention} CPU-bound processes beside it, load average before: {os.getloadavg()[0]:.1f}"
    )
    print(
        "| batch | kerasish | TF eager | TF tf.function | kerasish / best TF | rows per CPU-second: kerasish | "
        "TF eager | TF tf.function |\n|---|---|---|---|---|---|---|---|"
    )
    for b in END_TO_END_BATCHES:
        ours, eager, graph = (
            median(kerasish_runs, str(b)),
            median(tf_runs, f"eager {b}"),
            median(tf_runs, f"function {b}"),
        )
        best = max(eager, graph) if tf_runs else float("nan")
        cpu = [median(kerasish_runs, str(b), 1), median(tf_runs, f"eager {b}", 1), median(tf_runs, f"function {b}", 1)]
        print(
            f"| {b:,} | {ours:,.0f} | {eager:,.0f} | {graph:,.0f} | {ours / best:.1f}x | "
            + " | ".join(f"{c:,.0f}" for c in cpu)
            + " |"
        )
    ratio = median(kerasish_runs, "65536") / median(kerasish_runs, "4096")
    print(f"batch-65,536 rate / batch-4,096 rate: {ratio:.2f} (goal <= 1.2)")


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
    from kerasish import feature_column as fc

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
    import torch

    from kerasish.feature_column.fingerprint import fingerprint_strings
    from kerasish.layers.preprocessing import DenseFeatures

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
    import torch

    from kerasish import feature_column as fc
    from kerasish import optimizers
    from kerasish.layers.preprocessing import DenseFeatures

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
    parser.add_argument("--parts", default="end_to_end,transform,sparse")
    parser.add_argument("--rounds", type=int, default=3, help="end to end: interleaved rounds of both sides")
    parser.add_argument("--contention", type=int, default=0, help="end to end: CPU-bound processes beside it")
    parser.add_argument("--tf-python", default=default_tf_python(), help="a Python with tensorflow and tf_keras")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=65_536)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--table-rows", type=int, default=10_000_000)
    parser.add_argument("--dimension", type=int, default=16)
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    parts = args.parts.split(",")
    if "end_to_end" in parts:
        bench_end_to_end(args.rounds, args.contention, args.tf_python)
    if "transform" in parts:
        bench_transform(args.rows, args.batch, args.repeats)
    if "sparse" in parts:
        bench_sparse_step(args.table_rows, args.dimension, 4096, args.repeats)


if __name__ == "__main__":
    main()
