"""Callbacks written for Keras itself (tqdm's `TqdmCallback`, MLflow's and Weights & Biases' Keras callbacks, any
object with Keras's hooks), adapted to kerasish's `CallbackList`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kerasish.callbacks.callback import Callback

HOOKS = (
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

# The packages whose `Callback` base class is Keras's: its hooks do nothing (or forward to the old aliases), so a
# subclass defines only the hooks it overrides.
_KERAS_PACKAGES = ("keras", "tf_keras", "tensorflow", "tensorflow_core")


def _is_keras_base(cls: type) -> bool:
    return cls.__name__ == "Callback" and cls.__module__.split(".")[0] in _KERAS_PACKAGES


def defined_hooks(obj: Any) -> list[str]:
    """The Keras hooks `obj` defines itself: set on the instance (as TqdmCallback sets `on_epoch_end`), or on a class
    other than Keras's `Callback` base."""
    found = []
    for hook in HOOKS:
        if hook in getattr(obj, "__dict__", {}):
            found.append(hook)
            continue
        owner = next((cls for cls in type(obj).__mro__ if hook in cls.__dict__), None)
        if owner is not None and owner is not object and not _is_keras_base(owner):
            found.append(hook)
    return found


def is_foreign_callback(obj: Any) -> bool:
    """Whether `obj` looks like a Keras callback: it defines a hook, or derives from a Keras `Callback`."""
    return any(_is_keras_base(cls) for cls in type(obj).__mro__) or bool(defined_hooks(obj))


def _plain_logs(logs: Mapping | None) -> dict:
    # Batch logs are a lazy mapping in kerasish; a callback written for Keras may copy, pop or pass them to code
    # that wants a dict (tqdm's `set_postfix`), so it gets the plain dict Keras gives.
    return dict(logs) if logs else {}


class ForeignCallback(Callback):
    """Wraps an object that implements Keras's callback hooks, so that `fit`, `evaluate` and `predict` call the
    hooks it defines (and only those) and hand it the model and the run's parameters, as Keras's `CallbackList`
    does through `set_model` and `set_params`.

    Args:
        callback: The object to wrap, e.g. `tqdm.keras.TqdmCallback()`.
    """

    def __init__(self, callback: Any):
        super().__init__()
        self.callback = callback
        hooks = set(defined_hooks(callback))
        implements = getattr(callback, "_implements_train_batch_hooks", None)
        if callable(implements) and implements():
            # Keras 2's promise that train batch hooks will be there: TqdmCallback(verbose=2) sets its
            # `on_batch_end` only in `on_epoch_begin`, and Keras's base `on_train_batch_end` forwards to it.
            hooks.update(("on_train_batch_begin", "on_train_batch_end"))
        for hook in hooks:
            # An instance attribute that is not `Callback`'s method: `CallbackList` sees the hook as overridden.
            setattr(self, hook, self._forward(hook))

    def _forward(self, hook: str):
        # The method is looked up at each call, since a Keras callback may replace its hooks while it runs.
        if "batch" in hook:
            return lambda batch, logs=None: getattr(self.callback, hook)(batch, logs=_plain_logs(logs))
        return lambda *args: getattr(self.callback, hook)(*args)  # epoch and begin/end hooks get a plain dict

    def set_params(self, params: dict) -> None:
        super().set_params(params)
        if callable(getattr(self.callback, "set_params", None)):
            self.callback.set_params(params)
        else:
            self.callback.params = params

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        if callable(getattr(self.callback, "set_model", None)):
            self.callback.set_model(model)
        else:
            self.callback.model = model

    def __repr__(self) -> str:
        return f"ForeignCallback({self.callback!r})"
