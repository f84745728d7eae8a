"""PyMetric: tf.keras 2's metric whose state is plain Python, updated on the host."""

from __future__ import annotations

import functools
from typing import Any

import torch

from kerasish.metrics.metric import Metric


def _on_host(value: Any) -> Any:
    return value.detach().cpu() if isinstance(value, torch.Tensor) else value


class PyMetric(Metric):
    """A metric computed in Python on the host (with numpy, scikit-learn, ...), as tf.keras 2's
    `keras.metrics.experimental.PyMetric`.

    Subclasses implement `update_state(y_true, y_pred, sample_weight=None)`, `reset_state()` (which also sets the
    state up: `__init__` calls it) and `result()` returning a scalar. `update_state` receives CPU tensors, detached
    from any graph; `result()`'s scalar is returned as a 0-d tensor of the metric's dtype. The state is Python
    objects rather than variables, so it is neither saved nor summed across distributed replicas.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        class MeanAbsoluteErrorInPython(PyMetric):
            def update_state(self, y_true, y_pred, sample_weight=None):
                self.errors.extend(np.abs(y_true.numpy() - y_pred.numpy()).ravel().tolist())

            def reset_state(self):
                self.errors = []

            def result(self):
                return float(np.mean(self.errors))
    """

    def __init__(self, name: str | None = None, dtype: Any = None, **kwargs):
        if kwargs:
            raise ValueError(f"Argument(s) not recognized by PyMetric: {sorted(kwargs)}. Expected name and dtype.")
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "update_state" in cls.__dict__:
            update_state = cls.__dict__["update_state"]

            @functools.wraps(update_state)
            def update_on_host(self, y_true, y_pred, sample_weight=None):
                return update_state(self, _on_host(y_true), _on_host(y_pred), _on_host(sample_weight))

            cls.update_state = update_on_host
        if "result" in cls.__dict__:
            result = cls.__dict__["result"]

            @functools.wraps(result)
            def result_as_tensor(self):
                value = result(self)
                return torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value).to(
                    self._torch_dtype
                )

            cls.result = result_as_tensor

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Accumulates a batch into the Python state; subclasses implement it."""
        raise TypeError(f"{type(self).__name__} must implement `update_state(y_true, y_pred, sample_weight=None)`.")

    def reset_state(self) -> None:
        """Sets the Python state to its initial value; subclasses implement it (`__init__` calls it)."""
        raise TypeError(f"{type(self).__name__} must implement `reset_state()`.")

    def result(self) -> torch.Tensor:
        """The metric's value; subclasses return a scalar."""
        raise TypeError(f"{type(self).__name__} must implement `result()`.")

    def merge_state(self, metrics) -> None:
        """PyMetric subclasses that can merge their Python state override this."""
        raise TypeError(f"{type(self).__name__} does not implement `merge_state`.")
