"""The base of callbacks that watch a logged quantity for improvement."""

from __future__ import annotations

import operator
import warnings

from kerasish.callbacks.callback import Callback


class MonitorCallback(Callback):
    """Base class of callbacks that monitor a quantity (`ModelCheckpoint`, `EarlyStopping`, `ReduceLROnPlateau`).

    It decides, from `mode` and the model's metrics, whether the quantity should go down or up, and whether a
    new value improves on a reference value by more than `min_delta`.

    Args:
        monitor: The log key to watch, e.g. `"val_loss"` or `"accuracy"`.
        mode: `"min"`, `"max"` or `"auto"`. In `"auto"` mode the direction comes from the name: losses go down,
            and a compiled metric goes the way it declares (`accuracy` up, `mae` down).
        baseline: Initial "best" value; None means the first value seen.
        min_delta: Smallest change that counts as an improvement.

    Raises:
        ValueError: In `"auto"` mode, when the direction of `monitor` cannot be worked out.
    """

    def __init__(
        self, monitor: str = "val_loss", mode: str = "auto", baseline: float | None = None, min_delta: float = 0
    ):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def get_state(self) -> dict:
        return {"best": self.best}

    def set_state(self, state: dict) -> None:
        self.best = state["best"]

    def _set_monitor_op(self) -> None:
        # Called at the first epoch end, once the compiled metrics are built and their directions known.
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            for metric in getattr(self.model, "metrics", None) or ():
                if metric.name == name and hasattr(metric, "_direction"):
                    self.monitor_op = operator.gt if metric._direction == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but kerasish isn't able to "
                    "automatically determine whether that metric should be maximized or minimized. Pass "
                    "`mode='max'` in order to monitor based on the highest metric value, or pass `mode='min'` in "
                    "order to use the lowest value."
                )
        if self.monitor_op is operator.lt:
            self.min_delta = -abs(self.min_delta)
        else:
            self.min_delta = abs(self.min_delta)

    def _is_improvement(self, monitor_value: float, reference_value: float | None) -> bool:
        if reference_value is None:
            return True
        return self.monitor_op(monitor_value - self.min_delta, reference_value)
