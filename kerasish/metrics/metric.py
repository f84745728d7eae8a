"""The `Metric` base class: state held in torch tensors, updated in place, never read back mid-epoch.

A metric's state variables are plain torch tensors created by `add_variable`. `update_state` changes them
with in-place ops on the inputs' device (no host sync), `result` returns a 0-d tensor, and `reset_state`
zeroes them in place so any reference to them stays valid. Each variable carries an `aggregation`
(`"sum"`, `"mean"`, `"none"` or `"only_first_replica"`) telling distributed training how to combine the
replicas' copies; `variable_aggregations` lists them in the order of `variables`.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable
from typing import Any

import torch

from kerasish import config
from kerasish.backend.common import scopes
from kerasish.backend.common.variable import Variable
from kerasish.losses.loss import auto_name, compute_dtype_name

AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")


class Metric(abc.ABC):
    """Encapsulates a metric's state and the logic that accumulates it.

    Subclasses create their state in `__init__` with `self.add_variable(...)`, accumulate it in
    `update_state(...)` and compute the value in `result()`.

    Args:
        dtype: dtype the metric is computed in (floatx by default).
        name: name of the metric instance (snake case of the class name by default).

    Example:
        class BinaryTruePositives(Metric):
            def __init__(self, name="binary_true_positives", **kwargs):
                super().__init__(name=name, **kwargs)
                self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

            def update_state(self, y_true, y_pred, sample_weight=None):
                values = (y_true.bool() & y_pred.bool()).to(self.true_positives.dtype)
                if sample_weight is not None:
                    values = values * sample_weight
                self.true_positives.add_(values.sum())

            def result(self):
                return self.true_positives.clone()
    """

    _is_metric = True  # how a layer finds the metrics among its attributes (`Layer.metrics`)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_state" in cls.__dict__:
            cls.update_state = _guarded_update(cls.__dict__["update_state"])

    def __init__(self, dtype: Any = None, name: str | None = None):
        # Set through object.__setattr__ so our __setattr__ can rely on them existing.
        object.__setattr__(self, "_variables", [])
        object.__setattr__(self, "_variable_specs", [])  # (name, aggregation) per own variable
        object.__setattr__(self, "_metrics", [])
        self.name = name or auto_name(self.__class__.__name__)
        self._dtype = compute_dtype_name(dtype)
        self._torch_dtype = config.standardize_dtype(self._dtype)

    def __setattr__(self, name: str, value: Any) -> None:
        # Sub-metrics assigned as attributes contribute their variables, as in Keras.
        if isinstance(value, Metric) and hasattr(self, "_metrics") and value is not self:
            if all(m is not value for m in self._metrics):
                self._metrics.append(value)
        object.__setattr__(self, name, value)

    @property
    def dtype(self) -> str:
        return self._dtype

    def add_variable(
        self,
        shape: tuple | list | int,
        initializer: str | float | Callable = "zeros",
        dtype: Any = None,
        aggregation: str = "sum",
        name: str | None = None,
    ) -> torch.Tensor:
        """Creates a state tensor owned by this metric and returns it.

        Args:
            shape: shape of the variable.
            initializer: `"zeros"`, `"ones"`, a number, an initializer name or a callable
                `initializer(shape, dtype=dtype)`.
            dtype: dtype of the variable (floatx by default).
            aggregation: how replicas combine it: `"sum"`, `"mean"`, `"none"` or `"only_first_replica"`.
            name: name of the variable.
        """
        if not hasattr(self, "_variables"):
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` method. Go add it!")
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"Invalid `aggregation`: expected one of {AGGREGATIONS}, got {aggregation!r}.")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        torch_dtype = config.standardize_dtype(dtype)
        device = self._variables[0].device if self._variables else None
        # A Variable (with Keras's assign/assign_add/value) that needs no gradient: custom metrics written the Keras
        # way (`self.total.assign_add(x)`) work, and the in-place torch ops the built-in metrics use still apply.
        path = f"{self.name}/{name or f'variable_{len(self._variables)}'}"
        variable = Variable(
            _initial_value(initializer, shape, torch_dtype).to(device=device, dtype=torch_dtype),
            requires_grad=False,
            path=path,
        )
        self._variables.append(variable)
        self._variable_specs.append((name or f"variable_{len(self._variables) - 1}", aggregation))
        return variable

    def add_weight(
        self,
        shape: tuple | list | int = (),
        initializer: str | float | Callable | None = None,
        dtype: Any = None,
        name: str | None = None,
    ) -> torch.Tensor:
        """Alias of `add_variable` with `aggregation="sum"` (zeros unless an initializer is given)."""
        return self.add_variable(shape=shape, initializer=initializer or "zeros", dtype=dtype, name=name)

    @property
    def variables(self) -> list[torch.Tensor]:
        """This metric's state tensors, then those of its sub-metrics."""
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    @property
    def variable_names(self) -> list[str]:
        """Names of `variables`, in the same order."""
        names = [name for name, _ in self._variable_specs]
        for metric in self._metrics:
            names.extend(metric.variable_names)
        return names

    @property
    def variable_aggregations(self) -> list[str]:
        """How each of `variables` is combined across replicas, in the same order."""
        aggregations = [aggregation for _, aggregation in self._variable_specs]
        for metric in self._metrics:
            aggregations.extend(metric.variable_aggregations)
        return aggregations

    def to(self, device: torch.device | str) -> Metric:
        """Moves the state to `device` (and its sub-metrics'), rebinding the attributes that hold it.

        The variables are new tensors afterwards: re-read `variables` rather than keeping old references.
        """
        old = list(self._variables)  # kept alive so their ids stay unique during the rebinding
        moved = {
            id(variable): Variable(variable.detach().to(device), requires_grad=False, path=variable.path)
            for variable in old
        }
        self._variables[:] = [moved[id(variable)] for variable in old]
        for attr, value in vars(self).items():
            if isinstance(value, torch.Tensor) and id(value) in moved:
                object.__setattr__(self, attr, moved[id(value)])
        for metric in self._metrics:
            metric.to(device)
        return self

    def _follow_device(self, tensor: torch.Tensor) -> None:
        # The state lives where the data does; moving it once on the first update costs nothing per step.
        if self._variables and self._variables[0].device != tensor.device:
            self.to(tensor.device)

    def reset_state(self) -> None:
        """Zeroes every state variable in place."""
        for variable in self.variables:
            variable.zero_()

    @abc.abstractmethod
    def update_state(self, *args, **kwargs) -> None:
        """Accumulates statistics for the metric; subclasses override this."""

    @abc.abstractmethod
    def result(self) -> torch.Tensor:
        """The current value of the metric as a 0-d tensor; subclasses override this."""

    def __call__(self, *args, **kwargs) -> torch.Tensor:
        """Updates the state with a batch, then returns the result."""
        if not hasattr(self, "_variables"):
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` method. Go add it!")
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} name={self.name}>"


def _initial_value(initializer: Any, shape: tuple, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(initializer, str) and initializer.lower() in ("zeros", "zeros_like"):
        return torch.zeros(shape, dtype=dtype)
    if isinstance(initializer, str) and initializer.lower() in ("ones", "ones_like"):
        return torch.ones(shape, dtype=dtype)
    if isinstance(initializer, (int, float, bool)):
        return torch.full(shape, initializer, dtype=dtype)
    if isinstance(initializer, (str, dict)):
        from kerasish import initializers  # other initializers live in their own package

        initializer = initializers.get(initializer)
    if callable(initializer):
        return torch.as_tensor(initializer(shape, dtype=config.dtype_name(dtype)))
    raise ValueError(f"Could not interpret initializer {initializer!r}: expected a name, a number or a callable.")


def _guarded_update(update_state):
    """State is bookkeeping, never part of a gradient graph (a tracker fed a loss would otherwise chain every batch's
    graph together), so every update runs without autograd, as in Keras's torch backend. While a functional graph is
    traced (symbolic scope: `call` runs on shape-only probe tensors), a metric updated in a layer's `call` is left
    alone, as Keras leaves it."""

    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        if scopes.in_symbolic_scope():
            return None
        with torch.no_grad():
            return update_state(self, *args, **kwargs)

    return wrapper
