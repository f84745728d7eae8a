"""The container that calls a list of callbacks together."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import torch

from kerasish.callbacks.callback import Callback
from kerasish.callbacks.foreign_callback import ForeignCallback, is_foreign_callback
from kerasish.callbacks.history import History
from kerasish.callbacks.progbar_logger import ProgbarLogger

_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)

# Callback's default train batch hooks forward to the old aliases, so overriding an alias is overriding
# the train hook too.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def overrides(callback: Callback, hook: str) -> bool:
    """Whether `callback` defines its own `hook`, on its class or on the instance (as LambdaCallback does)."""
    method = getattr(callback, hook)
    return getattr(method, "__func__", None) is not getattr(Callback, hook)


def _pythonify_logs(logs: Mapping | None) -> dict:
    """Logs as Keras hands them to callbacks: sorted by key, nested dicts flattened, scalars as floats."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, Mapping):
            result.update(_pythonify_logs(value))
            continue
        result[key] = _to_float(value)
    return result


def _to_float(value: Any) -> Any:
    # Single numbers become Python floats; anything else (arrays, strings) is passed on as it is.
    if isinstance(value, torch.Tensor):
        return float(value) if value.numel() == 1 else value
    if isinstance(value, (np.ndarray, np.generic)):
        return float(value) if value.size == 1 else value
    if isinstance(value, (int, float)):
        return float(value)
    return value


def _batch_logs(logs: Mapping | None) -> Mapping:
    # A lazy mapping from the trainer is passed on unread, so that its values are only computed (a device
    # sync) if a callback reads them; a plain dict, e.g. from a custom loop, is converted as Keras does.
    if logs is None:
        return {}
    if isinstance(logs, dict):
        return _pythonify_logs(logs)
    return logs


class CallbackList(Callback):
    """Calls a list of callbacks together.

    Each hook is called only on the callbacks that override it, so callbacks without batch hooks cost
    nothing per batch. `has_train_batch_hooks`, `has_test_batch_hooks` and `has_predict_batch_hooks` tell the
    training loop whether per-batch logs are wanted at all.

    Args:
        callbacks: `Callback` instances (a list, possibly nested).
        add_history: Whether to add a `History` callback if there is none.
        add_progbar: Whether to add a `ProgbarLogger` callback if there is none.
        model: The model the callbacks work on; its `history` attribute is set to the `History` callback.
        **params: Parameters handed to every callback through `set_params` (`verbose`, `epochs`, `steps`).

    Example:

    ```python
    callbacks = CallbackList([MyCallback()], add_history=True, model=model, verbose=0, epochs=2, steps=10)
    callbacks.on_train_begin()
    for epoch in range(2):
        callbacks.on_epoch_begin(epoch)
        ...
        callbacks.on_epoch_end(epoch, {"loss": loss})
    callbacks.on_train_end()
    ```
    """

    def __init__(
        self,
        callbacks: Callback | Iterable | None = None,
        add_history: bool = False,
        add_progbar: bool = False,
        model: Any = None,
        **params: Any,
    ):
        super().__init__()
        self.callbacks: list[Callback] = _flatten(callbacks)
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        # After the user's callbacks, so that History records what they add to the epoch logs (e.g. the
        # learning rate) and the progress bar prints it.
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        for callback in self.callbacks:
            if callback._backs_up_callbacks:
                callback._set_callback_list(self)
        self._build_dispatch()
        self.set_model(model)
        self.set_params(params)

    def append(self, callback: Callback) -> None:
        """Adds a callback at the end of the list."""
        self.callbacks.append(callback)
        if callback._backs_up_callbacks:
            callback._set_callback_list(self)
        if self._model is not None:
            callback.set_model(self._model)
        if self.params:
            callback.set_params(self.params)
        self._build_dispatch()

    def __iter__(self) -> Iterator[Callback]:
        return iter(self.callbacks)

    def _build_dispatch(self) -> None:
        # Decided once here rather than on every call: per batch, only the callbacks that need a hook
        # are visited. A callback that backs up the others comes last in every hook (a stable sort keeps the
        # others in order), so that its backup holds the state they leave.
        ordered = sorted(self.callbacks, key=lambda cb: cb._backs_up_callbacks)
        self._dispatch = {
            hook: [
                getattr(cb, hook)
                for cb in ordered
                if overrides(cb, hook) or (hook in _ALIASES and overrides(cb, _ALIASES[hook]))
            ]
            for hook in _HOOKS
        }
        self.has_train_batch_hooks = any(
            self._dispatch[hook]
            for hook in ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")
        )
        self.has_test_batch_hooks = bool(self._dispatch["on_test_batch_begin"] or self._dispatch["on_test_batch_end"])
        self.has_predict_batch_hooks = bool(
            self._dispatch["on_predict_batch_begin"] or self._dispatch["on_predict_batch_end"]
        )

    def get_state(self) -> dict:
        """The state of every callback that has one, keyed `"<n>:<class name>"` for the n-th such callback.

        The keys record which callbacks had state, in which order, so that `set_state` can tell when a list
        differs from the one a state was taken from. Callbacks without state (`get_state()` is `{}`: a
        `LambdaCallback`, the progress bar) are left out and do not count: they may come and go.
        """
        return {key: state for key, (_, state) in self._stateful().items()}

    def set_state(self, state: dict) -> None:
        """Gives each callback the state `get_state` took from its counterpart.

        Raises:
            ValueError: When the callbacks with state differ from those `state` was taken from, or a callback
                rejects its state; no callback's state is changed then.
        """
        current = self._stateful()
        if list(current) != list(state):
            raise ValueError(f"The callbacks with state are now {list(current)}, but the state is of {list(state)}.")
        done = []
        for key, (callback, _) in current.items():
            try:
                callback.set_state(state[key])
            except Exception as e:  # noqa: BLE001 - any rejection, reported with the callback's key
                for undo in done:  # all or nothing: the callbacks already set get their state back
                    current[undo][0].set_state(current[undo][1])
                raise ValueError(f"Callback {key} rejected its state: {type(e).__name__}: {e}") from e
            done.append(key)

    def _stateful(self) -> dict[str, tuple[Callback, dict]]:
        stateful = {}
        for callback in self.callbacks:
            state = callback.get_state()
            if state:
                stateful[f"{len(stateful)}:{type(callback).__name__}"] = (callback, state)
        return stateful

    def set_params(self, params: dict) -> None:
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model: Any) -> None:
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook: str, *args: Any, logs: Mapping | None) -> None:
        methods = self._dispatch[hook]
        if methods:
            logs = _pythonify_logs(logs)
            for method in methods:
                method(*args, logs)

    def _call_batch(self, hook: str, batch: int, logs: Mapping | None) -> None:
        methods = self._dispatch[hook]
        if methods:
            logs = _batch_logs(logs)
            for method in methods:
                method(batch, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)


def _flatten(callbacks: Callback | Iterable | None) -> list[Callback]:
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if is_foreign_callback(callbacks):  # written for Keras (tqdm's, MLflow's): called through its own hooks
        return [ForeignCallback(callbacks)]
    if not isinstance(callbacks, (list, tuple)):
        raise ValueError(
            "`callbacks` must be a `Callback` instance (or an object with Keras's callback hooks) or a list of them. "
            f"Received: {callbacks!r} of type {type(callbacks).__name__}"
        )
    flat = []
    for item in callbacks:
        flat.extend(_flatten(item))
    return flat
