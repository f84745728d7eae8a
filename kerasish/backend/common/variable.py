"""Variable: a trainable weight, which is a `torch.nn.Parameter` with Keras's Variable conveniences."""

from __future__ import annotations

import numpy as np
import torch


class Variable(torch.nn.Parameter):
    """A trainable Keras weight. It *is* a `torch.nn.Parameter` (torch optimizers, `state_dict`, DDP all see a
    parameter), and it also answers the Keras Variable API that custom layers and train steps use: `value` (so
    `[v.value.grad for v in model.trainable_weights]` works as in Keras's torch guide), `numpy()`, `assign`,
    `assign_add`, `assign_sub`, `name`/`path`, and the `constraint` the optimizer applies after each step.
    """

    path: str | None = None
    constraint = None

    def __new__(cls, data: torch.Tensor, requires_grad: bool = True, path: str | None = None, constraint=None):
        variable = super().__new__(cls, data, requires_grad)
        if path is not None:
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
    def name(self) -> str | None:
        return self.path.rsplit("/", 1)[-1] if self.path else None

    def numpy(self, *, force: bool = False) -> np.ndarray:
        return self.detach().cpu().numpy().copy()

    @torch.no_grad()
    def assign(self, value) -> Variable:
        self.copy_(torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor) else value))
        return self

    @torch.no_grad()
    def assign_add(self, value) -> Variable:
        self.add_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self

    @torch.no_grad()
    def assign_sub(self, value) -> Variable:
        self.sub_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self
