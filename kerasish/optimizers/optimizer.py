"""The optimizer base class: Keras 3's optimizer API over in-place torch foreach updates.

Every step runs the same pipeline as Keras 3 (`keras/src/optimizers/base_optimizer.py`): drop variables whose
gradient is None, unscale by `loss_scale_factor`, accumulate gradients, clip, apply weight decay, run the
optimizer's update, update the EMA of the weights, apply variable constraints, count the step.

The hot path never syncs a device: the step count and the learning rate live as Python numbers (mirrored into
the tensors of `variables` for saving), so bias corrections and step sizes are Python floats, and the tensors
are updated in place with `torch._foreach_*` ops over the whole parameter list at once.
"""

from __future__ import annotations

import numbers
import operator
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from kerasish import config as kconfig
from kerasish.optimizers.schedules import learning_rate_schedule
from kerasish.saving.object_registry import serialize_keras_object
from kerasish.utils.naming import auto_name, to_snake_case

Tensor = torch.Tensor

# Keys tf.keras 2 wrote into optimizer configs that carry no meaning here.
_KERAS2_ONLY_CONFIG_KEYS = ("is_legacy_optimizer", "jit_compile")


def _is_sparse(tensor: Tensor) -> bool:
    return tensor.is_sparse


def sparse_rows(gradient: Tensor) -> tuple[Tensor, Tensor]:
    """The touched row indices `(nnz,)` and their gradient rows `(nnz, ...)` of a coalesced sparse gradient."""
    return gradient.indices()[0], gradient.values()


def _defined_in(cls: type, attribute: str) -> type:
    return next(c for c in cls.__mro__ if attribute in vars(c))


def _as_float(value, argument: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, Tensor)):
        raise ValueError(
            f"Argument `{argument}` should be a float, a LearningRateSchedule or a callable. "
            f"Received: {argument}={value!r}"
        )
    return float(value)


class Optimizer:
    """Base class of all optimizers.

    A subclass creates its per-variable state in `build(variables)` with `add_optimizer_variables` and
    implements its update either for all variables at once with torch foreach ops, in
    `_foreach_update_step(grads, variables, slots, learning_rate)`, or one variable at a time, Keras style,
    in `update_step(gradient, variable, learning_rate)`.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`, or a callable taking no
            arguments that returns the learning rate.
        weight_decay: if set, each step first multiplies every variable by `1 - weight_decay * learning_rate`.
        clipnorm: if set, each gradient is rescaled so that its L2 norm is at most this value.
        clipvalue: if set, each gradient is clipped elementwise to `[-clipvalue, clipvalue]`.
        global_clipnorm: if set, all gradients are rescaled together so that their global norm is at most this.
        use_ema: whether to keep an exponential moving average of the variables (see `finalize_variable_values`).
        ema_momentum: the EMA's momentum: `average = ema_momentum * average + (1 - ema_momentum) * variable`.
        ema_overwrite_frequency: if set, the variables are overwritten by their average every this many steps.
        loss_scale_factor: if set, `scale_loss` multiplies the loss by it and gradients are divided by it.
        gradient_accumulation_steps: if set (>= 2), variables are updated every this many steps, with the mean
            of the gradients accumulated since the last update.
        name: the optimizer's name; defaults to the snake-cased class name.
        **kwargs: Keras 2 spellings: `lr` (the learning rate) and `decay` (time-based decay: the learning rate
            at step `t` is `learning_rate / (1 + decay * t)`).
    """

    def __init__(
        self,
        learning_rate: float | learning_rate_schedule.LearningRateSchedule | Callable[[], float],
        weight_decay: float | None = None,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        use_ema: bool = False,
        ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
        loss_scale_factor: float | None = None,
        gradient_accumulation_steps: int | None = None,
        name: str | None = None,
        **kwargs,
    ):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        decay = kwargs.pop("decay", None) or 0.0
        # tf.keras 2's optimizers took `jit_compile` (XLA for the update step); here compiling is
        # `compile(jit_compile=...)`'s business, so the flag changes nothing.
        if not isinstance(kwargs.pop("jit_compile", False), bool):
            raise ValueError(f"{type(self).__name__}: `jit_compile` must be a bool.")
        if kwargs:
            raise ValueError(
                f"Argument(s) not recognized by {type(self).__name__}: {sorted(kwargs)}. Expected the optimizer's "
                "own arguments, the common ones (weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, "
                "ema_momentum, ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name) "
                "or the Keras 2 spellings `lr`, `decay` and `jit_compile`."
            )
        decay = _as_float(decay, "decay")
        if decay < 0:
            raise ValueError(f"Argument `decay` must be >= 0. Received: decay={decay}")
        clip_args = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(value is not None for value in clip_args.values()) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                + ", ".join(f"{key}={value}" for key, value in clip_args.items())
            )
        if gradient_accumulation_steps is not None and (
            not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2
        ):
            raise ValueError(
                "`gradient_accumulation_steps` must be an integer >= 2. "
                f"Received: gradient_accumulation_steps={gradient_accumulation_steps}"
            )
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency is not None and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. "
                    f"Received: ema_overwrite_frequency={ema_overwrite_frequency}"
                )

        self.name = name or auto_name(to_snake_case(type(self).__name__))  # adam, adam_1, ... as Keras
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.decay = decay
        self.built = False

        # Python numbers are the truth in the hot path (no tensor op, no device sync to count a step); these
        # tensors mirror them for `variables` and saving.
        self._iterations = 0
        self._iterations_variable = torch.zeros((), dtype=torch.int64)
        self._learning_rate = None
        self._learning_rate_variable = None
        self._variables: list[Tensor] = [self._iterations_variable]
        self._slots: dict[str, list[Tensor]] = {}
        self._trainable_variables: list[Tensor] = []
        self._variable_index: dict[int, int] = {}
        self._exclude_ids: set[int] = set()
        self._exclude_pattern = None
        self.learning_rate = learning_rate

    # ----------------------------------------------------------------------------------------------- state

    @property
    def iterations(self) -> Tensor:
        """The number of optimizer steps taken, as a new 0-d int64 tensor (`int(optimizer.iterations)`).

        With gradient accumulation this counts updates: steps divided by `gradient_accumulation_steps`.
        """
        return torch.tensor(self._step_count, dtype=torch.int64)

    @property
    def _step_count(self) -> int:
        # Keras's `iterations` as a Python int: the step number the update rules (bias corrections, EMA) see.
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    @property
    def learning_rate(self) -> Tensor:
        """The learning rate, a 0-d float tensor: `float(optimizer.learning_rate)` reads it.

        Settable to a float (as callbacks like ReduceLROnPlateau do), a schedule or a callable. With a schedule,
        it reads the schedule's value at the current step.
        """
        if self._learning_rate_variable is not None:
            return self._learning_rate_variable
        return torch.tensor(self._scheduled_learning_rate(), dtype=kconfig.standardize_dtype(None))

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(value, learning_rate_schedule.LearningRateSchedule) or callable(value):
            self._learning_rate = value
            if self._learning_rate_variable is not None:
                self._variables.remove(self._learning_rate_variable)
                self._learning_rate_variable = None
            return
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` as its `learning_rate`, so its learning "
                "rate is not settable. Create the optimizer with a float `learning_rate` to set it."
            )
        value = _as_float(value, "learning_rate")
        if self._learning_rate_variable is None:
            self._learning_rate_variable = torch.tensor(value, dtype=kconfig.standardize_dtype(None))
            self._variables.insert(1, self._learning_rate_variable)
        else:
            self._learning_rate_variable.fill_(value)
        # Keep the value the variable holds (float32 rounding included), as Keras does: a restored optimizer
        # then steps with exactly the same learning rate.
        self._learning_rate = float(self._learning_rate_variable)

    @property
    def lr(self) -> Tensor:
        """Keras 2 name of `learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value) -> None:
        self.learning_rate = value

    def _scheduled_learning_rate(self) -> float:
        learning_rate = self._learning_rate
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            learning_rate = learning_rate(self._iterations)
        elif callable(learning_rate):
            learning_rate = learning_rate()
        return float(learning_rate)

    def _current_learning_rate(self) -> float:
        learning_rate = self._scheduled_learning_rate()
        if self.decay:
            return learning_rate / (1.0 + self.decay * self._iterations)
        return learning_rate

    @property
    def variables(self) -> list[Tensor]:
        """The optimizer's state in Keras 3's order: iterations, learning_rate (unless scheduled), then slots.

        Slots are the live tensors; the iterations tensor is refreshed from the step count on each read.
        """
        self._write_host_state()
        return list(self._variables)

    def _write_host_state(self) -> None:
        # State the hot path keeps as Python numbers, copied into its tensors for reading and saving. Subclasses
        # with more such state (Nadam's momentum-cache product) extend this and `_read_host_state`.
        self._iterations_variable.fill_(self._iterations)

    def _read_host_state(self) -> None:
        self._iterations = int(self._iterations_variable)
        if self._learning_rate_variable is not None:
            self._learning_rate = float(self._learning_rate_variable)

    # ------------------------------------------------------------------------------------------- building

    def build(self, variables: Sequence[Tensor]) -> None:
        """Creates the optimizer's per-variable state for `variables` (the trainable parameters).

        Subclasses call `super().build(variables)` first, then create their slots with
        `add_optimizer_variables`.
        """
        if (
            type(self)._foreach_update_step is Optimizer._foreach_update_step
            and getattr(self, "update_step", None) is None
        ):
            raise TypeError(
                f"{type(self).__name__} defines no update: implement `update_step(gradient, variable, "
                "learning_rate)` or `_foreach_update_step(grads, variables, slots, learning_rate)`."
            )
        variables = list(variables)
        self._trainable_variables = variables
        self._variable_index = {id(v): i for i, v in enumerate(variables)}
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(variables, "gradient_accumulator")
        self._decay_mask = [self._use_weight_decay(v) for v in variables]
        self._decayed_variables = [v for v, use in zip(variables, self._decay_mask) if use]
        self._constrained = [
            (i, v.constraint) for i, v in enumerate(variables) if getattr(v, "constraint", None) is not None
        ]
        self.built = True

    def add_variable(
        self,
        shape: Sequence[int],
        initializer: str | float | Callable = "zeros",
        dtype=None,
        aggregation: str = "none",
        layout=None,
        name: str | None = None,
    ) -> Tensor:
        """Adds a state tensor to the optimizer (on the CPU) and returns it.

        Args:
            shape: the tensor's shape.
            initializer: `"zeros"`, `"ones"`, a number to fill with, or a Keras-style initializer
                `initializer(shape, dtype=...)`.
            dtype: a dtype name or torch dtype; floatx by default.
            aggregation, layout, name: unused (replicas hold whole copies of the state); kept for Keras's signature.
        """
        reference = torch.empty(tuple(shape), dtype=kconfig.standardize_dtype(dtype))
        return self._track(self._initial_value(reference, initializer))

    def add_variable_from_reference(
        self, reference_variable: Tensor, name: str | None = None, initializer: str | float | Callable = "zeros"
    ) -> Tensor:
        """Adds a state tensor shaped like `reference_variable`, on its device and in its dtype, and returns it."""
        return self._track(self._initial_value(reference_variable, initializer))

    def add_optimizer_variables(
        self,
        trainable_variables: Sequence[Tensor],
        name: str | Sequence[str],
        initializer: str | float | Callable = "zeros",
    ) -> list[Tensor] | tuple[list[Tensor], ...]:
        """Adds one state tensor per trainable variable for each name, in Keras's order.

        With several names the slots are interleaved per variable (`m0, v0, m1, v1, ...`), as Keras creates
        them, so that `variables` lines up with a Keras-saved optimizer.

        Returns:
            The list of slots aligned with `trainable_variables` (a tuple of lists for several names). The
            lists are also what `_foreach_update_step` receives as `slots[name]`.
        """
        names = [name] if isinstance(name, str) else list(name)
        for slot_name in names:
            if slot_name in self._slots:
                raise ValueError(f"Optimizer slot {slot_name!r} was already created in {self.name}.")
        lists = tuple([] for _ in names)
        for variable in trainable_variables:
            for slots in lists:
                slots.append(self.add_variable_from_reference(variable, initializer=initializer))
        self._slots.update(zip(names, lists))
        return lists[0] if isinstance(name, str) else lists

    def _initial_value(self, reference: Tensor, initializer) -> Tensor:
        if initializer == "zeros":
            return torch.zeros_like(reference, requires_grad=False)
        if initializer == "ones":
            return torch.ones_like(reference, requires_grad=False)
        if isinstance(initializer, numbers.Real) and not isinstance(initializer, bool):
            return torch.full_like(reference, float(initializer), requires_grad=False)
        if callable(initializer):
            value = initializer(tuple(reference.shape), dtype=kconfig.dtype_name(reference.dtype))
            return torch.as_tensor(value).to(device=reference.device, dtype=reference.dtype).detach().clone()
        raise ValueError(
            f"Unknown optimizer variable initializer: expected 'zeros', 'ones', a number or a callable; "
            f"got {initializer!r}."
        )

    def _track(self, variable: Tensor) -> Tensor:
        self._variables.append(variable)
        return variable

    def _get_variable_index(self, variable: Tensor) -> int:
        return self._variable_index[id(variable)]

    # ------------------------------------------------------------------------------------------- stepping

    def apply_gradients(self, grads_and_vars) -> Tensor:
        """Applies `(gradient, variable)` pairs; returns `iterations` (as tf.keras did)."""
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self.iterations

    @torch.no_grad()
    def apply(self, grads: Sequence[Tensor | None], trainable_variables: Sequence[Tensor] | None = None) -> None:
        """Updates the variables in place with one step of the optimizer.

        Args:
            grads: one gradient per variable; None gradients (frozen variables) are skipped.
            trainable_variables: the variables, in the order of `grads`. The first call builds the optimizer on
                them; later calls may pass them again, or leave them out to mean the built list.
        """
        if len(grads) == 0:
            return
        indices = self._indices_of(trainable_variables, len(grads))
        if any(map(operator.is_, grads, [None] * len(grads))):
            present = [i for i, g in enumerate(grads) if g is not None]
            if not present:
                raise ValueError("No gradients provided for any variable.")
            grads = [grads[i] for i in present]
            indices = [indices[i] for i in present] if indices is not None else present
        grads = list(grads)
        variables, slots, decayed = self._selected(indices)

        lazy_sparse = False
        if any(map(_is_sparse, grads)):
            grads, lazy_sparse = self._prepare_sparse(grads, variables)
        if self.loss_scale_factor is not None:
            grads = torch._foreach_div(grads, self.loss_scale_factor)
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            accumulators = slots["gradient_accumulator"]
            if (self._iterations + 1) % steps == 0:
                grads = torch._foreach_add(grads, accumulators)
                torch._foreach_div_(grads, steps)
                torch._foreach_zero_(accumulators)
                self._update(grads, variables, slots, decayed)
            else:
                torch._foreach_add_(accumulators, grads)
        elif lazy_sparse:
            self._update_with_sparse(grads, variables, slots, decayed)
        else:
            self._update(grads, variables, slots, decayed)

        if self.use_ema:
            self._update_model_variables_moving_average()
        for i, constraint in self._constrained:
            variable = self._trainable_variables[i]
            variable.copy_(constraint(variable))
        self._iterations += 1

    def _selected(self, indices: list[int] | None) -> tuple[list[Tensor], dict, list[Tensor]]:
        """The variables at `indices` (None: all, in the built order), their slots and the weight-decayed ones."""
        if indices is None:
            return self._trainable_variables, self._slots, self._decayed_variables
        variables = [self._trainable_variables[i] for i in indices]
        slots = {key: [values[i] for i in indices] for key, values in self._slots.items()}
        decayed = [self._trainable_variables[i] for i in indices if self._decay_mask[i]]
        return variables, slots, decayed

    # ---- the update inside a compiled train step (trainers/whole_step.py) -----------------------------------
    # There the learning rate and the 1-based step number are 0-d tensors, so that a schedule's next value or the
    # next step never retraces the graph; the Python numbers `apply` reads would each become a guarded constant.
    # An optimizer takes part by defining `_graph_update_step`, its `_foreach_update_step` in tensor arithmetic.

    _graph_update_step = None  # (grads, variables, slots, learning_rate: Tensor, step: Tensor) in subclasses

    def _graph_unsupported(self) -> str | None:
        """Why this optimizer's update cannot run inside a compiled train step, or None when it can."""
        if self._graph_update_step is None or _defined_in(type(self), "_graph_update_step") is not _defined_in(
            type(self), "_foreach_update_step"
        ):  # a subclass with its own update would otherwise run its parent's in the graph
            return f"{type(self).__name__} has no update in tensor arithmetic (SGD, Adam, AdamW and RMSprop do)"
        if self.gradient_accumulation_steps:
            return "gradient accumulation decides in Python, step by step, whether to update"
        if self.use_ema:
            return "the moving average of the weights (use_ema=True) is updated in Python"
        return None

    def _graph_hyperparameters(self) -> tuple[float, int, float]:
        """The learning rate, the 1-based step number and the loss scale the next compiled step reads, each through
        a 0-d tensor. The loss scale is LossScaleOptimizer's; `loss_scale_factor` is a constant of the graph."""
        return self._current_learning_rate(), self._step_count + 1, 1.0

    def _graph_scale_loss(self, loss: Tensor, loss_scale: Tensor) -> Tensor:
        """`scale_loss` inside a compiled train step, `loss_scale` its tensor input."""
        return self.scale_loss(loss)

    def _graph_apply(
        self, grads: list[Tensor], variables: list[Tensor], learning_rate: Tensor, step: Tensor, loss_scale: Tensor
    ) -> Tensor | None:
        """`apply` for a compiled train step: `grads` (of the loss scaled by `_graph_scale_loss`) align with
        `variables` (all the built ones or a subset), none is None or sparse. Returns None, as the update always
        happens, or a 0-d bool tensor saying whether it did, for `_graph_count` to read after the step."""
        variables, slots, decayed = self._selected(self._indices_of(variables, len(grads)))
        if self.loss_scale_factor is not None:
            grads = torch._foreach_div(grads, self.loss_scale_factor)
        grads = self._clip_gradients(grads)
        if self.weight_decay is not None and decayed:
            torch._foreach_mul_(decayed, 1.0 - self.weight_decay * learning_rate)
        self._graph_update_step(grads, variables, slots, learning_rate, step)
        for i, constraint in self._constrained:
            variable = self._trainable_variables[i]
            variable.copy_(constraint(variable))
        return None

    def _graph_state(self, variables: list[Tensor]) -> list[Tensor]:
        """The tensors `_graph_apply` on `variables` may write: the variables and their slots."""
        selected, slots, _ = self._selected(self._indices_of(variables, len(variables)))
        return [*selected, *(t for values in slots.values() for t in values)]

    def _graph_count(self, applied: Tensor | None) -> None:
        """Counts a compiled step, as `apply` counts an eager one; `applied` is what `_graph_apply` returned."""
        self._iterations += 1

    def _indices_of(self, trainable_variables, count: int) -> list[int] | None:
        # None means "the built list, in order": the trainer's every step, which then costs no Python loop.
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first."
                )
            if count != len(self._trainable_variables):
                raise ValueError(
                    f"Expected one gradient per variable the optimizer was built with "
                    f"({len(self._trainable_variables)}); received {count} gradients."
                )
            return None
        if len(trainable_variables) != count:
            raise ValueError(
                f"Expected one gradient per variable: received {count} gradients for "
                f"{len(trainable_variables)} variables."
            )
        if not self.built:
            self.build(trainable_variables)
        known = self._trainable_variables
        if len(trainable_variables) == len(known) and all(map(operator.is_, trainable_variables, known)):
            return None
        indices = [self._variable_index.get(id(v)) for v in trainable_variables]
        if None in indices:
            raise ValueError(
                "Unknown variable: this optimizer can only update the variables it was built with. "
                "Create a new optimizer for a new set of variables."
            )
        return indices

    # ---- sparse gradients ------------------------------------------------------------------------------------
    # A sparse gradient (an embedding looked up with `sparse=True`) touches a few rows of a large table. SGD, Adam
    # and Adagrad update only those rows (`_sparse_update_step`), so a step costs what the batch touched:
    # for SGD without momentum and for Adagrad this equals the dense update exactly; for momentum SGD and Adam it
    # is the lazy update of TensorFlow's sparse kernels and torch's SparseAdam (untouched rows keep their weights
    # and slots, instead of decaying their momentum). Other optimizers, and steps that unscale, accumulate, clip
    # or weight-decay gradients, densify sparse gradients (`to_dense()`) and take the dense path.

    _sparse_update_step = None  # (gradient, variable, slots: {name: slot}, learning_rate) in subclasses

    def _prepare_sparse(self, grads: list[Tensor], variables: list[Tensor]) -> tuple[list[Tensor], bool]:
        """Coalesced sparse gradients and whether to update them lazily, or all gradients densified."""
        lazy = (
            self._sparse_update_step is not None
            and self.loss_scale_factor is None
            and not self.gradient_accumulation_steps
            and not self.clipnorm
            and not self.clipvalue
            and not self.global_clipnorm
            and not (
                self.weight_decay and any(self._use_weight_decay(v) for v, g in zip(variables, grads) if g.is_sparse)
            )
        )
        if lazy:
            return [g.coalesce() if g.is_sparse else g for g in grads], True
        return [g.to_dense() if g.is_sparse else g for g in grads], False

    def _update_with_sparse(
        self, grads: list[Tensor], variables: list[Tensor], slots: dict, decayed: list[Tensor]
    ) -> None:
        dense = [i for i, g in enumerate(grads) if not g.is_sparse]
        if dense:
            dense_variables = [variables[i] for i in dense]
            ids = {id(v) for v in dense_variables}
            self._update(
                [grads[i] for i in dense],
                dense_variables,
                {key: [values[i] for i in dense] for key, values in slots.items()},
                [v for v in decayed if id(v) in ids],
            )
        learning_rate = self._current_learning_rate()
        for i, gradient in enumerate(grads):
            if gradient.is_sparse:
                self._sparse_update_step(
                    gradient, variables[i], {key: values[i] for key, values in slots.items()}, learning_rate
                )

    def _update(self, grads: list[Tensor], variables: list[Tensor], slots: dict, decayed: list[Tensor]) -> None:
        learning_rate = self._current_learning_rate()
        grads = self._clip_gradients(grads)
        if self.weight_decay is not None and decayed:
            torch._foreach_mul_(decayed, 1.0 - self.weight_decay * learning_rate)
        self._foreach_update_step(grads, variables, slots, learning_rate)

    def _foreach_update_step(
        self, grads: list[Tensor], variables: list[Tensor], slots: dict[str, list[Tensor]], learning_rate: float
    ) -> None:
        """Updates `variables` in place; `slots[name]` lists each slot aligned with `variables`.

        Built-in optimizers override this with foreach ops; the default runs Keras's per-variable
        `update_step(gradient, variable, learning_rate)`.
        """
        for gradient, variable in zip(grads, variables):
            self.update_step(gradient, variable, learning_rate)

    def _clip_gradients(self, grads: list[Tensor]) -> list[Tensor]:
        # New tensors, never in place: the caller's gradients (often `param.grad`) stay as they were.
        if self.clipnorm and self.clipnorm > 0:
            norms = torch._foreach_norm(grads)
            torch._foreach_clamp_min_(norms, self.clipnorm)
            clipped = torch._foreach_mul(grads, self.clipnorm)
            torch._foreach_div_(clipped, norms)
            return clipped
        if self.global_clipnorm and self.global_clipnorm > 0:
            norm = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
            # As Keras: a no-op scale for a finite norm under the limit, NaN for an infinite or NaN norm.
            scale = self.global_clipnorm * torch.clamp(norm.reciprocal(), max=1.0 / self.global_clipnorm)
            return torch._foreach_mul(grads, scale + (norm - norm))
        if self.clipvalue and self.clipvalue > 0:
            clipped = torch._foreach_clamp_min(grads, -self.clipvalue)
            torch._foreach_clamp_max_(clipped, self.clipvalue)
            return clipped
        return grads

    def assign(self, variable: Tensor, value) -> None:
        """Sets `variable` to `value` in place (for `update_step` implementations)."""
        variable.copy_(torch.as_tensor(value, dtype=variable.dtype, device=variable.device))

    def assign_add(self, variable: Tensor, value) -> None:
        """Adds `value` to `variable` in place."""
        variable.add_(value)

    def assign_sub(self, variable: Tensor, value) -> None:
        """Subtracts `value` from `variable` in place."""
        variable.sub_(value)

    def scale_loss(self, loss: Tensor) -> Tensor:
        """Multiplies the loss by `loss_scale_factor` (if set) before gradients are computed."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    # ---------------------------------------------------------------------------------------- weight decay

    def exclude_from_weight_decay(
        self, var_list: Sequence[Tensor] | None = None, var_names: Sequence[str] | None = None
    ):
        """Exempts variables from weight decay; call before the optimizer is built.

        Args:
            var_list: variables to exempt.
            var_names: substrings (regular expressions); a variable whose `name` or `path` attribute contains
                one is exempt.
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable: Tensor) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None:
            for label in (getattr(variable, "name", None), getattr(variable, "path", None)):
                if isinstance(label, str) and self._exclude_pattern.search(label):
                    return False
        return True

    # ------------------------------------------------------------------------------------------------- EMA

    def _update_model_variables_moving_average(self) -> None:
        step = self._step_count
        # The first step copies the variables: the average starts from them, not from zeros.
        momentum = self.ema_momentum if step != 0 else 0.0
        torch._foreach_lerp_(self._model_variables_moving_average, self._trainable_variables, 1.0 - momentum)
        if self.ema_overwrite_frequency and (step + 1) % self.ema_overwrite_frequency == 0:
            torch._foreach_copy_(self._trainable_variables, self._model_variables_moving_average)

    @torch.no_grad()
    def finalize_variable_values(self, var_list: Sequence[Tensor]) -> None:
        """Overwrites `var_list` with their moving averages when `use_ema` is set (fit() does this at the end)."""
        if not self.use_ema:
            return
        if len(var_list) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The number of variables to overwrite ({len(var_list)}) does not match the number the optimizer "
                f"averages ({len(self._model_variables_moving_average)})."
            )
        torch._foreach_copy_(list(var_list), self._model_variables_moving_average)

    # ------------------------------------------------------------------------------------------ saving

    @torch.no_grad()
    def set_weights(self, weights: Sequence) -> None:
        """Sets `variables` from arrays, in their order; the optimizer must be built."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. Call "
                "`optimizer.build(trainable_variables)` first."
            )
        variables = self.variables
        if len(weights) != len(variables):
            raise ValueError(f"Expected {len(variables)} optimizer weights; received {len(weights)}.")
        for variable, weight in zip(variables, weights):
            weight = torch.as_tensor(np.asarray(weight))
            if tuple(weight.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Optimizer variable of shape {tuple(variable.shape)} cannot take a weight of shape "
                    f"{tuple(weight.shape)}."
                )
            variable.copy_(weight)
        self._read_host_state()

    def save_own_variables(self, store) -> None:
        """Writes `variables` into `store` as numpy arrays under the keys "0", "1", ... (Keras 3's layout)."""
        for i, variable in enumerate(self.variables):
            variable = variable.detach().cpu()
            if variable.dtype == torch.bfloat16:  # numpy has no bfloat16
                variable = variable.float()
            store[str(i)] = variable.numpy().copy()

    def load_own_variables(self, store) -> None:
        """Restores `variables` from a store written by `save_own_variables` (or by Keras 3).

        As in Keras, a store with a different number of variables (for example, an optimizer not yet built)
        is skipped with a warning.
        """
        count = len(self.variables)
        if len(store.keys()) != count:
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', because it has {count} "
                f"variables whereas the saved optimizer has {len(store.keys())} variables."
            )
            if not self.built:
                msg += " This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        self.set_weights([store[str(i)] for i in range(count)])

    # ------------------------------------------------------------------------------------------- config

    def get_config(self) -> dict[str, Any]:
        """The arguments `__init__` takes to rebuild this optimizer (without its state)."""
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            learning_rate = learning_rate_schedule.serialize(self._learning_rate)
        elif callable(self._learning_rate):
            learning_rate = serialize_keras_object(self._learning_rate)
        else:
            learning_rate = self._learning_rate
        config = {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Optimizer:
        """Builds an optimizer from `get_config()` output (tf.keras 2 configs included)."""
        config = {k: v for k, v in config.items() if k not in _KERAS2_ONLY_CONFIG_KEYS}
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = learning_rate_schedule.deserialize(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)
