"""RMSprop: gradient descent scaled by a moving average of squared gradients."""

from __future__ import annotations

import torch

from kerasish.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """The RMSprop optimizer, with Keras's arithmetic (epsilon inside the square root).

        v = rho * v + (1 - rho) * g**2
        a = rho * a + (1 - rho) * g                          # centered only
        increment = learning_rate * g / sqrt(v - a**2 + epsilon)   # `- a**2` only when centered
        mom = momentum * mom + increment; w = w - mom        # momentum > 0
        w = w - increment                                    # otherwise

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        rho: decay rate of the moving averages.
        momentum: momentum of the update; 0 disables it.
        epsilon: small constant added to the variance estimate before the square root.
        centered: whether to divide by the estimated variance of the gradient instead of its second moment.
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.RMSprop(learning_rate=1e-3, rho=0.9)
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        denominators = self._denominators(grads, slots)
        if self.momentum > 0:
            momentums = slots["momentum"]
            torch._foreach_mul_(momentums, self.momentum)
            torch._foreach_addcdiv_(momentums, grads, denominators, value=learning_rate)
            torch._foreach_sub_(variables, momentums)
        else:
            torch._foreach_addcdiv_(variables, grads, denominators, value=-learning_rate)

    def _graph_update_step(self, grads, variables, slots, learning_rate, step) -> None:
        # As above with a tensor learning rate, which `addcdiv` does not take as its factor: the gradients are
        # scaled first, Keras's order (`lr * g / denominator`).
        denominators = self._denominators(grads, slots)
        if self.momentum > 0:
            momentums = slots["momentum"]
            torch._foreach_mul_(momentums, self.momentum)
            torch._foreach_addcdiv_(momentums, torch._foreach_mul(grads, learning_rate), denominators)
            torch._foreach_sub_(variables, momentums)
        else:
            torch._foreach_addcdiv_(variables, torch._foreach_mul(grads, -learning_rate), denominators)

    def _denominators(self, grads, slots) -> list:
        """Updates the running averages in place; returns the root-mean-square denominators."""
        rho = self.rho
        velocities = slots["velocity"]
        torch._foreach_mul_(velocities, rho)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - rho)
        denominators = torch._foreach_add(velocities, self.epsilon)
        if self.centered:
            average_grads = slots["average_gradient"]
            torch._foreach_mul_(average_grads, rho)
            torch._foreach_add_(average_grads, grads, alpha=1 - rho)
            torch._foreach_addcmul_(denominators, average_grads, average_grads, value=-1)
        torch._foreach_sqrt_(denominators)
        return denominators

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon, "centered": self.centered})
        return config
