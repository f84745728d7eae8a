"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from __future__ import annotations

import torch

from kerasish.optimizers.optimizer import Optimizer, sparse_rows


class Adagrad(Optimizer):
    """The Adagrad optimizer, with Keras's arithmetic (epsilon inside the square root).

        accumulator = accumulator + g**2
        w = w - learning_rate * g / sqrt(accumulator + epsilon)

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        initial_accumulator_value: the starting value of the accumulators (>= 0).
        epsilon: small constant added to the accumulator before the square root.
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.Adagrad(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError(
                "`initial_accumulator_value` must be >= 0. "
                f"Received: initial_accumulator_value={initial_accumulator_value}"
            )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=float(self.initial_accumulator_value)
        )

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        accumulators = slots["accumulator"]
        torch._foreach_addcmul_(accumulators, grads, grads)
        denominators = torch._foreach_add(accumulators, self.epsilon)
        torch._foreach_sqrt_(denominators)
        torch._foreach_addcdiv_(variables, grads, denominators, value=-learning_rate)

    def _sparse_update_step(self, gradient, variable, slots, learning_rate: float) -> None:
        # Untouched rows have a zero gradient, so updating only the touched rows equals the dense update.
        rows, values = sparse_rows(gradient)
        accumulator = slots["accumulator"][rows].addcmul_(values, values)
        slots["accumulator"][rows] = accumulator
        variable.index_add_(0, rows, values / (accumulator + self.epsilon).sqrt_(), alpha=-learning_rate)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config
