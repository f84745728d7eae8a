"""ScheduleFreeAdamW: AdamW without a learning-rate schedule, by interpolation and averaging."""

from __future__ import annotations

import numpy as np
import torch

from kerasish.optimizers.optimizer import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """The Schedule-Free AdamW optimizer (Defazio et al., 2024, "The Road Less Scheduled"), as Keras 3 has it.

    The optimizer keeps `momentum` (the sequence `z` the gradient steps move, started at the variables' initial
    values) and the second-moment estimate `velocity`; the model's variables hold `y`, an interpolation between `z`
    and the running average `x` of the `z` iterates. At step `t` (1-based), with the warmed-up rate
    `lr_t = learning_rate * min(t / warmup_steps, 1)`:

        v = v + (g**2 - v) * (1 - beta_2)
        z = z - lr_t * g / (sqrt(v / (1 - beta_2**t)) + epsilon)
        x = (y - (1 - beta_1) * z) / beta_1
        x = (1 - 1/t) * x + (1/t) * z
        y = (1 - beta_1) * z + beta_1 * x

    `x` is recovered from the previous `y` and the already moved `z`: Keras's TensorFlow and torch backends read the
    momentum variable after its update (its JAX backend reads the old value), and kerasish matches the former.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        beta_1: the interpolation between `z` and `x` (and the momentum's strength).
        beta_2: decay rate of the second-moment estimate.
        epsilon: small constant added to the denominator for numerical stability.
        warmup_steps: the learning rate rises linearly from 0 over this many steps (0: no warmup).
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.ScheduleFreeAdamW(learning_rate=0.0025)
    """

    def __init__(
        self,
        learning_rate=0.0025,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        warmup_steps: int = 0,
        **kwargs,
    ):
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, (int, np.integer)) or warmup_steps < 0:
            raise ValueError(
                f"Argument `warmup_steps` of ScheduleFreeAdamW must be an integer >= 0. Received: "
                f"warmup_steps={warmup_steps!r}"
            )
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = int(warmup_steps)

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        torch._foreach_copy_(self._momentums, [v.detach() for v in variables])  # z starts where the weights do

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        # Constants in the variables' precision, as Keras casts them (1 - beta_1 is not 0.1 exactly in float32).
        real = np.float64 if variables[0].dtype == torch.float64 else np.float32
        step = real(self._step_count + 1)
        beta_1, beta_2 = real(self.beta_1), real(self.beta_2)
        lr = real(learning_rate)
        if self.warmup_steps > 0:
            lr = lr * min(step / real(self.warmup_steps), real(1))
        one_minus_beta_1 = float(real(1) - beta_1)
        correction_2 = float(real(1) - beta_2**step)
        weight = real(1) / step

        momentums, velocities = slots["momentum"], slots["velocity"]
        torch._foreach_lerp_(velocities, torch._foreach_mul(grads, grads), float(real(1) - beta_2))
        denominators = torch._foreach_div(velocities, correction_2)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(momentums, torch._foreach_mul(grads, float(lr)), denominators, value=-1.0)
        # x from y and the moved z: Keras reads `momentum.value` after the step has assigned it.
        averages = torch._foreach_mul(momentums, -one_minus_beta_1)
        torch._foreach_add_(averages, variables)
        torch._foreach_div_(averages, float(beta_1))

        torch._foreach_mul_(averages, float(real(1) - weight))
        torch._foreach_add_(averages, momentums, alpha=float(weight))
        torch._foreach_mul_(averages, float(beta_1))
        torch._foreach_add_(averages, momentums, alpha=one_minus_beta_1)
        torch._foreach_copy_(variables, averages)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "warmup_steps": self.warmup_steps}
        )
        return config
