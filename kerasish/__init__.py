"""kerasish: Keras's API on PyTorch. `import kerasish as keras` and run Keras code unchanged."""

from __future__ import annotations

from kerasish import (
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    dtype_policies,
    experimental,
    export,
    feature_column,
    initializers,
    layers,
    legacy,
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
    wrappers,
)
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.backend.common.scopes import RematScope, StatelessScope, SymbolicScope, name_scope, remat
from kerasish.backend.common.tensors import device
from kerasish.backend.common.variable import Variable
from kerasish.dtype_policies import DTypePolicy, FloatDTypePolicy
from kerasish.initializers import Initializer
from kerasish.layers import Input, InputSpec, Layer
from kerasish.layers.operation import Operation
from kerasish.losses import Loss
from kerasish.metrics import Metric
from kerasish.models import Model, Sequential
from kerasish.models.function import Function
from kerasish.optimizers import Optimizer
from kerasish.regularizers import Regularizer

__version__ = "0.1.0"


def version() -> str:
    """kerasish's version (Keras's `keras.version()`)."""
    return __version__


__all__ = [
    "DTypePolicy",
    "FloatDTypePolicy",
    "Function",
    "Operation",
    "RematScope",
    "StatelessScope",
    "SymbolicScope",
    "Variable",
    "device",
    "dtype_policies",
    "export",
    "name_scope",
    "remat",
    "version",
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
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "experimental",
    "feature_column",
    "initializers",
    "layers",
    "legacy",
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
    "wrappers",
]
