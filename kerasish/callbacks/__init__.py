"""Callbacks: objects that hook into `fit()`, `evaluate()` and `predict()`."""

from kerasish.callbacks.callback import Callback
from kerasish.callbacks.callback_list import CallbackList
from kerasish.callbacks.history import History
from kerasish.callbacks.progbar_logger import ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
