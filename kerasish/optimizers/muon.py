"""Muon: momentum orthogonalised by Newton-Schulz iterations for matrices, AdamW for everything else."""

from __future__ import annotations

import math
import re

import numpy as np
import torch

from kerasish.optimizers.optimizer import Optimizer


def _path(variable: torch.Tensor) -> str:
    # Keras reads `variable.path` ("dense/kernel"); a plain torch tensor has none and matches no pattern.
    return getattr(variable, "path", None) or getattr(variable, "name", None) or ""


def zeropower_via_newtonschulz5(x: torch.Tensor, steps: int, a: float, b: float, c: float) -> torch.Tensor:
    """Approximately orthogonalises the matrices in the last two axes of `x` (Keras's quintic iteration).

    The result is close to `U V^T` of `x`'s SVD, with singular values pushed towards 1 rather than onto it.
    """
    if x.dim() < 2:
        raise ValueError(
            f"Expected gradient or momentum to have at least 2 dimensions. Received: shape={tuple(x.shape)}"
        )
    tall = x.shape[-2] > x.shape[-1]
    if tall:  # iterate on the wide orientation: X X^T is then the smaller Gram matrix
        x = x.transpose(-2, -1)
    x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)  # spectral norm <= Frobenius norm <= 1
    for _ in range(steps):
        gram = x @ x.transpose(-2, -1)
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.transpose(-2, -1) if tall else x


class Muon(Optimizer):
    """The Muon optimizer (Keller Jordan's Muon; Liu et al., 2025, "Muon is Scalable for LLM Training"), as Keras 3.

    A 2-D variable takes the Muon step: SGD momentum (`m = momentum * m + g`, Nesterov by default) whose direction
    is orthogonalised by `ns_steps` Newton-Schulz iterations, scaled by `sqrt(max(rows, cols)) * rms_rate`. Other
    variables — any not 2-D, those whose path contains "embedding" (with `exclude_embeddings`) and those whose path
    matches a pattern of `exclude_layers` — take an AdamW step with `learning_rate * adam_lr_ratio`. Weight decay is
    `weight_decay` for Muon variables and `adam_weight_decay` for AdamW ones.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        adam_beta_1: AdamW's first-moment decay rate.
        adam_beta_2: AdamW's second-moment decay rate.
        adam_weight_decay: weight decay of the AdamW variables.
        epsilon: AdamW's small constant added to `sqrt(v)`.
        weight_decay: weight decay of the Muon variables.
        exclude_layers: regular expressions; variables whose path matches one use AdamW (the output layer's name,
            typically).
        exclude_embeddings: whether embeddings use AdamW.
        muon_a: coefficient `a` of the Newton-Schulz iteration.
        muon_b: coefficient `b` of the Newton-Schulz iteration.
        muon_c: coefficient `c` of the Newton-Schulz iteration.
        adam_lr_ratio: AdamW's learning rate relative to `learning_rate`.
        momentum: the Muon step's momentum.
        ns_steps: the number of Newton-Schulz iterations.
        nesterov: whether the Muon step uses Nesterov momentum.
        rms_rate: scales the Muon update by `sqrt(max(rows, cols)) * rms_rate` (Moonlight), so it can share Adam's
            learning rate and weight decay; None turns the scaling off.
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.Muon(learning_rate=1e-3, exclude_layers=["output_dense"])
    """

    def __init__(
        self,
        learning_rate=0.001,
        adam_beta_1: float = 0.9,
        adam_beta_2: float = 0.999,
        adam_weight_decay: float | None = 0.004,
        epsilon: float = 1e-7,
        weight_decay: float | None = 0.004,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        exclude_layers: list[str] | None = None,
        exclude_embeddings: bool = True,
        muon_a: float = 3.4445,
        muon_b: float = -4.7750,
        muon_c: float = 2.0315,
        adam_lr_ratio: float = 1,
        momentum: float = 0.95,
        ns_steps: int = 5,
        nesterov: bool = True,
        rms_rate: float | None = 0.2,
        **kwargs,
    ):
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, (int, np.integer)) or ns_steps < 0:
            raise ValueError(f"Argument `ns_steps` of Muon must be an integer >= 0. Received: ns_steps={ns_steps!r}")
        if exclude_layers is not None and (
            isinstance(exclude_layers, str) or not all(isinstance(p, str) for p in exclude_layers)
        ):
            raise ValueError(
                "Argument `exclude_layers` of Muon must be a list of strings (regular expressions). Received: "
                f"exclude_layers={exclude_layers!r}"
            )
        super().__init__(
            learning_rate=learning_rate,
            weight_decay=weight_decay,
            clipnorm=clipnorm,
            clipvalue=clipvalue,
            global_clipnorm=global_clipnorm,
            use_ema=use_ema,
            ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps,
            name=name,
            **kwargs,
        )
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = int(ns_steps)
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable: torch.Tensor) -> bool:
        if variable.dim() != 2:
            return True
        path = _path(variable)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(pattern, path) for pattern in self.exclude_layers)

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        # Keras's order: each variable's momentum, then its velocity if it takes the AdamW step.
        momentums, velocities = [], []
        for variable in variables:
            momentums.append(self.add_variable_from_reference(variable, name="momentum"))
            use_adamw = self._should_use_adamw(variable)
            velocities.append(self.add_variable_from_reference(variable, name="velocity") if use_adamw else None)
        self._slots.update(momentum=momentums, velocity=velocities)
        self.momentums, self.adam_velocities = momentums, velocities

    def _update(self, grads, variables, slots, decayed) -> None:
        # Each kind of variable decays at its own rate (Keras's Muon._apply_weight_decay).
        learning_rate = self._current_learning_rate()
        grads = self._clip_gradients(grads)
        decayed_ids = {id(v) for v in decayed}
        groups = {True: [], False: []}
        for variable, velocity in zip(variables, slots["velocity"]):
            if id(variable) in decayed_ids:
                groups[velocity is not None].append(variable)
        for use_adamw, group in groups.items():
            rate = self.adam_weight_decay if use_adamw else self.weight_decay
            if group and rate is not None:
                torch._foreach_mul_(group, 1.0 - rate * learning_rate)
        self._foreach_update_step(grads, variables, slots, learning_rate)

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        adamw = [i for i, velocity in enumerate(slots["velocity"]) if velocity is not None]
        if adamw:
            self._adamw_step(
                [grads[i] for i in adamw],
                [variables[i] for i in adamw],
                [slots["momentum"][i] for i in adamw],
                [slots["velocity"][i] for i in adamw],
                learning_rate * self.adam_lr_ratio,
            )
        for gradient, variable, momentum, velocity in zip(grads, variables, slots["momentum"], slots["velocity"]):
            if velocity is None:
                self._muon_step(gradient, variable, momentum, learning_rate)

    def _muon_step(self, gradient, variable, momentum, learning_rate: float) -> None:
        momentum.mul_(self.momentum).add_(gradient)
        direction = gradient + self.momentum * momentum if self.nesterov else momentum
        update = zeropower_via_newtonschulz5(direction, self.ns_steps, self.muon_a, self.muon_b, self.muon_c)
        update = update * learning_rate
        if self.rms_rate is not None:
            update = update * (math.sqrt(max(update.shape[0], update.shape[1])) * self.rms_rate)
        variable.sub_(update)

    def _adamw_step(self, grads, variables, momentums, velocities, learning_rate: float) -> None:
        real = np.float64 if variables[0].dtype == torch.float64 else np.float32
        step, one = real(self._step_count + 1), real(1)
        alpha = float(
            real(learning_rate) * np.sqrt(one - real(self.adam_beta_2) ** step) / (one - real(self.adam_beta_1) ** step)
        )
        torch._foreach_lerp_(momentums, grads, 1 - self.adam_beta_1)
        torch._foreach_lerp_(velocities, torch._foreach_mul(grads, grads), 1 - self.adam_beta_2)
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(variables, momentums, denominators, value=-alpha)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "adam_beta_1": self.adam_beta_1,
                "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon,
                "exclude_layers": self.exclude_layers,
                "muon_a": self.muon_a,
                "muon_b": self.muon_b,
                "muon_c": self.muon_c,
                "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum,
                "ns_steps": self.ns_steps,
                "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings,
                "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate,
            }
        )
        return config
