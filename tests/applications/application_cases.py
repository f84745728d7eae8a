"""Replays the Keras 3.15 reference cases of tests/fixtures/applications/<module>.json (written by
make_applications_fixtures.py with Keras, TensorFlow backend) against kerasish's applications."""

from __future__ import annotations

import functools
import importlib
import json
import os

import numpy as np
import pytest
import torch

from kerasish import utils
from kerasish.layers.operation import Operation

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "applications")


@functools.cache
def cases(module: str) -> list[dict]:
    with open(os.path.join(FIXTURES, f"{module}.json")) as f:
        return json.load(f)["cases"]


def case_ids(module: str) -> list[str]:
    return [f"{c['constructor']}-{i}" for i, c in enumerate(cases(module))]


# Cases whose model holds more weights than this are marked slow (`-m "not slow"` leaves them out): building them
# costs seconds each on a CPU, and their structure is their family's, which the smaller cases check.
SLOW_PARAMETERS = 30_000_000


def parametrized(*modules: str) -> list:
    """`pytest.param(module, index)` for every case of `modules`, the big ones marked slow."""
    params = []
    for module in modules:
        for index, (case, case_id) in enumerate(zip(cases(module), case_ids(module), strict=True)):
            size = sum(int(np.prod(shape)) for _, shape in case["weights"])
            marks = [pytest.mark.slow] if size > SLOW_PARAMETERS else []
            params.append(pytest.param(module, index, id=f"{module}-{case_id}", marks=marks))
    return params


def build(module: str, case: dict):
    # Auto-named layers (`input_layer`, `global_average_pooling2d`) are numbered from a fresh session, as the
    # fixture script builds each case.
    utils.clear_session(free_memory=False)
    kwargs = dict(case["kwargs"])
    if "input_shape" in kwargs:
        kwargs["input_shape"] = tuple(kwargs["input_shape"])
    constructor = getattr(importlib.import_module(f"kerasish.applications.{module}"), case["constructor"])
    return constructor(**kwargs)


def describe(model) -> dict:
    # Keras's `model.layers` leaves out the ops of the graph (MobileNetV3's `x + 3.0`); kerasish lists them as
    # op layers, so they are left out here to compare the layers Keras lists.
    return {
        "name": model.name,
        "layers": [
            f"{layer.name}:{type(layer).__name__}" for layer in model.layers if not isinstance(layer, Operation)
        ],
        "weights": [[name, list(w.shape)] for name, w in zip(model._weight_names(), model.get_weights(), strict=True)],
    }


def draw_weights(paths_and_shapes, seed=1234):
    """The fixture script's `draw_weights`, step for step (same RandomState calls, same order)."""
    rng = np.random.RandomState(seed)
    values = []
    for path, shape in paths_and_shapes:
        leaf = path.rsplit("/", 1)[-1]
        if leaf in ("moving_variance", "variance"):
            values.append(rng.uniform(0.5, 1.5, shape))
        elif leaf == "gamma":
            values.append(rng.uniform(0.8, 1.2, shape))
        elif len(shape) <= 1:
            values.append(rng.normal(0.0, 0.1, shape))
        else:
            fan_in = int(np.prod(shape[:-1]))
            if leaf == "depthwise_kernel" or (leaf == "kernel" and "depthwise" in path):
                fan_in = int(np.prod(shape[:-2]))
            values.append(rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape))
    return [v.astype("float32") for v in values]


def draw_input(size, seed=1234) -> np.ndarray:
    return np.random.RandomState(seed + 1).uniform(-1.0, 1.0, (2, *_hw(size), 3)).astype("float32")


def _hw(size):
    return (size, size) if isinstance(size, int) else tuple(size)


def set_drawn_weights(model, seed=1234) -> None:
    weights = model.get_weights()
    drawn = draw_weights([(name, w.shape) for name, w in zip(model._weight_names(), weights, strict=True)], seed)
    # Integer state (Normalization's count) keeps its value, as in the fixture script.
    model.set_weights([d if "int" not in str(w.dtype) else w for d, w in zip(drawn, weights, strict=True)])


def check_outputs(model, case: dict, atol=1e-4) -> None:
    set_drawn_weights(model)
    with torch.no_grad():
        got = np.asarray(model(torch.from_numpy(draw_input(case["input_size"]))).cpu())
    expected = np.asarray(case["outputs"], dtype="float32")
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, atol=atol * scale, rtol=1e-4)
