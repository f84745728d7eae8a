"""Lamb: Adam's direction, rescaled per variable by a trust ratio."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.optimizers.optimizer import Optimizer


class Lamb(Optimizer):
    """The Lamb optimizer (You et al., 2019, "Large Batch Optimization for Deep Learning"), with Keras's arithmetic.

    At step `t` (1-based), per variable `w`:

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        update = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)
        ratio = ||w|| / ||update||   (1 when either norm is 0)
        w = w - ratio * learning_rate * update

    The layer-wise trust ratio keeps each variable's step proportional to its size, which lets very large batches
    train with one learning rate.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant added to the denominator for numerical stability.
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.Lamb(learning_rate=1e-3)
    """

    def __init__(
        self, learning_rate=0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        # Bias corrections in the variables' precision, as Keras computes them (see Adam._alpha).
        real = np.float64 if variables[0].dtype == torch.float64 else np.float32
        step, one = real(self._step_count + 1), real(1)
        correction_1 = float(one - real(self.beta_1) ** step)
        correction_2 = float(one - real(self.beta_2) ** step)
        momentums, velocities = slots["momentum"], slots["velocity"]
        torch._foreach_lerp_(momentums, grads, 1 - self.beta_1)
        torch._foreach_lerp_(velocities, torch._foreach_mul(grads, grads), 1 - self.beta_2)
        denominators = torch._foreach_div(velocities, correction_2)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        updates = torch._foreach_div(momentums, correction_1)
        torch._foreach_div_(updates, denominators)
        # One trust ratio per variable, computed for all of them at once (no host sync).
        weight_norms = torch.stack(torch._foreach_norm(variables))
        update_norms = torch.stack(torch._foreach_norm(updates))
        usable = (weight_norms > 0) & (update_norms > 0)
        ratios = torch.where(usable, weight_norms / torch.where(usable, update_norms, 1.0), 1.0) * learning_rate
        torch._foreach_mul_(updates, list(ratios.unbind()))
        torch._foreach_sub_(variables, updates)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
