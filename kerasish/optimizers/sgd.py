"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

import torch

from kerasish.optimizers.optimizer import Optimizer, sparse_rows


class SGD(Optimizer):
    """Gradient descent with momentum.

    With `momentum == 0`: `w = w - learning_rate * g`. Otherwise, as Keras:

        velocity = momentum * velocity - learning_rate * g
        w = w + velocity                                    # nesterov=False
        w = w + momentum * velocity - learning_rate * g     # nesterov=True

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable returning the learning rate.
        momentum: a float in [0, 1]; 0 is plain gradient descent.
        nesterov: whether to use Nesterov momentum.
        **kwargs: the arguments common to all optimizers (see `Optimizer`).

    Example:
        optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, learning_rate=0.01, momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, variables) -> None:
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _foreach_update_step(self, grads, variables, slots, learning_rate: float) -> None:
        if self.momentum == 0:
            torch._foreach_add_(variables, grads, alpha=-learning_rate)
            return
        velocities = slots["momentum"]
        torch._foreach_mul_(velocities, self.momentum)
        torch._foreach_add_(velocities, grads, alpha=-learning_rate)
        if self.nesterov:
            torch._foreach_add_(variables, velocities, alpha=self.momentum)
            torch._foreach_add_(variables, grads, alpha=-learning_rate)
        else:
            torch._foreach_add_(variables, velocities)

    def _graph_update_step(self, grads, variables, slots, learning_rate, step) -> None:
        # As above with a tensor learning rate, which foreach ops take as a factor but not as `alpha`.
        steps = torch._foreach_mul(grads, -learning_rate)
        if self.momentum == 0:
            torch._foreach_add_(variables, steps)
            return
        velocities = slots["momentum"]
        torch._foreach_mul_(velocities, self.momentum)
        torch._foreach_add_(velocities, steps)
        if self.nesterov:
            torch._foreach_add_(variables, velocities, alpha=self.momentum)
            torch._foreach_add_(variables, steps)
        else:
            torch._foreach_add_(variables, velocities)

    def _sparse_update_step(self, gradient, variable, slots, learning_rate: float) -> None:
        # Only the touched rows move; with momentum their velocity alone decays (TensorFlow's sparse kernel).
        rows, values = sparse_rows(gradient)
        if self.momentum == 0:
            variable.index_add_(0, rows, values, alpha=-learning_rate)
            return
        velocity = slots["momentum"][rows] * self.momentum - learning_rate * values
        slots["momentum"][rows] = velocity
        step = velocity * self.momentum - learning_rate * values if self.nesterov else velocity
        variable.index_add_(0, rows, step)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
