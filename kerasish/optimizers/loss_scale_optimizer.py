"""LossScaleOptimizer: dynamic loss scaling for float16 training."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from kerasish.optimizers import serialization
from kerasish.optimizers.optimizer import Optimizer
from kerasish.saving.object_registry import serialize_keras_object

Tensor = torch.Tensor

# Common arguments tf.keras and early Keras 3 wrote into this optimizer's config at their defaults; only those
# defaults are accepted (set them on the inner optimizer instead).
_BASE_DEFAULTS = {
    "weight_decay": None,
    "clipnorm": None,
    "global_clipnorm": None,
    "clipvalue": None,
    "use_ema": False,
    "ema_momentum": 0.99,
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Wraps an optimizer and scales the loss dynamically, so that float16 gradients do not underflow.

    `scale_loss(loss)` multiplies the loss by the current scale before gradients are computed; `apply` divides
    the gradients by it and then, as Keras:

    - if any gradient holds an inf or NaN, skips the step (the inner optimizer does not move, nor count it) and
      halves the scale;
    - otherwise lets the inner optimizer step, and doubles the scale after `dynamic_growth_steps` finite steps
      in a row.

    The scale and the count live as Python numbers (mirrored into `variables` for saving), so scaling and
    unscaling cost no device work beyond one multiply. The one device read per step is whether the gradients
    are finite, which deciding to skip needs (torch's `GradScaler` reads it too, for the same reason).

    Args:
        inner_optimizer: the optimizer to wrap. Its own `loss_scale_factor` is disabled.
        initial_scale: the starting loss scale; a large power of two.
        dynamic_growth_steps: how many finite steps in a row double the scale.
        name: the optimizer's name.

    Example:
        optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam())
    """

    def __init__(
        self,
        inner_optimizer: Optimizer,
        initial_scale: float = 2.0**15,
        dynamic_growth_steps: int = 2000,
        name: str | None = None,
        **kwargs,
    ):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, set `loss_scale_factor` directly "
                "on the `inner_optimizer`."
            )
        for argument, default in _BASE_DEFAULTS.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{argument}`. Instead, set `{argument}` on the "
                    "`inner_optimizer`."
                )
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(
                f"`inner_optimizer` must be a keras.optimizers.Optimizer. Received: inner_optimizer={inner_optimizer!r}"
            )
        if (
            isinstance(dynamic_growth_steps, bool)
            or not isinstance(dynamic_growth_steps, int)
            or dynamic_growth_steps < 1
        ):
            raise ValueError(
                "`dynamic_growth_steps` must be an integer >= 1. "
                f"Received: dynamic_growth_steps={dynamic_growth_steps!r}"
            )
        # Keras's LossScaleOptimizer keeps an unused iterations counter and learning rate of its own, which its
        # `variables` (and checkpoints) list first.
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # Otherwise the gradients would be unscaled twice.
        inner_optimizer.loss_scale_factor = None
        self._scale = float(initial_scale)
        self._growth_count = 0

    def build(self, variables: Sequence[Tensor]) -> None:
        """Creates the scale's state and builds the inner optimizer on `variables`."""
        if self.built:
            return
        self._step_counter_variable = self.add_variable((), dtype="int32")
        self._dynamic_scale_variable = self.add_variable((), initializer=float(self.initial_scale), dtype="float32")
        self.inner_optimizer.build(variables)
        self._trainable_variables = list(variables)
        self.built = True

    # --------------------------------------------------------------------------------------------- state

    @property
    def dynamic_scale(self) -> Tensor:
        """The current loss scale, a 0-d float32 tensor."""
        return torch.tensor(self._scale, dtype=torch.float32)

    @property
    def step_counter(self) -> Tensor:
        """The number of finite steps since the scale last changed, a 0-d int32 tensor."""
        return torch.tensor(self._growth_count, dtype=torch.int32)

    @property
    def variables(self) -> list[Tensor]:
        """Keras's order: iterations and learning rate (unused), step counter, scale, then the inner optimizer's."""
        return super().variables + self.inner_optimizer.variables

    def _write_host_state(self) -> None:
        super()._write_host_state()
        if self.built:
            self._step_counter_variable.fill_(self._growth_count)
            self._dynamic_scale_variable.fill_(self._scale)

    def _read_host_state(self) -> None:
        super()._read_host_state()
        if self.built:
            self._growth_count = int(self._step_counter_variable)
            self._scale = float(self._dynamic_scale_variable)
        self.inner_optimizer._read_host_state()

    @property
    def iterations(self) -> Tensor:
        """The inner optimizer's step count (skipped steps are not counted)."""
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self) -> Tensor:
        """The inner optimizer's learning rate (settable)."""
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if "inner_optimizer" not in self.__dict__:  # the base's constructor sets the unused one of our own
            Optimizer.learning_rate.fset(self, value)
        else:
            self.inner_optimizer.learning_rate = value

    # ------------------------------------------------------------------------------------------ stepping

    def scale_loss(self, loss: Tensor) -> Tensor:
        """Multiplies the loss by the current loss scale."""
        return loss * self._scale

    def check_finite(self, grads: Sequence[Tensor | None]) -> Tensor:
        """A 0-d bool tensor: whether every gradient is free of inf and NaN (on the gradients' device)."""
        present = [g for g in grads if g is not None]
        if not present:
            return torch.tensor(True)
        # The max-abs norm is inf or NaN exactly when the tensor holds one, and cannot overflow.
        return torch.isfinite(torch.stack(torch._foreach_norm(present, float("inf")))).all()

    @torch.no_grad()
    def apply(self, grads: Sequence[Tensor | None], trainable_variables: Sequence[Tensor] | None = None) -> None:
        """Unscales `grads` and lets the inner optimizer step, or skips the step if any is not finite."""
        if not self.built:
            if trainable_variables is None:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first."
                )
            self.build(trainable_variables)
        if not bool(self.check_finite(grads)):
            self._shrink()
            return
        grads = list(grads)
        present = [i for i, g in enumerate(grads) if g is not None]
        for i, unscaled in zip(present, torch._foreach_div([grads[i] for i in present], self._scale)):
            grads[i] = unscaled
        self.inner_optimizer.apply(grads, trainable_variables)
        self._grow()

    def _shrink(self) -> None:
        """After a skipped step: the scale halves and the count of finite steps restarts."""
        self._growth_count = 0
        self._scale *= 0.5

    def _grow(self) -> None:
        """After a finite step: the scale doubles every `dynamic_growth_steps` of them in a row."""
        if self._growth_count == self.dynamic_growth_steps - 1:
            self._growth_count = 0
            self._scale *= 2.0
        else:
            self._growth_count += 1

    # ---- inside a compiled train step (trainers/whole_step.py): the scale is a tensor input, the skip a select

    def _graph_unsupported(self) -> str | None:
        return self.inner_optimizer._graph_unsupported()

    def _graph_hyperparameters(self) -> tuple[float, int, float]:
        learning_rate, step, _ = self.inner_optimizer._graph_hyperparameters()
        return learning_rate, step, self._scale

    def _graph_scale_loss(self, loss: Tensor, loss_scale: Tensor) -> Tensor:
        return loss * loss_scale

    def _graph_apply(
        self, grads: list[Tensor], variables: list[Tensor], learning_rate: Tensor, step: Tensor, loss_scale: Tensor
    ) -> Tensor:
        """`apply` without a branch: the inner optimizer always steps on the unscaled gradients, then every
        tensor it wrote takes its old value back where the gradients were not finite. Compiled, the select fuses
        into the update's own pass over each tensor."""
        inner = self.inner_optimizer
        finite = self.check_finite(grads)
        written = inner._graph_state(variables)
        before = [t.clone() for t in written]
        inner._graph_apply(torch._foreach_div(grads, loss_scale), variables, learning_rate, step, loss_scale)
        for tensor, old in zip(written, before):
            tensor.copy_(torch.where(finite, tensor, old))
        return finite

    def _graph_count(self, applied: Tensor) -> None:
        """The bookkeeping `apply` does after its decision, on the compiled step's (one device read, as `apply`'s)."""
        if bool(applied):
            self.inner_optimizer._graph_count(None)
            self._grow()
        else:
            self._shrink()

    def finalize_variable_values(self, var_list: Sequence[Tensor]) -> None:
        """Lets the inner optimizer overwrite `var_list` with its moving averages (when it uses EMA)."""
        self.inner_optimizer.finalize_variable_values(var_list)

    # ------------------------------------------------------------------------------------------- config

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "inner_optimizer": serialize_keras_object(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> LossScaleOptimizer:
        config = dict(config)
        inner_optimizer = serialization.deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner_optimizer, **config)
