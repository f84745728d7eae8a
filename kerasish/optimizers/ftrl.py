"""FTRL-Proximal: follow the regularized leader, for wide sparse models."""

from __future__ import annotations

import torch

from kerasish.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """The FTRL-Proximal optimizer (McMahan et al., 2013), with Keras's arithmetic.

    With `p = -learning_rate_power`, `lr` the learning rate and `l2 = l2_regularization_strength + beta / (2 lr)`:

        g_shrunk = g + 2 * l2_shrinkage_regularization_strength * w
        new_accumulator = accumulator + g**2
        linear = linear + g_shrunk - (new_accumulator**p - accumulator**p) / lr * w
        quadratic = new_accumulator**p / lr + 2 * l2
        w = (clip(linear, -l1, l1) - linear) / quadratic
        accumulator = new_accumulator

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        learning_rate_power: how the learning rate shrinks as the accumulator grows (<= 0; 0 keeps it fixed).
        initial_accumulator_value: the starting value of the accumulators (>= 0).
        l1_regularization_strength: L1 regularization (>= 0); it drives small weights to exactly zero.
        l2_regularization_strength: L2 regularization (>= 0), a stabilization penalty.
        l2_shrinkage_regularization_strength: L2 shrinkage (>= 0), a magnitude penalty added to the gradient.
        beta: adds `beta / (2 * learning_rate)` to the L2 regularization strength.
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=1e-3)
    """

    def __init__(
        self,
        learning_rate=0.001,
        learning_rate_power: float = -0.5,
        initial_accumulator_value: float = 0.1,
        l1_regularization_strength: float = 0.0,
        l2_regularization_strength: float = 0.0,
        l2_shrinkage_regularization_strength: float = 0.0,
        beta: float = 0.0,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for name, value in (
            ("initial_accumulator_value", initial_accumulator_value),
            ("l1_regularization_strength", l1_regularization_strength),
            ("l2_regularization_strength", l2_regularization_strength),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength),
        ):
            if value < 0:
                raise ValueError(f"`{name}` needs to be positive or zero. Received: {name}={value}.")
        if learning_rate_power > 0:
            raise ValueError(
                "`learning_rate_power` needs to be negative or zero. "
                f"Received: learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        # Keras interleaves these per variable with different initial values: accumulator, linear, ...
        self._accumulators, self._linears = [], []
        for variable in variables:
            self._accumulators.append(
                self.add_variable_from_reference(variable, initializer=float(self.initial_accumulator_value))
            )
            self._linears.append(self.add_variable_from_reference(variable))
        self._slots.update(accumulator=self._accumulators, linear=self._linears)

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        accumulators, linears = slots["accumulator"], slots["linear"]

        old_powers = torch._foreach_pow(accumulators, power)
        torch._foreach_addcmul_(accumulators, grads, grads)  # now the new accumulator
        new_powers = torch._foreach_pow(accumulators, power)
        # linear += g + 2 * shrinkage * w - (new**p - old**p) / lr * w
        torch._foreach_add_(linears, grads)
        if self.l2_shrinkage_regularization_strength:
            torch._foreach_add_(linears, variables, alpha=2 * self.l2_shrinkage_regularization_strength)
        torch._foreach_sub_(old_powers, new_powers)  # old**p - new**p
        torch._foreach_div_(old_powers, learning_rate)
        torch._foreach_addcmul_(linears, old_powers, variables)
        # w = (clip(linear, -l1, l1) - linear) / (new**p / lr + 2 * l2)
        torch._foreach_div_(new_powers, learning_rate)
        torch._foreach_add_(new_powers, 2 * l2)
        clipped = torch._foreach_clamp_min(linears, -l1)
        torch._foreach_clamp_max_(clipped, l1)
        torch._foreach_sub_(clipped, linears)
        torch._foreach_div_(clipped, new_powers)
        torch._foreach_copy_(variables, clipped)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta,
            }
        )
        return config
