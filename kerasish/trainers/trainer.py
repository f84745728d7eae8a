"""Trainer: `compile`, `fit`, `evaluate`, `predict` and the `*_step`/`*_on_batch` methods of every Model.

The loop is thin on purpose: in-memory data is converted once and sliced per batch, metrics accumulate on the
device and are read (`.item()`) only when something is shown or logged, and callbacks are called only for the
hooks they override. `train_step`/`test_step`/`predict_step` can be overridden as in Keras.

`fit`, `evaluate` and `predict` read like Keras's torch trainer: `_run` sets each run up and cleans it up (device,
data, distribution strategy, callbacks, mode), the epoch body is the step and its hooks, and what differs across
processes is the strategy's (`kerasish.distribute.strategy`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import sys
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from kerasish import config
from kerasish import metrics as metrics_module
from kerasish import optimizers as optimizers_module
from kerasish.backend.common import scopes
from kerasish.callbacks import CallbackList, ProgbarLogger
from kerasish.callbacks.backup_and_restore import ResumePoint
from kerasish.callbacks.callback_list import overrides
from kerasish.distribute.launcher import launch_fit, should_launch
from kerasish.distribute.strategy import LocalStrategy, get_strategy
from kerasish.layers.input_layer import adjust_rank
from kerasish.layers.layer import collect_losses, inference_calls
from kerasish.ops.core import convert_to_numpy
from kerasish.trainers import host_memory
from kerasish.trainers.compile_utils import CompileLoss, CompileMetrics, check_targets_like
from kerasish.trainers.data_adapters import (
    get_data_adapter,
    lists_as_arrays,
    train_validation_split,
    unpack_x_y_sample_weight,
)
from kerasish.trainers.epoch_iterator import EpochIterator, batch_mover
from kerasish.trainers.step_compiler import (
    CompiledFunction,
    TrainStepCompiler,
    compiled_step,
    warn_custom_step_once,
)
from kerasish.trainers.whole_step import WholeTrainStep
from kerasish.utils import tree
from kerasish.utils.traceback_utils import filter_traceback


class MetricsLogs(Mapping):
    """The model's metric results as a read-only mapping of floats, sorted by name as Keras orders logs; each
    value is computed (a device sync) only when read, so batch hooks that don't read logs cost nothing."""

    def __init__(self, model):
        self._model = model

    def _metrics(self) -> list:
        return self._model.metrics

    def __getitem__(self, key):
        for metric in self._metrics():
            if metric.name == key:
                return float(metric.result().detach())
        raise KeyError(key)

    def __iter__(self):
        return iter(sorted(m.name for m in self._metrics()))

    def __len__(self):
        return len(self._metrics())


def _floats(logs) -> dict:
    """Logs as plain Python floats (one device sync per value), for epoch ends, History and return values."""
    result = {}
    for key, value in (logs or {}).items():
        if isinstance(value, Mapping):
            result.update(_floats(value))
        elif isinstance(value, torch.Tensor) and value.numel() == 1:
            result[key] = float(value.detach())  # a custom train_step's metrics may still hold the graph
        elif isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1:
            result[key] = float(value)
        else:
            result[key] = value
    return result


def _resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1 if sys.stdout.isatty() else 2
    return int(verbose)


class _RunState:
    """What the steps read that a run sets up, held apart from the model's attributes (where torch would register
    the modules and the list of layers as submodules of the model: a cycle through it)."""

    __slots__ = (
        "compiled",
        "forward",
        "layers",
        "layer_metrics",
        "train_compiler",
        "test_compiled",
        "loss_takes_training",
    )

    def __init__(self):
        self.compiled = None  # the model's `torch.compile`d forward (`jit_compile=True`), made once per `compile`
        self.forward = None  # what the steps call: None (the model), `compiled`, or a strategy's wrapper of either
        self.layers = None  # every layer of the model, listed once per run
        self.layer_metrics = None  # the metrics those layers hold, listed with them
        self.train_compiler = None  # the train step's TrainStepCompiler (`jit_compile` True or "auto"), per `compile`
        self.test_compiled = None  # the test step compiled as one graph (`jit_compile=True`), per `compile`
        self.loss_takes_training = True  # whether `compute_loss` takes `training`, for the compiled steps


@dataclass
class _Run:
    """A run of `fit`, `evaluate` or `predict`, as `Trainer._run` set it up."""

    strategy: LocalStrategy
    callbacks: CallbackList
    data: EpochIterator
    validation: EpochIterator | None = None  # fit's validation data
    planned_steps: int | None = None  # the train steps fit will run (None when the data has no length)
    started: bool = False  # whether training has started: the model built, checked and wrapped by the strategy


# The hooks through which a callback can set `stop_training` in the middle of an epoch.
_TRAIN_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")


class Trainer:
    """Keras's training API, mixed into `Model`."""

    def _init_trainer(self) -> None:
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self.stop_training = False
        self.history = None
        self.run_eagerly = False
        self.jit_compile = False
        self._jit_mode = False  # True, "auto" or False: how the train step is compiled (`step_compiler`)
        self.steps_per_execution = 1
        self._compile_config = None
        self._train_params = None
        self._run_state = _RunState()
        self._metrics_logs = MetricsLogs(self)
        self._resume_point = None  # a ResumePoint, set by BackupAndRestore in on_train_begin when a backup is restored

    # ---- compile -------------------------------------------------------------------------------------------

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly: bool = False,
        steps_per_execution: int = 1,
        jit_compile="auto",
        auto_scale_loss: bool = True,
    ) -> None:
        """Configures the model for training.

        Args:
            optimizer: an optimizer or its name (default `"rmsprop"`, as Keras).
            loss: a loss (name, function or `Loss`), or a list/dict of them, one per output.
            loss_weights: scalars weighting each output's loss in the total.
            metrics: metrics (names, functions or `Metric`s), or a list/dict per output. `"accuracy"` picks the
                binary, sparse categorical or categorical accuracy from the data, as Keras does.
            weighted_metrics: metrics that take `sample_weight`/`class_weight` into account.
            run_eagerly: True turns compiling off (whatever `jit_compile` says).
            steps_per_execution: accepted for compatibility (each step runs as it comes).
            jit_compile: True compiles each step with `torch.compile`: the forward pass and the loss as one graph
                and its backward, the batch dimension dynamic. "auto" (the default) compiles `fit`'s train step
                only when measuring its first steps projects that compiling pays for itself (the rule is in
                `kerasish.trainers.step_compiler` and docs/training.md). False runs eagerly.
            auto_scale_loss: under the "mixed_float16" policy, wrap the optimizer in a `LossScaleOptimizer`.
        """
        # Everything that can reject an argument runs before the model changes: a failed compile leaves it as it was.
        if jit_compile not in (True, False, "auto"):
            raise ValueError(f'`jit_compile` must be True, False or "auto"; received jit_compile={jit_compile!r}.')
        optimizer = optimizers_module.get(optimizer)
        if (
            auto_scale_loss
            and self.dtype_policy.name == "mixed_float16"
            and not isinstance(optimizer, optimizers_module.LossScaleOptimizer)
        ):
            # As Keras: float16 gradients underflow without loss scaling (bfloat16 needs none).
            optimizer = optimizers_module.LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
        output_names = self._output_names_for_compile()
        compile_loss = CompileLoss(loss, loss_weights, output_names) if loss is not None else None
        compile_metrics = (
            CompileMetrics(metrics, weighted_metrics, output_names)
            if metrics is not None or weighted_metrics is not None
            else None
        )
        self.optimizer = optimizer
        self.loss = loss
        self._compile_loss = compile_loss
        self._compile_metrics = compile_metrics
        self._loss_tracker = metrics_module.Mean(name="loss")
        self.run_eagerly = run_eagerly
        self.jit_compile = jit_compile is True and not run_eagerly
        self._jit_mode = False if run_eagerly else jit_compile
        self.steps_per_execution = steps_per_execution
        self._run_state = _RunState()
        self._train_params = None
        self._compile_config = {
            "optimizer": optimizer,
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
        }
        self.compiled = True

    def _output_names_for_compile(self) -> list[str]:
        return list(getattr(self, "output_names", None) or [])

    def _assert_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using the model (`{method}` was called on model "
                f'"{self.name}", which is not compiled).'
            )

    @property
    def metrics(self) -> list:
        """The loss tracker, the compiled metrics, the per-output losses, the metrics the model holds as attributes,
        then those its layers hold (not those of a nested model's own compile), each once."""
        found = []
        if self._loss_tracker is not None:
            found.append(self._loss_tracker)
        if self._compile_metrics is not None:
            found.extend(self._compile_metrics.metrics)
        if self._compile_loss is not None:
            found.extend(self._compile_loss.metrics)
        held = [*self._own_metrics(), *self._layer_metrics()]  # the loss tracker among the first: counted once
        found.extend(m for m in held if all(m is not f for f in found))
        return found

    def _layer_metrics(self) -> list:
        """The metrics the model's layers hold, not counting a nested model's own compile's: listed once per run, as
        the layers are (`_run_layers`), since the logs read the metrics every batch."""
        state = self._run_state
        if state.layer_metrics is None:
            layers = [layer for layer in self._run_layers()[1:] if not isinstance(layer, Trainer)]
            state.layer_metrics = [metric for layer in layers for metric in layer._own_metrics()]
        return state.layer_metrics

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        for metric in self.metrics:
            metric.reset_state()

    def get_metrics_result(self) -> dict:
        """The current results of all metrics, as a dict of 0-d tensors."""
        return {m.name: m.result() for m in self.metrics}

    # ---- the steps -----------------------------------------------------------------------------------------

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training: bool = True):
        """The compiled loss plus every loss added by layers (regularization, `add_loss`)."""
        losses = []
        if self._compile_loss is not None:
            losses.append(self._compile_loss(y, y_pred, sample_weight))
        losses.extend(collect_losses(self._run_layers()))
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for loss in losses[1:]:
            total = total + loss
        return total

    def _call_compute_loss(self, x, y, y_pred, sample_weight, training: bool):
        # A user's `compute_loss` written without `training` is called without it, as Keras checks the signature.
        if _takes_training(type(self).compute_loss):
            return self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
        return self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics; returns the model's metric results (read lazily)."""
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return self._metrics_logs

    def _forward(self, x, training: bool):
        forward = self._run_state.forward  # torch.compile, a strategy's wrapper, or None: the model itself
        if forward is None:
            forward = self
        return forward(x, training=training) if self._call_has_training else forward(x)

    def train_step(self, data):
        """One optimizer step on a batch `(x, y, sample_weight)`; returns the metric logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        params = self._train_params if self._train_params is not None else self._collect_train_params()
        compiler = self._run_state.train_compiler
        compiled = compiler is not None and compiler.use_compiled
        logs = compiler.train_step(x, y, sample_weight, params, self.optimizer) if compiled else None
        if logs is not None:
            return logs
        if compiled:
            y_pred, loss = compiler.forward_and_loss(x, y, sample_weight)
        else:
            y_pred = self._forward(x, training=True)
            loss = self._call_compute_loss(x, y, y_pred, sample_weight, training=True)
        for p in params:
            p.grad = None
        self.optimizer.scale_loss(loss).backward()
        self.optimizer.apply([p.grad for p in params], params)
        return self._record_step(x, y, y_pred, loss, sample_weight)

    def _record_step(self, x, y, y_pred, loss, sample_weight):
        """A step's bookkeeping (inside the compiled steps too): the loss tracker and the compiled metrics; returns
        the logs."""
        self._loss_tracker.update_state(loss.detach(), sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on a batch, without training; returns the metric logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        compiled = self._run_state.test_compiled
        if compiled is not None:
            return compiled(x, y, sample_weight)
        y_pred = self._forward(x, training=False)
        loss = self._call_compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._record_step(x, y, y_pred, loss, sample_weight)

    def predict_step(self, data):
        """The model's output for a batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self._forward(x, training=False)

    def _train_forward_and_loss(self, x, y, sample_weight):
        # What `torch.compile` captures of the train step (one process: no strategy wrapper in the way).
        return self._forward_and_loss(x, y, sample_weight, training=True)

    def _test_step_graph(self, x, y, sample_weight):
        # What `torch.compile` captures of the test step: forward, loss and the metrics' updates, one graph.
        y_pred, loss = self._forward_and_loss(x, y, sample_weight, training=False)
        return self._record_step(x, y, y_pred, loss, sample_weight)

    def _forward_and_loss(self, x, y, sample_weight, training: bool):
        y_pred = self(x, training=training) if self._call_has_training else self(x)
        # The signature check is resolved before compiling (the compiler would trace through its cache).
        if self._run_state.loss_takes_training:
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
        else:
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
        return y_pred, loss

    def _set_up_step_compilers(self, strategy: LocalStrategy, training: bool) -> None:
        """Once per `compile`, for a built model on one process: the test step compiled as one graph
        (`jit_compile=True`) and, when `training` starts, the train step's compiler (`jit_compile` True or "auto").
        A custom step is not compiled; under `jit_compile=True` a custom `train_step` gets a one-time message."""
        state = self._run_state
        if not self._jit_mode or not self.built or type(strategy) is not LocalStrategy:
            return  # under DDP its gradient hooks, not a graph of ours, own the backward
        self._run_layers()  # listed now, so the compiled loss does not retrace on the list appearing
        state.loss_takes_training = _takes_training(type(self).compute_loss)
        if self._jit_mode is True and state.test_compiled is None and type(self).test_step is Trainer.test_step:
            params = self._train_params or self._collect_train_params()
            state.test_compiled = compiled_step(
                self._test_step_graph, params[0].device if params else torch.device("cpu")
            )
        if not training or state.train_compiler is not None:
            return
        if type(self).train_step is not Trainer.train_step:
            if self._jit_mode is True:
                warn_custom_step_once(self, "train_step")
            return
        whole = WholeTrainStep(self) if WholeTrainStep.unsupported(self) is None else None
        state.train_compiler = TrainStepCompiler(self._train_forward_and_loss, self._jit_mode, whole)

    def _predict_batch(self, batch):
        # `predict_step` for the `(x,)` tuples predict's adapters make, without the general unpacking.
        x = batch[0] if type(batch) is tuple and len(batch) == 1 else unpack_x_y_sample_weight(batch)[0]
        return self._forward(x, training=False)

    # ---- preparing a run -----------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _run(
        self, data: EpochIterator, callbacks, verbose, validation: EpochIterator | None = None, **params
    ) -> Iterator[_Run]:
        """The set-up and clean-up every run of `fit`, `evaluate` and `predict` shares.

        The model goes to the device of this process's strategy, the data (and validation data) gets this
        process's share and yields its batches on that device, and `callbacks` become a `CallbackList` (with the
        CallbackList `params`; a progress bar on the chief process only). When the run ends, however it ends, the
        model's mode is as it was, the data is closed and a wrapper the strategy put around the model is dropped.
        """
        iterators = [data] if validation is None else [data, validation]
        state, was_training = self._run_state, self.training
        outer_forward = state.forward  # a run within a run (evaluate inside fit) leaves the outer one's forward
        host_memory.keep_freed_blocks()  # no page faults for the memory each step allocates again
        try:
            strategy = get_strategy()
            self._prepare(strategy.device)
            strategy.shard(iterators)
            for iterator in iterators:
                iterator.to_device(strategy.device)
            verbose = _resolve_verbose(verbose) if strategy.is_chief else 0
            if not isinstance(callbacks, CallbackList):
                callbacks = CallbackList(
                    callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, steps=data.num_batches, **params
                )
            yield _Run(strategy, callbacks, data, validation)
        finally:
            self.train(was_training)
            for iterator in iterators:
                iterator.close()
            state.forward = outer_forward if outer_forward is not None else state.compiled

    def _prepare(self, device: torch.device | None = None) -> torch.device:
        """Moves the model to `device` (by default, that of this process's strategy); the parameters and layers of
        the run are listed afresh (the model may have changed since the last run), once its first forward pass has
        built everything. With `jit_compile`, the forward pass is compiled, once per `compile`."""
        device = get_strategy().device if device is None else device
        if any(p.device != device for p in self.parameters()) or any(b.device != device for b in self.buffers()):
            self.to(device)
        state = self._run_state
        self._train_params = None
        # Listed now when the model is built (a compiled loss reads the list: it must not appear mid-run).
        state.layers = self._flatten_layers() if self.built else None
        state.layer_metrics = None
        if self.jit_compile and state.compiled is None:
            state.compiled = CompiledFunction(self)
        if state.forward is None:
            state.forward = state.compiled
        self._set_up_step_compilers(get_strategy(), training=False)
        return device

    def _run_layers(self) -> list:
        """Every layer of the model, listed once per run (after the first forward pass has built them all)."""
        state = self._run_state
        if state.layers is None:
            state.layers = self._flatten_layers()
            state.layer_metrics = None
        return state.layers

    def _collect_train_params(self) -> list:
        """The parameters the optimizer steps, in Keras's weight order, fixed once the model is built."""
        keras_order = [w for w in self.weights if isinstance(w, torch.nn.Parameter)]
        known = {id(p) for p in keras_order}
        self._train_params = keras_order + [p for p in self.parameters() if id(p) not in known]
        return self._train_params

    def _build_from_batch(self, batch, iterator: EpochIterator | None = None) -> None:
        """What Keras's symbolic build does before the first step: checks the batch against the model's inputs,
        then, when the model or the compiled loss and metrics are not built yet, builds them with one forward pass
        on the batch. A custom `train_step` then finds every compiled metric in `self.metrics`, and a bad target
        or metric spec fails before any weight moves. Last, the targets are checked against the loss: all of the
        `iterator`'s when it holds arrays, else this batch's and then each streamed batch's."""
        x, y, _ = unpack_x_y_sample_weight(batch)
        self._check_inputs(x)
        loss, metrics = self._compile_loss, self._compile_metrics
        if self.built and (loss is None or loss.built) and (metrics is None or metrics.built):
            self._check_targets(batch, iterator)
            return
        was_training = self.training
        self.eval()  # no moving-statistics update, no dropout
        try:
            # Eagerly, past a compiled forward: a graph made for one build would never run again. In the symbolic
            # scope, as Keras builds on symbolic inputs: a metric a layer updates in `call` does not count this batch.
            with torch.no_grad(), scopes.SymbolicScope():
                y_pred = self(x, training=False) if self._call_has_training else self(x)
        finally:
            self.train(was_training)
        if loss is not None and not loss.built:
            loss.build(y, y_pred)
        if metrics is not None and not metrics.built:
            metrics.build(y, y_pred)
        self._check_targets(batch, iterator)

    def _check_targets(self, batch, iterator: EpochIterator | None) -> None:
        loss = self._compile_loss
        if loss is None or not loss.checks_targets:
            return
        if iterator is None:
            loss.check_targets(unpack_x_y_sample_weight(batch)[1])
        else:
            iterator.check_targets(loss.check_targets, batch)

    def _check_inputs(self, x) -> None:
        """Checks a batch against the model's declared inputs (once per run), naming the input on a mismatch."""
        inputs = self._declared_inputs()
        if not inputs:
            return
        names = [t._keras_history[0].name for t in inputs]
        if isinstance(x, dict):
            struct = getattr(self, "_input_struct", None)
            keys = sorted(struct) if isinstance(struct, dict) else names
            missing = [k for k in keys if k not in x]
            if missing:
                raise ValueError(
                    f'Missing data for input "{missing[0]}" of model "{self.name}". Expected keys '
                    f"{keys}, received keys {sorted(x)}."
                )
            leaves = [x[k] for k in keys]
        else:
            leaves = tree.flatten(x)
            if len(leaves) != len(inputs):
                raise ValueError(
                    f'Model "{self.name}" expects {len(inputs)} input(s) {names}, but it received '
                    f"{len(leaves)} input arrays."
                )
        for name, spec, value in zip(names, inputs, leaves):
            shape = tuple(adjust_rank(value, spec.shape).shape) if hasattr(value, "ndim") else tuple(value.shape)
            expected = spec.shape
            compatible = len(shape) == len(expected) and all(
                e is None or e == g for e, g in zip(expected[1:], shape[1:])
            )
            if not compatible:
                raise ValueError(
                    f'Input "{name}" of model "{self.name}" is incompatible: expected shape '
                    f"{expected}, received data of shape {(None,) + shape[1:]}."
                )

    def _check_validation_data(self, validation_data, train: EpochIterator, validation: EpochIterator) -> None:
        """Checks validation arrays as the first training batch is checked, before the first epoch rather than
        after it: targets present when a loss is compiled, inputs against the declared inputs, targets against the
        declared outputs. A stream is checked when its first batch is drawn."""
        data, train_data = validation.adapter.in_memory_data(), train.adapter.in_memory_data()
        if data is None:
            return
        x, y, _ = unpack_x_y_sample_weight(data)
        train_y = unpack_x_y_sample_weight(train_data)[1] if train_data is not None else None
        if y is None and self._compile_loss is not None and (train_data is None or train_y is not None):
            length = f" of length {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else ""
            raise ValueError(
                f"`validation_data` has no targets, but the model is compiled with a loss: pass "
                f"`(x_val, y_val)` or `(x_val, y_val, val_sample_weight)`; received a "
                f"{type(validation_data).__name__}{length}."
            )
        outputs = getattr(self, "outputs", None)
        try:
            self._check_inputs(x)
            if outputs and y is not None and train_y is not None:
                check_targets_like(y, train_y, tree.flatten(outputs), self._output_names_for_compile())
        except ValueError as error:
            raise ValueError(f"In `validation_data`: {error}") from None

    def _iterator_for(
        self,
        x,
        y,
        sample_weight,
        batch_size,
        steps,
        shuffle=False,
        class_weight=None,
        workers=None,
        use_multiprocessing=None,
        max_queue_size=None,
    ):
        self._check_string_data(x)
        adapter = get_data_adapter(
            x,
            y,
            sample_weight,
            batch_size=batch_size,
            shuffle=shuffle,
            class_weight=class_weight,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
            steps=steps,
        )
        return EpochIterator(adapter, steps)

    def _check_string_data(self, x) -> None:
        """String arrays only go to inputs declared with `dtype="string"` (which turn them into ids); anywhere else
        they would silently become numbers, so they are refused, naming the input."""
        inputs = self._declared_inputs() or []
        names = [t._keras_history[0].name for t in inputs]
        takes_strings = {t._keras_history[0].name: getattr(t._keras_history[0], "holds_strings", False) for t in inputs}
        if isinstance(x, Mapping):
            pairs = list(x.items())
        else:
            leaves = tree.flatten(x) if isinstance(x, (list, tuple)) else [x]
            pairs = list(zip(names, leaves)) if len(leaves) == len(names) else [(None, leaf) for leaf in leaves]
        for name, value in pairs:
            if isinstance(value, np.ndarray) and value.dtype.kind in "OUS" and not takes_strings.get(name, False):
                where = f'input "{name}"' if name is not None else "an input"
                raise ValueError(
                    f'Model "{self.name}" received strings (dtype {value.dtype}) for {where}, which '
                    'takes numbers. Declare it with `Input(..., dtype="string")` and map the strings '
                    "with a lookup layer or feature column."
                )

    # ---- fit / evaluate / predict --------------------------------------------------------------------------

    @filter_traceback
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs: int = 1,
        verbose="auto",
        callbacks=None,
        validation_split: float = 0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch: int = 0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq: int = 1,
        workers=None,
        use_multiprocessing=None,
        max_queue_size=None,
        distribute=None,
        devices=None,
    ):
        """Trains the model for `epochs` epochs; returns a `History` whose `history` dict holds the logs.

        Args mirror Keras's `Model.fit`: `x`/`y` as arrays (numpy or torch, or lists/dicts of them keyed by input
        and output names), a Python generator or `PyDataset` yielding `(x, y[, sample_weight])`, a torch
        `Dataset`/`DataLoader`, a `tf.data.Dataset` or a grain dataset. `validation_split` takes the last fraction
        of array data, before shuffling.

        Beyond Keras 3: Keras 2's `workers`/`use_multiprocessing`/`max_queue_size` load a PyDataset's batches in
        parallel (threads, or worker processes) and bound a generator's prefetching. `distribute="ddp"` with
        `devices=N` (or "auto": every GPU) trains on N processes of this machine with DistributedDataParallel, and
        the trained weights and History come back here; under torchrun or SLURM, DDP is used without asking.
        """
        self._assert_compiled("fit")
        if config.max_epochs() and config.max_epochs() < epochs:
            warnings.warn(f"Limiting epochs to {config.max_epochs()} (keras.config.set_max_epochs).", stacklevel=2)
            epochs = config.max_epochs()
        if should_launch(distribute, devices):
            return self._launch_fit(
                devices,
                dict(
                    x=x,
                    y=y,
                    batch_size=batch_size,
                    epochs=epochs,
                    verbose=verbose,
                    callbacks=callbacks,
                    validation_split=validation_split,
                    validation_data=validation_data,
                    shuffle=shuffle,
                    class_weight=class_weight,
                    sample_weight=sample_weight,
                    initial_epoch=initial_epoch,
                    steps_per_epoch=steps_per_epoch,
                    validation_steps=validation_steps,
                    validation_batch_size=validation_batch_size,
                    validation_freq=validation_freq,
                    workers=workers,
                    use_multiprocessing=use_multiprocessing,
                    max_queue_size=max_queue_size,
                ),
            )
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split((x, y, sample_weight), validation_split)
        train = self._iterator_for(
            x,
            y,
            sample_weight,
            batch_size,
            steps_per_epoch,
            shuffle,
            class_weight,
            workers,
            use_multiprocessing,
            max_queue_size,
        )
        validation = self._validation_iterator(
            validation_data,
            train,
            batch_size if validation_batch_size is None else validation_batch_size,
            validation_steps,
        )
        epoch_logs = {}
        with self._run(train, callbacks, verbose, validation, add_history=True, epochs=epochs) as run:
            self.stop_training = False
            # Under a data-parallel strategy, one rank's stop stops them all.
            stop = run.strategy.stop_vote(self, _may_stop_between_batches(run.callbacks))
            run.callbacks.on_train_begin()
            resume = self._take_resume_point(initial_epoch)
            if train.num_batches is not None:
                run.planned_steps = train.num_batches * max(epochs - resume.epoch, 0)
            for epoch in range(resume.epoch, epochs):
                if train.exhausted:
                    train.warn_out_of_data()
                    break
                logs = self._train_epoch(run, epoch, resume, stop)
                if logs is None:
                    break  # no data this epoch
                epoch_logs = self._end_epoch(run, epoch, logs, validation_freq)
                if stop.after_epoch():
                    break
        if epochs > 0 and getattr(self.optimizer, "built", False):
            # As Keras: with `use_ema`, training ends on the moving average of the weights (a no-op otherwise).
            self.optimizer.finalize_variable_values(self.optimizer._trainable_variables)
        run.callbacks.on_train_end(logs=epoch_logs)
        host_memory.release_freed_blocks()  # the steps' memory, kept between them, goes back to the OS
        return self.history

    def _validation_iterator(self, validation_data, train: EpochIterator, batch_size, steps) -> EpochIterator | None:
        if validation_data is None:
            return None
        val_x, val_y, val_sw = unpack_x_y_sample_weight(validation_data)
        validation = self._iterator_for(val_x, val_y, val_sw, batch_size, steps)
        self._check_validation_data(validation_data, train, validation)
        return validation

    def _take_resume_point(self, initial_epoch: int) -> ResumePoint:
        """Where this `fit` starts: where a restored backup left off (BackupAndRestore sets it in
        `on_train_begin`), else at the first batch of `initial_epoch`."""
        resume, self._resume_point = self._resume_point, None
        return resume if resume is not None else ResumePoint(initial_epoch)

    def _train_epoch(self, run: _Run, epoch: int, resume: ResumePoint, stop):
        """One epoch of the train step and its hooks; returns the last step's logs, None when no batch came."""
        callbacks = run.callbacks
        self.reset_metrics()
        callbacks.on_epoch_begin(epoch)
        self.train()
        hooks = callbacks.has_train_batch_hooks
        batches, logs = self._epoch_batches(run, resume)
        compiler = self._run_state.train_compiler
        for step, batch in batches:
            if hooks:
                callbacks.on_train_batch_begin(step)
            logs = self.train_step(batch)
            if compiler is not None and not compiler.settled:
                compiler.after_step()
            if hooks:
                callbacks.on_train_batch_end(step, logs)
            if stop.after_batch():
                break
        return logs

    def _epoch_batches(self, run: _Run, resume: ResumePoint):
        """This epoch's `(step, batch)`s, from where the run stands, and the logs it starts with: past the batches
        a restored backup had done (the state of its moment back, the metrics' logs to start from), and through the
        start of training on the first batch of the run."""
        batches = iter(run.data)
        done = resume.skip_done_batches(batches)
        if done is not None:
            self._start_training(run, done)  # the model is built from the last batch done
        resume.restore()
        if not run.started:
            batches = self._starting_on_first(run, batches)
        return batches, (None if done is None else self._metrics_logs)

    def _starting_on_first(self, run: _Run, batches: Iterator) -> Iterator:
        """`batches`, training started on the first of them (drawn here, then put back in front)."""
        first = next(batches, None)
        if first is None:
            return batches
        self._start_training(run, first[1])
        return itertools.chain([first], batches)

    def _start_training(self, run: _Run, batch) -> None:
        """Before the first step: builds the model from `batch` and checks the data (the validation arrays too),
        then has the strategy wrap the built model."""
        self._build_from_batch(batch, run.data)
        if run.validation is not None:
            self._check_targets(None, run.validation)
        state = self._run_state
        state.forward = run.strategy.wrap(self if state.forward is None else state.forward)
        self._set_up_step_compilers(run.strategy, training=True)
        if state.train_compiler is not None:
            state.train_compiler.start_fit(run.planned_steps, run.strategy.device)
        run.started = True

    def _end_epoch(self, run: _Run, epoch: int, logs, validation_freq: int) -> dict:
        """The epoch's logs (every process's share of the data reduced), then validation's; `on_epoch_end`."""
        run.strategy.reduce_metrics(self.metrics)
        epoch_logs = _floats(logs)
        if run.validation is not None and (epoch + 1) % validation_freq == 0:
            val_logs = self._evaluate_iterator(run.validation, run)
            epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
        run.callbacks.on_epoch_end(epoch, epoch_logs)
        return epoch_logs

    def _launch_fit(self, devices, fit_kwargs: dict):
        """`fit(distribute="ddp", devices=N)` outside a launched group: builds the model here (so that the trained
        weights can come back into it), then runs `fit` in N processes."""
        if not self.built:
            iterator = self._iterator_for(
                fit_kwargs["x"],
                fit_kwargs["y"],
                fit_kwargs["sample_weight"],
                fit_kwargs["batch_size"],
                fit_kwargs["steps_per_epoch"],
            )
            if not iterator.adapter.can_restart:
                raise ValueError(
                    'fit(distribute="ddp") needs a built model when the data is a generator: call the '
                    "model on a batch (or `model.build(input_shape)`) first."
                )
            self._build_from_batch(next(iter(iterator.adapter.get_epoch_iterator())))
        return launch_fit(self, devices, fit_kwargs)

    @filter_traceback
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict: bool = False,
        max_queue_size=None,
        workers=None,
        use_multiprocessing=None,
        **kwargs,
    ):
        """Returns the loss and metrics on the data: a scalar (loss only), a list in `metrics_names` order, or a
        dict with `return_dict=True`. Keras 2's `max_queue_size`/`workers`/`use_multiprocessing` load the data as
        in `fit`."""
        self._assert_compiled("evaluate")
        unknown = set(kwargs) - {"_use_cached_eval_dataset"}
        if unknown:
            raise TypeError(f"evaluate() got unexpected keyword arguments {sorted(unknown)}")
        iterator = self._iterator_for(
            x,
            y,
            sample_weight,
            batch_size,
            steps,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
        with self._run(iterator, callbacks, verbose, epochs=1) as run:
            logs = self._evaluate_iterator(run.data, run)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def _flatten_metrics_in_order(self, logs: dict):
        """`logs` as a list in Keras's order: the loss, then the metrics logged under their own name (single-output
        metrics, per-output losses, tracked metrics), then the other keys sorted. Keras names a multi-output model's
        compiled metric objects without their output prefix, so `out1_mae` and the like land in the sorted tail."""
        prefixed = set()
        if self._compile_metrics is not None and len(self._compile_metrics.output_names) > 1:
            prefixed = {id(m) for m in self._compile_metrics.metrics}
        names = [m.name for m in self.metrics if id(m) not in prefixed]
        values = [logs[name] for name in names if name in logs]
        values += [logs[key] for key in sorted(logs) if key not in names]
        return values[0] if len(values) == 1 else values

    def _evaluate_iterator(self, iterator: EpochIterator, run: _Run) -> dict:
        """The test step and its hooks on every batch of `iterator`; returns the logs `on_test_end` gets."""
        callbacks = run.callbacks
        was_training = self.training
        self.eval()
        self.reset_metrics()
        callbacks.on_test_begin()
        hooks = callbacks.has_test_batch_hooks
        logs = None
        try:
            with torch.no_grad():
                for step, batch in iterator:
                    if step == 0:
                        self._build_from_batch(batch, iterator)
                    if hooks:
                        callbacks.on_test_batch_begin(step)
                    logs = self.test_step(batch)
                    if hooks:
                        callbacks.on_test_batch_end(step, logs)
        finally:
            self.train(was_training)
        run.strategy.reduce_metrics(self.metrics)  # every process saw its share: the totals are the metrics
        logs = _floats(logs if logs is not None else self._metrics_logs)
        callbacks.on_test_end(logs)
        return logs

    @filter_traceback
    def predict(
        self,
        x,
        batch_size=None,
        verbose="auto",
        steps=None,
        callbacks=None,
        max_queue_size=None,
        workers=None,
        use_multiprocessing=None,
    ):
        """The model's outputs for `x`, batch by batch, as numpy arrays (structured like the model's outputs).
        Keras 2's `max_queue_size`/`workers`/`use_multiprocessing` load the data as in `fit`."""
        iterator = self._iterator_for(
            x,
            None,
            None,
            batch_size,
            steps,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )
        with self._run(iterator, callbacks, verbose, epochs=1) as run:
            outputs = self._predict_iterator(run.data, run.callbacks)
        run.callbacks.on_predict_end()
        if not outputs:
            raise ValueError(
                "Unexpected result of `predict_step` (empty batch_outputs): the input data yielded no batches."
            )
        return _concatenate(run.strategy.gather(outputs))  # each process predicted its part of every batch

    def _predict_iterator(self, iterator: EpochIterator, callbacks: CallbackList) -> list:
        """The predict step and its hooks on every batch of `iterator`; returns the batches' outputs."""
        self.eval()
        callbacks.on_predict_begin()
        hooks = callbacks.has_predict_batch_hooks
        custom_step = type(self).predict_step is not Trainer.predict_step
        step_fn = self.predict_step if custom_step else self._predict_batch  # built-in: no unpacking per batch
        outputs = []
        with torch.inference_mode():
            batches = None if hooks or custom_step else iterator.plain_x_batches()
            if batches:
                # In-memory x, no hooks: the batches are views of it, and each costs the forward call alone.
                self._check_inputs(batches[0])
                forward = self._run_state.forward
                if forward is None:  # the model itself: its per-call work done once for the loop
                    with inference_calls(self) as infer:
                        if infer is not None:
                            return [infer(x) for x in batches]
                    forward = self
                if self._call_has_training:
                    return [forward(x, training=False) for x in batches]
                return [forward(x) for x in batches]
            for step, batch in iterator:
                if not outputs:
                    self._check_inputs(unpack_x_y_sample_weight(batch)[0])
                if hooks:
                    callbacks.on_predict_batch_begin(step)
                batch_outputs = step_fn(batch)
                outputs.append(batch_outputs)
                if hooks:
                    callbacks.on_predict_batch_end(step, {"outputs": batch_outputs})
        return outputs

    @filter_traceback
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict: bool = False):
        """One training step on one batch (metrics reset first, as in Keras); returns its loss and metrics as
        `evaluate` does."""
        self._assert_compiled("train_on_batch")
        batch = next(
            iter(
                get_data_adapter(
                    x, y, sample_weight, batch_size=_num_rows(x), class_weight=class_weight
                ).get_epoch_iterator()
            )
        )
        batch = _to_device(batch, self._prepare())
        self._build_from_batch(batch)
        self.reset_metrics()
        was_training = self.training
        self.train()
        try:
            logs = self.train_step(batch)
        finally:
            self.train(was_training)
        return self._batch_result(logs, return_dict)

    @filter_traceback
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict: bool = False):
        """Loss and metrics on one batch (metrics reset first)."""
        self._assert_compiled("test_on_batch")
        batch = next(iter(get_data_adapter(x, y, sample_weight, batch_size=_num_rows(x)).get_epoch_iterator()))
        batch = _to_device(batch, self._prepare())
        self._build_from_batch(batch)
        self.reset_metrics()
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                logs = self.test_step(batch)
        finally:
            self.train(was_training)
        return self._batch_result(logs, return_dict)

    @filter_traceback
    def predict_on_batch(self, x):
        """The model's outputs for one batch, as numpy arrays."""
        batch = next(iter(get_data_adapter(x, batch_size=_num_rows(x)).get_epoch_iterator()))
        device = self._prepare()
        was_training = self.training
        self.eval()
        try:
            with torch.inference_mode():
                outputs = self.predict_step(_to_device(batch, device))
        finally:
            self.train(was_training)
        return tree.map_structure(convert_to_numpy, outputs)

    def _batch_result(self, logs, return_dict: bool):
        logs = _floats(logs)
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    # ---- Keras 2's generator methods -----------------------------------------------------------------------
    # tf.keras 2 kept them as deprecated aliases once fit/evaluate/predict took generators: the same warnings, the
    # same signatures and defaults, and the arguments passed on as they are.

    def fit_generator(
        self,
        generator,
        steps_per_epoch=None,
        epochs: int = 1,
        verbose=1,
        callbacks=None,
        validation_data=None,
        validation_steps=None,
        validation_freq: int = 1,
        class_weight=None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        shuffle=True,
        initial_epoch: int = 0,
    ):
        """Keras 2's `fit` on a generator or `PyDataset` (deprecated: `fit` takes them)."""
        warnings.warn(
            "`Model.fit_generator` is deprecated and will be removed in a future version. Please use "
            "`Model.fit`, which supports generators.",
            stacklevel=2,
        )
        return self.fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
            class_weight=class_weight,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(
        self,
        generator,
        steps=None,
        callbacks=None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose=0,
    ):
        """Keras 2's `evaluate` on a generator or `PyDataset` (deprecated: `evaluate` takes them)."""
        warnings.warn(
            "`Model.evaluate_generator` is deprecated and will be removed in a future version. Please use "
            "`Model.evaluate`, which supports generators.",
            stacklevel=2,
        )
        return self.evaluate(
            generator,
            steps=steps,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            verbose=verbose,
            callbacks=callbacks,
        )

    def predict_generator(
        self,
        generator,
        steps=None,
        callbacks=None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose=0,
    ):
        """Keras 2's `predict` on a generator or `PyDataset` (deprecated: `predict` takes them)."""
        warnings.warn(
            "`Model.predict_generator` is deprecated and will be removed in a future version. Please use "
            "`Model.predict`, which supports generators.",
            stacklevel=2,
        )
        return self.predict(
            generator,
            steps=steps,
            max_queue_size=max_queue_size,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            verbose=verbose,
            callbacks=callbacks,
        )


def _batch_size(x) -> int:
    if isinstance(x, torch.Tensor):
        return x.shape[0]
    return next(t for t in tree.flatten(x) if t is not None).shape[0]


def _num_rows(x) -> int:
    leaf = tree.flatten(lists_as_arrays(x))[0]
    return int(np.shape(leaf)[0]) if not isinstance(leaf, torch.Tensor) else int(leaf.shape[0])


def _to_device(batch, device: torch.device):
    mover = batch_mover(device)
    return batch if mover is None else mover(batch)


def _concatenate(outputs: list):
    """Per-batch outputs (tensors, or structures of them) joined along the batch axis, as numpy arrays (bfloat16
    ones as float32, which NumPy has)."""
    if isinstance(outputs[0], torch.Tensor):
        return convert_to_numpy(torch.cat(outputs))
    flat = [torch.cat(parts) for parts in zip(*(tree.flatten(o) for o in outputs))]
    return tree.pack_sequence_as(outputs[0], [convert_to_numpy(t) for t in flat])


def _may_stop_between_batches(callbacks: CallbackList) -> bool:
    """Whether a callback may set `stop_training` in the middle of an epoch: one with train batch hooks, other than
    the progress bar (which never stops)."""
    return any(
        overrides(callback, hook)
        for callback in callbacks
        if not isinstance(callback, ProgbarLogger)
        for hook in _TRAIN_BATCH_HOOKS
    )


@functools.cache
def _takes_training(compute_loss) -> bool:
    parameters = inspect.signature(compute_loss).parameters
    return "training" in parameters or any(p.kind == inspect.Parameter.VAR_KEYWORD for p in parameters.values())
