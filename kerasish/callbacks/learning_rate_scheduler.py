"""The callback that sets the learning rate from a schedule at the start of each epoch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kerasish.callbacks.callback import Callback


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at the start of each epoch to `schedule(epoch, lr)`.

    Each epoch's logs get the rate under `"learning_rate"`.

    Args:
        schedule: A function taking the epoch index (from 0) and the current learning rate (a float) and
            returning the new learning rate (a float). A function of the epoch alone also works (Keras 1 style).
        verbose: 1 prints a message each time the rate is set.

    Example:

    ```python
    def scheduler(epoch, lr):
        return lr if epoch < 10 else lr * 0.9

    callback = kerasish.callbacks.LearningRateScheduler(scheduler)
    model.fit(x, y, epochs=15, callbacks=[callback], verbose=0)
    ```
    """

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose
        self._scheduled = None  # (epoch, the rate the schedule was given) of the latest epoch begun

    def on_train_begin(self, logs=None):
        self._scheduled = None

    def get_state(self) -> dict:
        epoch, learning_rate = self._scheduled or (None, None)
        return {"epoch": epoch, "learning_rate": learning_rate}

    def set_state(self, state: dict) -> None:
        self._scheduled = None if state["epoch"] is None else (state["epoch"], state["learning_rate"])

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        current = float(optimizer.learning_rate)
        if self._scheduled is not None and self._scheduled[0] == epoch:
            # The epoch begins again: a run resumed in its middle, whose optimizer already has the epoch's rate.
            current = self._scheduled[1]
        self._scheduled = (epoch, current)
        try:
            learning_rate = self.schedule(epoch, current)
        except TypeError:  # a schedule of the epoch alone
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
