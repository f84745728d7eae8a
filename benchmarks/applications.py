"""ResNet50 and EfficientNetB0 from `kerasish.applications`: inference and one training step at batch 32,
against torchvision's models of the same architecture on the same device (the column reads "n/a" where
torchvision is not installed).

    .venv/bin/python benchmarks/applications.py [--size 224] [--batch 32] [--repeats 5] [--threads N]

Each model is warmed up, then kerasish and torchvision steps are interleaved and each side keeps its median, so
background load hits both alike. Inference is a forward pass under `torch.no_grad()` in eval mode; a training
step is forward, cross-entropy, backward and an SGD update, in train mode. kerasish runs in Keras's
channels_last layout; torchvision gets NCHW tensors in `torch.channels_last` memory format, its fastest path.
On CUDA the clock is read after `torch.cuda.synchronize()`. Goal: kerasish / torchvision <= 1.05.

Keras's ResNet50 puts a bias on every convolution (before batch normalization), torchvision's none: 53 more bias
additions and bias gradients a step. ResNet50 is therefore also timed against torchvision's model with those
biases added: the same architecture, in torch's own modules.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import kerasish as keras

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def _sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def _torchvision_model(name: str, keras_biases: bool = False):
    """torchvision's model, or None without torchvision. `keras_biases`: with a bias on every convolution that has
    none, as Keras's ResNets have them (torchvision's convolutions before batch normalization have no bias)."""
    try:
        import torchvision
    except ImportError:
        return None
    make = {"ResNet50": torchvision.models.resnet50, "EfficientNetB0": torchvision.models.efficientnet_b0}[name]
    model = make(weights=None)
    if keras_biases:
        for module in model.modules():
            if isinstance(module, torch.nn.Conv2d) and module.bias is None:
                module.bias = torch.nn.Parameter(torch.zeros(module.out_channels))
    return model.to(DEVICE).to(memory_format=torch.channels_last)


# Models whose Keras architecture differs from torchvision's in more than layout: timed against both.
KERAS_CONV_BIASES = {"ResNet50"}


def _steps(model, x, y, channels_first: bool):
    """The inference and training-step closures for one model."""
    if channels_first:
        x = x.permute(0, 3, 1, 2)  # an NCHW view of NHWC memory: torch's channels_last format
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def infer():
        model.eval()
        with torch.no_grad():
            model(x)

    def train():
        model.train()
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()

    return infer, train


def _time(fn) -> float:
    _sync()
    start = time.perf_counter()
    fn()
    _sync()
    return time.perf_counter() - start


def bench(name: str, size: int, batch: int, repeats: int) -> list[str]:
    # Logits out (no softmax) on both sides, so the loss is the same cross-entropy.
    ours = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3), classifier_activation=None)
    ours.to(DEVICE)
    theirs = _torchvision_model(name)
    x = torch.rand(batch, size, size, 3, device=DEVICE) * 255
    y = torch.randint(0, 1000, (batch,), device=DEVICE)
    sides = {"kerasish": _steps(ours, x, y, channels_first=False)}
    if theirs is not None:
        sides["torchvision"] = _steps(theirs, x, y, channels_first=True)
        if name in KERAS_CONV_BIASES:
            same = _torchvision_model(name, keras_biases=True)
            sides["same architecture"] = _steps(same, x, y, channels_first=True)
    rows = []
    for index, task in enumerate(("inference", "train step")):
        times: dict[str, list[float]] = {side: [] for side in sides}
        for fns in sides.values():
            fns[index]()  # warm-up
        for _ in range(repeats):
            for side, fns in sides.items():
                times[side].append(_time(fns[index]))
        ms = {side: statistics.median(t) * 1e3 for side, t in times.items()}
        cells = []
        for side in ("torchvision", "same architecture"):
            cells += [f"{ms[side]:.1f}", f"{ms['kerasish'] / ms[side]:.2f}"] if side in ms else ["n/a", "n/a"]
        rows.append(f"| {name} | {task} | {batch} | {size} | {ms['kerasish']:.1f} | {' | '.join(cells)} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--models", default="ResNet50,EfficientNetB0")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"device: {DEVICE}")
    print(
        "| model | task | batch | size | kerasish ms | torchvision ms | ratio "
        "| torchvision with Keras's conv biases ms | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        for row in bench(name, args.size, args.batch, args.repeats):
            print(row, flush=True)


if __name__ == "__main__":
    main()
