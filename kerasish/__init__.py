"""kerasish: Keras's API on PyTorch. `import kerasish as keras` and run Keras code unchanged."""

from __future__ import annotations

from kerasish import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    feature_column,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    random,
    regularizers,
    saving,
    tree,
    utils,
)
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.initializers import Initializer
from kerasish.layers import Input, InputSpec, Layer
from kerasish.losses import Loss
from kerasish.metrics import Metric
from kerasish.models import Model, Sequential
from kerasish.optimizers import Optimizer
from kerasish.regularizers import Regularizer

__version__ = "0.1.0"

__all__ = [
    "Initializer",
    "Input",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Loss",
    "Metric",
    "Model",
    "Optimizer",
    "Regularizer",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "feature_column",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
]
