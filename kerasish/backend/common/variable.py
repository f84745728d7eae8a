"""Variable: a trainable weight, which is a `torch.nn.Parameter` with Keras's Variable conveniences."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common import scopes
from kerasish.utils.naming import auto_name


class Variable(torch.nn.Parameter):
    """A trainable Keras weight. It *is* a `torch.nn.Parameter` (torch optimizers, `state_dict`, DDP all see a
    parameter), and it also answers the Keras Variable API that custom layers and train steps use: `value` (so
    `[v.value.grad for v in model.trainable_weights]` works as in Keras's torch guide), `numpy()`, `assign`,
    `assign_add`, `assign_sub`, `name`/`path`, and the `constraint` the optimizer applies after each step.
    """

    path: str | None = None
    constraint = None

    def __new__(
        cls,
        initializer,
        shape=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        aggregation: str = "none",
        synchronization: str = "auto",
        name: str | None = None,
        layout=None,
        *,
        requires_grad: bool | None = None,
        path: str | None = None,
        constraint=None,
    ):
        """`keras.Variable(initializer, shape=None, dtype=None, trainable=True, ..., name=None)`: `initializer` is a
        value (tensor, array, number) or an initializer (object, callable or name) called with `shape` and `dtype`.
        kerasish's layers pass a ready tensor with `requires_grad` and `path`. `autocast`, `aggregation`,
        `synchronization` and `layout` (a JAX sharding) are accepted for Keras's signature."""
        if isinstance(shape, bool):  # torch's own Parameter protocol (deepcopy, unpickling): (data, requires_grad)
            shape, requires_grad = None, shape
        data = _initial_value(initializer, shape, dtype)
        if requires_grad is None:  # torch keeps no gradients for integers; Keras lets such a variable be "trainable"
            requires_grad = trainable and (data.is_floating_point() or data.is_complex())
        variable = super().__new__(cls, data, requires_grad)
        if path is None:
            path = name or auto_name("variable")
            scope = scopes.current_path()
            path = f"{scope}/{path}" if scope else path
        variable.path = path
        if constraint is not None:
            variable.constraint = constraint
        return variable

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.__dict__.update(self.__dict__)
        return copy

    @property
    def value(self) -> torch.Tensor:
        return self

    @property
    def trainable(self) -> bool:
        return self.requires_grad

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.requires_grad_(bool(value))

    @property
    def name(self) -> str | None:
        return self.path.rsplit("/", 1)[-1] if self.path else None

    def numpy(self, *, force: bool = False) -> np.ndarray:
        return self.detach().cpu().numpy().copy()

    @torch.no_grad()
    def assign(self, value) -> Variable:
        if scopes.in_symbolic_scope():
            return self
        self.copy_(torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value))
        return self

    @torch.no_grad()
    def assign_add(self, value) -> Variable:
        if scopes.in_symbolic_scope():
            return self
        self.add_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self

    @torch.no_grad()
    def assign_sub(self, value) -> Variable:
        if scopes.in_symbolic_scope():
            return self
        self.sub_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self


# `kerasish.initializers.get`, set when that package is imported: initializers sit a floor above variables.
resolve_initializer: Callable[[str], Callable] | None = None


def _initial_value(initializer, shape, dtype) -> torch.Tensor:
    if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, torch.Tensor)):
        if shape is None:
            raise ValueError(
                "When creating a Variable from an initializer, the `shape` argument should be specified. "
                f"Received: initializer={initializer!r} and shape=None"
            )
        if isinstance(initializer, str):
            initializer = resolve_initializer(initializer)
        dtype = dtype or config.floatx()
        value = initializer(tuple(shape), dtype=config.dtype_name(config.standardize_dtype(dtype)))
        return torch.as_tensor(value, dtype=config.standardize_dtype(dtype)).reshape(tuple(shape))
    value = initializer.detach() if isinstance(initializer, torch.Tensor) else torch.as_tensor(np.asarray(initializer))
    if dtype is not None:
        value = value.to(config.standardize_dtype(dtype))
    elif not isinstance(initializer, (torch.Tensor, np.ndarray)) and value.is_floating_point():
        value = value.to(config.standardize_dtype(config.floatx()))  # Python floats are floatx, as in Keras
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise ValueError(
            f"Initial value has shape {tuple(value.shape)}, but the Variable was given shape={tuple(shape)}."
        )
    return value
