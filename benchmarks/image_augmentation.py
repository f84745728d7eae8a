"""Image augmentation throughput: kerasish's RandomFlip + RandomRotation + RandomZoom + RandomContrast against
torchvision.transforms.v2 on the same images and device.

    .venv/bin/python benchmarks/image_augmentation.py [--batch 128] [--size 224] [--repeats 5] [--threads N]
        [--device cpu|cuda]

Both pipelines get the same float32 batch in [0, 1] (kerasish: channels-last, Keras's default; torchvision: the
channels-first view of the same tensor, made contiguous once) and run training-mode augmentation:

- kerasish: `RandomFlip("horizontal")`, `RandomRotation(0.1)`, `RandomZoom(0.2)`, `RandomContrast(0.2,
  value_range=(0, 1))`, called with `training=True`; each image draws its own transform, as in Keras.
- torchvision: `RandomHorizontalFlip()`, `RandomRotation(36)`, `RandomAffine(0, scale=(0.8, 1.2))`,
  `ColorJitter(contrast=0.2)` in a `v2.Compose`: one draw for the whole batch (what v2 does on a batched tensor),
  constant (zero) fill where Keras reflects.

Warm-up once, then interleaved runs; each side keeps its median. The torchvision column is skipped with a message
when torchvision is not importable. Prints a Markdown table; exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from kerasish import layers


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _timed(fn, device: str) -> float:
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - start


def kerasish_pipeline(seed: int = 0):
    stages = [
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(0.1, seed=seed + 1),
        layers.RandomZoom(0.2, seed=seed + 2),
        layers.RandomContrast(0.2, value_range=(0, 1), seed=seed + 3),
    ]

    def run(images):
        for stage in stages:
            images = stage(images, training=True)
        return images

    return run


def torchvision_pipeline():
    try:
        from torchvision.transforms import v2
    except ImportError as error:
        return None, f"torchvision not importable ({error}); its column is skipped"
    pipeline = v2.Compose(
        [
            v2.RandomHorizontalFlip(),
            v2.RandomRotation(36),
            v2.RandomAffine(0, scale=(0.8, 1.2)),
            v2.ColorJitter(contrast=0.2),
        ]
    )
    return pipeline, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    images = torch.rand(args.batch, args.size, args.size, 3, device=args.device)
    images_nchw = images.permute(0, 3, 1, 2).contiguous()
    ours = kerasish_pipeline()
    theirs, skipped = torchvision_pipeline()
    with torch.inference_mode():
        ours(images)
        if theirs is not None:
            theirs(images_nchw)
        times_ours, times_theirs = [], []
        for _ in range(args.repeats):
            times_ours.append(_timed(lambda: ours(images), args.device))
            if theirs is not None:
                times_theirs.append(_timed(lambda: theirs(images_nchw), args.device))
    ours_s = statistics.median(times_ours)
    print(f"device={args.device} threads={torch.get_num_threads()} batch={args.batch}x{args.size}x{args.size}x3")
    print()
    print("| pipeline | median s / batch | images / s | ratio to torchvision |")
    print("|---|---|---|---|")
    if theirs is not None:
        theirs_s = statistics.median(times_theirs)
        ratio = ours_s / theirs_s
        print(f"| torchvision.transforms.v2 | {theirs_s:.4f} | {args.batch / theirs_s:.0f} | 1.00 |")
        verdict = "PASS" if ratio <= 1.2 else "MISS"
        print(f"| kerasish | {ours_s:.4f} | {args.batch / ours_s:.0f} | {ratio:.2f} (goal <= 1.2: {verdict}) |")
    else:
        print(f"| kerasish | {ours_s:.4f} | {args.batch / ours_s:.0f} | n/a |")
        print()
        print(skipped)


if __name__ == "__main__":
    main()
