"""`image_dataset_from_directory` feeding `fit`: kerasish (`format="torch"`, and `format="tf"` where TensorFlow is
installed) against Keras 3 with `tf.data`.

A folder of 2,000 generated 256x256 JPEGs in 2 classes is read with `image_size=(180, 180), batch_size=32` and
trains a small CNN (Rescaling, Conv2D 16 stride 2, MaxPooling, Conv2D 32, GlobalAveragePooling, Dense 2) for two
epochs. The table gives images per second of reading the dataset alone (a second pass, as `fit` reads it: the
workers are started in the first), and of `fit`'s first epoch (cold: worker start, tracing) and second. Keras
runs in a subprocess of another Python (`--keras-python`, with keras 3 and tensorflow; `KERAS_BACKEND=tensorflow`)
on the same folder, interleaved with the kerasish runs, each side keeping its median.

Usage:
    .venv/bin/python benchmarks/image_folder_loading.py --keras-python /tmp/kref/bin/python --repeats 3
    .venv/bin/python benchmarks/image_folder_loading.py --sides threads,keras --repeats 3  # a busy machine
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

IMAGE_SIZE = (180, 180)
BATCH_SIZE = 32

# The same program for both sides: `keras` is kerasish or Keras 3; `FORMAT_KWARGS` and `FIT_KWARGS` say how each
# side loads.
PROGRAM = """
import time

class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.start)

def run(folder):
    keras.utils.set_random_seed(0)
    ds = keras.utils.image_dataset_from_directory(folder, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, seed=0,
                                                  verbose=False, **FORMAT_KWARGS)
    model = keras.Sequential([
        keras.Input(IMAGE_SIZE + (3,)), keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(16, 3, strides=2, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2),
    ])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    timer = Timer()
    timer.times = []
    model.fit(ds, epochs=2, verbose=0, callbacks=[timer], **FIT_KWARGS)
    return timer.times

def load_only(folder):
    ds = keras.utils.image_dataset_from_directory(folder, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, seed=0,
                                                  verbose=False, **FORMAT_KWARGS)
    times = []
    for _ in range(2):  # the first pass starts the workers
        start = time.perf_counter()
        for batch in iterate(ds):
            pass
        times.append(time.perf_counter() - start)
    return times
"""

KERAS_MAIN = """
import json, os, sys
os.environ["KERAS_BACKEND"] = "tensorflow"
import keras
IMAGE_SIZE, BATCH_SIZE = tuple(json.loads(sys.argv[2])), int(sys.argv[3])
FORMAT_KWARGS, FIT_KWARGS = {}, {}
iterate = iter
exec(sys.argv[4])
print(json.dumps({"fit": run(sys.argv[1]), "load": load_only(sys.argv[1])}))
"""


def make_folder(folder: str, count: int) -> None:
    """`count` 256x256 JPEGs (smooth gradients plus noise, quality 90) split between two classes."""
    from PIL import Image

    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 256, dtype=np.float32)
    for i in range(count):
        label = i % 2
        os.makedirs(os.path.join(folder, f"class_{label}"), exist_ok=True)
        base = (
            np.outer(ramp, ramp)[..., None] * rng.uniform(0, 255, size=3)
            if label
            else np.add.outer(ramp, ramp)[..., None] / 2 * rng.uniform(0, 255, size=3)
        )
        pixels = np.clip(base + rng.normal(0, 20, size=(256, 256, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"class_{label}", f"{i:05d}.jpg"), quality=90)


def kerasish_times(folder: str, fit_kwargs: dict, format: str = "torch") -> dict:
    import kerasish as keras
    from kerasish.trainers.data_adapters import get_data_adapter

    def iterate(ds):  # what fit reads: the PyDataset through its adapter, with fit's loading arguments
        adapter = get_data_adapter(ds, **fit_kwargs)
        try:
            yield from adapter.get_epoch_iterator()
        finally:
            adapter.close()

    scope = {
        "keras": keras,
        "IMAGE_SIZE": IMAGE_SIZE,
        "BATCH_SIZE": BATCH_SIZE,
        "iterate": iterate,
        "FORMAT_KWARGS": {"format": format},
        "FIT_KWARGS": fit_kwargs,
    }
    exec(PROGRAM, scope)
    return {"fit": scope["run"](folder), "load": scope["load_only"](folder)}


def keras_times(python: str, folder: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run(
        [python, "-c", KERAS_MAIN, folder, json.dumps(IMAGE_SIZE), str(BATCH_SIZE), PROGRAM],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--keras-python",
        default="/tmp/kref/bin/python",
        help="a Python with keras 3 and tensorflow (skipped when it does not exist)",
    )
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--folder", help="reuse (or create) the image folder here instead of a temporary one")
    parser.add_argument(
        "--sides",
        default="processes,threads,serial,tf,keras",
        help="which loaders to run, comma-separated (a busy machine makes the serial and process sides slow)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or os.path.join(tmp, "images")
        if not os.path.isdir(folder):
            start = time.perf_counter()
            make_folder(folder, args.images)
            print(f"wrote {args.images} JPEGs in {time.perf_counter() - start:.1f} s")
        chosen = set(args.sides.split(","))
        available = {
            "processes": (
                'kerasish, format="torch", 2 worker processes',
                lambda: kerasish_times(folder, {"workers": 2, "use_multiprocessing": True}),
            ),
            "threads": ('kerasish, format="torch", default (threads)', lambda: kerasish_times(folder, {})),
            "serial": ('kerasish, format="torch", serial (workers=0)', lambda: kerasish_times(folder, {"workers": 0})),
        }
        if importlib.util.find_spec("tensorflow") is not None:  # kerasish's default where TensorFlow is installed
            available["tf"] = ('kerasish, format="tf" (tf.data)', lambda: kerasish_times(folder, {}, format="tf"))
        if os.path.exists(args.keras_python):
            available["keras"] = (
                "Keras 3.15 (TensorFlow backend), tf.data",
                lambda: keras_times(args.keras_python, folder),
            )
        sides = dict(available[key] for key in available if key in chosen)
        results = {name: [] for name in sides}
        for _ in range(args.repeats):  # interleaved, so background load hits every side alike
            for name, run in sides.items():
                results[name].append(run())

    import torch

    print(
        f"\ntorch {torch.__version__}, {os.cpu_count()} CPUs, {args.images} JPEGs 256x256 -> {IMAGE_SIZE}, "
        f"batch {BATCH_SIZE}, median of {args.repeats}\n"
    )
    print("| loading | read only, images/s | fit epoch 1, images/s | fit epoch 2, images/s |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        load = statistics.median(r["load"][1] for r in runs)
        first = statistics.median(r["fit"][0] for r in runs)
        second = statistics.median(r["fit"][1] for r in runs)
        print(f"| {name} | {args.images / load:.0f} | {args.images / first:.0f} | {args.images / second:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
