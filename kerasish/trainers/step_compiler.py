"""Compiling the steps of `fit`, `evaluate` and `predict` with `torch.compile` (`compile(jit_compile=...)`).

The train step compiles as one graph where it can (`whole_step.py`: forward, loss, backward, the optimizer's
update and the metrics), and the test step likewise (forward, loss, metrics). Where the train step cannot (an
optimizer without a tensor-arithmetic update, or a step the gradient transform refuses), it is split: the forward
pass and the loss compile as one graph whose backward AOTAutograd compiles as a second, and the optimizer's update
(its foreach kernels take the step count and learning rate as Python numbers, so nothing retraces), loss scaling
and the metrics' running sums run around it. The batch dimension is marked dynamic, so a partial last batch reuses
the graph; flipping `trainable` changes which parameters need gradients, which retraces once.

`jit_compile="auto"` (the default) decides per `fit` by measuring, and never compiles where it cannot pay:

1. Only the built-in `train_step` on one process is a candidate (a custom step runs eagerly).
2. The first `WARMUP_STEPS` steps run eagerly untimed, the next `MEASURE_STEPS` eagerly timed: `eager_s` a step.
3. The rest of the run is `remaining` steps (epochs × batches still to come; unknown-length data never compiles).
   Compiling is expected to save at most `EXPECTED_SAVING` of a step and to cost `compile_cost_s` (the cost measured
   by this process's last compile, or `COMPILE_COST_PRIOR_S` before any). The step compiles only when
   `remaining × eager_s × EXPECTED_SAVING > SAFETY × compile_cost_s`.
4. Once compiled, the next `MEASURE_STEPS` compiled steps are timed; if they are not faster than `eager_s`, the
   run goes back to eager for good (for this `compile()`), so a wrong guess costs at most one compile, which rule 3
   bounds to a small fraction of the run.
A later `fit` of the same compiled model reuses the graph (no compile cost) when it was measured faster.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import torch

from kerasish.trainers.whole_step import WholeTrainStep
from kerasish.utils import tree

# The torch.compile backend. Tests set "aot_eager" (the same graph capture and guards, no C++ build).
backend = "inductor"

WARMUP_STEPS = 3
MEASURE_STEPS = 10
# A cautious bound on the share of a step compiling saves: the whole step saved about 45% on the smallest CPU model
# measured, the split step (forward and loss compiled, update eager) nothing (benchmarks.md).
EXPECTED_SAVING = 0.3
SAFETY = 2.0
COMPILE_COST_PRIOR_S = 30.0  # inductor's first compile of a small train step on 2 busy CPU cores

_measured_compile_cost_s: float | None = None  # the last compile this process paid for, for the next decision


def compile_cost_s() -> float:
    return COMPILE_COST_PRIOR_S if _measured_compile_cost_s is None else _measured_compile_cost_s


def mark_batch_dynamic(structure) -> None:
    """Marks the first dimension of every tensor in `structure` dynamic, so a partial last batch needs no graph."""
    for leaf in tree.flatten(structure):
        if isinstance(leaf, torch.Tensor) and leaf.dim() > 0:
            torch._dynamo.maybe_mark_dynamic(leaf, 0)


class CompiledFunction:
    """`fn` compiled once, the batch dimension of its tensor arguments dynamic (marked on every call: a retrace for
    another reason must not specialise it); the first call's wall time (the compile) is recorded as this process's
    compile cost.

    When the compiler fails on the dynamic batch dimension (inductor has such bugs, e.g. pooling under dynamic
    shapes), `fn` is compiled again with static shapes (a partial last batch then traces once more); when that fails
    too, `fn` runs eagerly from then on, with a one-time warning naming the compiler's error.
    """

    def __init__(self, fn: Callable, inductor_options: dict | None = None, guard_filter_fn: Callable | None = None):
        self._fn = fn
        self._inductor_options = inductor_options or {}
        self._guard_filter_fn = guard_filter_fn
        self._compiled = self._compile(dynamic=None)
        self._dynamic = True
        self.eager_reason = None  # why `fn` runs eagerly, once compiling it failed
        self.called = False

    def _compile(self, dynamic: bool | None):
        options = dict(self._inductor_options) if backend == "inductor" else {}  # torch.compile pops from it
        if self._guard_filter_fn is not None:
            options["guard_filter_fn"] = self._guard_filter_fn
        # `isolate_recompiles`: torch.compile keeps graphs per code object, at most `recompile_limit` (8) of them,
        # so every model's step running one method's code would leave the ninth model compiled in a process (a
        # hyperparameter search, cross-validation) eager.
        return torch.compile(
            self._fn, backend=backend, dynamic=dynamic, options=options or None, isolate_recompiles=True
        )

    def __call__(self, *args, **kwargs):
        if self.eager_reason is not None:
            return self._fn(*args, **kwargs)
        if self.called:
            if self._dynamic:
                mark_batch_dynamic(args)
            return self._run(args, kwargs)
        global _measured_compile_cost_s
        # A view into the epoch's data has a storage offset; traced with one, the graph would guard on it and
        # retrace for the first batch of the next epoch (offset 0). Traced at offset 0, any offset passes.
        args = tree.map_structure(
            lambda t: t.clone() if isinstance(t, torch.Tensor) and t.storage_offset() else t, args
        )
        if self._dynamic:
            mark_batch_dynamic(args)
        start = time.perf_counter()
        result = self._run(args, kwargs)
        _measured_compile_cost_s = time.perf_counter() - start
        self.called = True
        return result

    def _run(self, args, kwargs):
        try:
            return self._compiled(*args, **kwargs)
        except torch._dynamo.exc.BackendCompilerFailed as error:  # the compiler's failure, not the user code's
            if self._dynamic:
                self._dynamic = False
                self._compiled = self._compile(dynamic=False)
                # Fresh tensors: the failed attempt's marks would make the batch dimension dynamic again.
                args = tree.map_structure(lambda t: t.clone() if isinstance(t, torch.Tensor) else t, args)
                return self._run(args, kwargs)
            cause = getattr(error, "inner_exception", None) or error  # the backend's own error, not dynamo's wrapper
            self.eager_reason = _summary(cause)
            name = getattr(self._fn, "__name__", type(self._fn).__name__)
            warnings.warn(
                f"jit_compile: torch.compile could not compile `{name}` ({self.eager_reason}); it runs eagerly.",
                stacklevel=4,
            )
            return self._fn(*args, **kwargs)


def _summary(error: BaseException) -> str:
    """An error's type and the first line of its message, for a one-line warning."""
    message = str(error).strip()
    return f"{type(error).__name__}: {message.splitlines()[0] if message else ''}"


def compiled_step(fn: Callable, device: torch.device) -> CompiledFunction:
    """A whole step compiled: on CPU with a C++ wrapper around the kernels (a small model's step a third faster),
    and guarded only on what may change between its calls (`_guards_between_steps`)."""
    options = {"cpp_wrapper": True} if device.type == "cpu" else None
    return CompiledFunction(fn, options, guard_filter_fn=_guards_between_steps)


# What a compiled step reads through `self` that may change between its calls: the parameter list and the other
# tensors a `trainable` flip replaces (`WholeTrainStep.use`).
_CHANGING_STATE = ("self._trainable", "self._state")


def _guards_between_steps(entries) -> list[bool]:
    """Which of the guards dynamo made for a step to keep. As in Keras, a compiled step is fixed until the next
    `compile()`, which makes a new one: guards on the model's layers, the optimizer's hyperparameters and module
    globals are dropped (checking them took 85 us of a 1.6 ms MLP step, half of a tiny model's). Kept: torch's
    global state (grad mode, autocast, ...), the step's arguments (the batch, the learning rate and step count),
    and `_CHANGING_STATE`."""
    keep = []
    for entry in entries:
        name = entry.name
        own_argument = not entry.is_global and not name.startswith(("self", "__import__"))
        keep.append(not name or own_argument or name.startswith(_CHANGING_STATE))
    return keep


class _StepTimer:
    """Wall time of a window of steps, the device drained at both ends only (one sync per window)."""

    def __init__(self, device: torch.device):
        self._device = device
        self._start = None
        self.seconds_per_step = None

    def _now(self) -> float:
        if self._device.type == "cuda":
            torch.cuda.synchronize(self._device)
        return time.perf_counter()

    def start(self) -> None:
        self._start = self._now()

    def stop(self, steps: int) -> float:
        self.seconds_per_step = (self._now() - self._start) / steps
        return self.seconds_per_step


class TrainStepCompiler:
    """The compiled forward-and-loss of the built-in train step, and whether each step uses it.

    `jit_compile=True` uses it from the first step; `"auto"` follows the rule of this module's docstring.
    """

    def __init__(self, forward_and_loss: Callable, mode, whole_step: WholeTrainStep | None = None):
        self.mode = mode  # True or "auto"
        self._forward_and_loss = forward_and_loss
        self._compiled = None
        self._whole = whole_step  # the whole step as one graph, when the model's optimizer allows it
        self._whole_compiled = None
        self._hyper = None  # the learning rate, the 1-based step number and the loss scale: the step's tensor inputs
        self.use_compiled = mode is True
        self.settled = mode is True  # whether "auto" has decided for good
        self._eager_s = None
        self._compiled_faster = None  # measured by an earlier fit of this compile()
        self._steps = 0
        self._remaining = None
        self._timer = None
        self._compiled_at = 0  # the step "auto" switched to the compiled forward at
        self.decision = "compiled (jit_compile=True)" if mode is True else None

    def train_step(self, x, y, sample_weight, params: list, optimizer):
        """One compiled train step, forward to metrics, returning its logs; None when this model's step is not one
        graph (the caller then runs `forward_and_loss` and the eager update)."""
        whole = self._whole
        if whole is None:
            return None
        if self._whole_compiled is None:
            device = params[0].device if params else torch.device("cpu")
            self._whole_compiled = compiled_step(whole.train_step, device)
            self._hyper = tuple(torch.zeros((), device=device) for _ in range(3))
        whole.use(params)
        for tensor, value in zip(self._hyper, optimizer._graph_hyperparameters()):
            tensor.fill_(value)
        first = not self._whole_compiled.called
        try:
            # Autograd off around it: the gradients are the graph's own (`torch.func.grad` ignores an outer
            # no_grad), so torch.compile makes an inference graph, without the autograd wrapper that a graph with
            # inputs requiring gradients gets (twice the graph's own cost a step on a small model).
            with torch.no_grad():
                result, applied = self._whole_compiled(x, y, sample_weight, *self._hyper)
        except Exception as error:  # noqa: BLE001 - any failure to capture the first step falls back to the split one
            if not first:
                raise
            self._whole = None
            warnings.warn(
                f"jit_compile: the train step could not run as one graph ({_summary(error)}); its forward pass and "
                "loss are "
                "compiled, the optimizer's update runs eagerly.",
                stacklevel=3,
            )
            return None
        optimizer._graph_count(applied)
        return result

    def forward_and_loss(self, x, y, sample_weight):
        """The compiled forward pass and loss (the train step calls it while `use_compiled`)."""
        if self._compiled is None:
            self._compiled = CompiledFunction(self._forward_and_loss)
        return self._compiled(x, y, sample_weight)

    def start_fit(self, planned_steps: int | None, device: torch.device) -> None:
        """A new `fit`: `planned_steps` is how many train steps it will run (None when the data has no length)."""
        self._steps = 0
        self._remaining = planned_steps
        self._timer = _StepTimer(device)
        if self.mode == "auto" and self._compiled_faster is not None:
            self.use_compiled = self._compiled_faster  # the compile is paid for; its speed is known
            self.settled = True

    def after_step(self) -> None:
        """Called after each train step of `fit` until `settled` (a counter and a comparison unless a window
        opens or closes)."""
        self._steps += 1
        step = self._steps
        if not self.use_compiled:
            if step == WARMUP_STEPS:
                self._timer.start()
            elif step == WARMUP_STEPS + MEASURE_STEPS:
                self._eager_s = self._timer.stop(MEASURE_STEPS)
                self._decide(step)
        else:
            # Compiled since step `_compiled_at`: the first compiled step compiles, then a window is timed.
            since = step - self._compiled_at
            if since == 1:
                self._timer.start()
            elif since == 1 + MEASURE_STEPS:
                compiled_s = self._timer.stop(MEASURE_STEPS)
                self._compiled_faster = compiled_s < self._eager_s
                self.use_compiled = self._compiled_faster
                self.settled = True
                self.decision = (
                    f"compiled: {compiled_s * 1e3:.3f} ms a step against {self._eager_s * 1e3:.3f} eager"
                    if self.use_compiled
                    else f"back to eager: compiled {compiled_s * 1e3:.3f} ms a step, eager {self._eager_s * 1e3:.3f}"
                )

    def _decide(self, step: int) -> None:
        if self._remaining is None:
            self.decision = "eager: the data's length is unknown, so the saving cannot be projected"
            self.settled = True
            return
        remaining = self._remaining - step
        saving = remaining * self._eager_s * EXPECTED_SAVING
        cost = SAFETY * compile_cost_s()
        if saving > cost:
            self.use_compiled = True
            self._compiled_at = step
            self.decision = f"compiling: projected saving {saving:.1f} s > {cost:.1f} s"
        else:
            self.settled = True
            self.decision = f"eager: projected saving {saving:.2f} s <= {cost:.1f} s of compiling"


def warn_custom_step_once(model, step_name: str) -> None:
    """One message per model: its own `train_step`/`test_step` runs eagerly under `jit_compile=True`."""
    if getattr(model, "_custom_step_notice_given", False):
        return
    model._custom_step_notice_given = True
    warnings.warn(
        f'Model "{model.name}" overrides `{step_name}`, so `jit_compile=True` does not compile that step as a '
        "whole: a custom step calls `backward()` and the optimizer, which torch.compile cannot capture in one "
        "graph. The step runs eagerly.",
        stacklevel=3,
    )
