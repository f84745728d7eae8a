"""BaseLogger: tf.keras 2's callback that averages batch logs over an epoch."""

from __future__ import annotations

from collections.abc import Iterable

from kerasish.callbacks.callback import Callback


class BaseLogger(Callback):
    """Accumulates the batch logs of an epoch and writes their averages into the epoch logs, as tf.keras 2.

    Each batch's values are weighted by the batch's `"size"` log (times `"num_steps"`); names in
    `stateful_metrics` are not averaged, their last value is kept. At the epoch's end, the names in
    `self.params["metrics"]` (every accumulated name when the params list none) get the average.

    tf.keras's own fit has no `"size"` in its logs and no `"metrics"` in its params, so there this callback
    averaged nothing and failed at the epoch's end; here a batch without a `"size"` counts as one, so in `fit` the
    epoch logs get the mean of the batch logs (each of which, in Keras 3, is already the running mean since the
    epoch began).

    Args:
        stateful_metrics: names of metrics that are not averaged over the epoch.

    Example:
        model.fit(x, y, callbacks=[keras.callbacks.BaseLogger()])
    """

    def __init__(self, stateful_metrics: Iterable[str] | None = None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self.totals: dict = {}

    def on_epoch_begin(self, epoch, logs=None) -> None:
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None) -> None:
        logs = logs or {}
        batch_size = logs.get("size", 1)
        self.seen += batch_size * logs.get("num_steps", 1)
        for key, value in logs.items():
            if key in ("size", "num_steps", "batch"):
                continue
            value = float(value)
            if key in self.stateful_metrics:
                self.totals[key] = value
            else:
                self.totals[key] = self.totals.get(key, 0.0) + value * batch_size

    def on_epoch_end(self, epoch, logs=None) -> None:
        if logs is None or not self.seen:
            return
        names = (self.params or {}).get("metrics") or list(self.totals)
        for key in names:
            if key in self.totals:
                logs[key] = self.totals[key] if key in self.stateful_metrics else self.totals[key] / self.seen
