"""Adam: adaptive moment estimation."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.optimizers.optimizer import Optimizer, sparse_rows


class Adam(Optimizer):
    """The Adam optimizer, with Keras's arithmetic (Kingma and Ba's "epsilon hat" form).

    At step `t` (1-based), with `alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)`:

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        w = w - alpha * m / (sqrt(v) + epsilon)

    `torch.optim.Adam` adds epsilon after bias-correcting `sqrt(v)` instead, so the two differ slightly.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        beta_1: decay rate of the first-moment estimate.
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant added to `sqrt(v)` for numerical stability.
        amsgrad: whether to use the AMSGrad variant (divide by the running maximum of `v`).
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        # Keras computes the step size in the variables' dtype; in float32, `1 - beta_2**t` loses digits to
        # cancellation and moves alpha by up to ~1e-5 relative, so compute it the same way to match Keras.
        alpha = self._alpha(learning_rate, variables[0].dtype)
        denominators = self._moments(grads, slots)
        torch._foreach_addcdiv_(variables, slots["momentum"], denominators, value=-alpha)

    def _graph_update_step(self, grads, variables, slots, learning_rate, step) -> None:
        step = step.to(variables[0].dtype)  # in the variables' dtype, as `_alpha` computes it
        alpha = learning_rate * torch.sqrt(1 - self.beta_2**step) / (1 - self.beta_1**step)
        denominators = self._moments(grads, slots)
        # `addcdiv`'s factor must be a number: scale the momentum by the tensor step size first, which is Keras's
        # order (`m * alpha / (sqrt(v) + epsilon)`) and one division per element, not two.
        steps = torch._foreach_mul(slots["momentum"], -alpha)
        torch._foreach_addcdiv_(variables, steps, denominators)

    def _moments(self, grads, slots) -> list:
        """Updates the moments in place; returns `sqrt(v) + epsilon` for each variable (`v`: AMSGrad's maximum)."""
        momentums, velocities = slots["momentum"], slots["velocity"]
        torch._foreach_lerp_(momentums, grads, 1 - self.beta_1)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - self.beta_2)
        if self.amsgrad:
            torch._foreach_maximum_(slots["velocity_hat"], velocities)
            velocities = slots["velocity_hat"]
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, self.epsilon)
        return denominators

    def _alpha(self, learning_rate: float, dtype: torch.dtype) -> float:
        real = np.float64 if dtype == torch.float64 else np.float32
        step, one = real(self._step_count + 1), real(1)
        return float(real(learning_rate) * np.sqrt(one - real(self.beta_2) ** step) / (one - real(self.beta_1) ** step))

    def _sparse_update_step(self, gradient, variable, slots, learning_rate: float) -> None:
        # Lazy Adam (torch's SparseAdam): the touched rows' moments and weights update, the others stay.
        if self.amsgrad:
            self._foreach_update_step(
                [gradient.to_dense()], [variable], {k: [v] for k, v in slots.items()}, learning_rate
            )
            return
        rows, values = sparse_rows(gradient)
        momentum = slots["momentum"][rows].lerp_(values, 1 - self.beta_1)
        velocity = slots["velocity"][rows].mul_(self.beta_2).addcmul_(values, values, value=1 - self.beta_2)
        slots["momentum"][rows], slots["velocity"][rows] = momentum, velocity
        step = momentum / velocity.sqrt_().add_(self.epsilon)
        variable.index_add_(0, rows, step, alpha=-self._alpha(learning_rate, variable.dtype))

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        return config
