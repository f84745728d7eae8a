"""Keras's text progress bar."""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

from kerasish import config

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_WHITE = "\x1b[37m"
_RESET = "\x1b[0m"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
_LOGGER = logging.getLogger("kerasish")


class Progbar:
    """Displays a progress bar, in the format Keras prints.

    Metrics are averaged over the steps they were reported for ("stateless"), except those named in
    `stateful_metrics`, which are displayed as given. Passing `stateless_metrics` instead flips the default:
    only the metrics named there are averaged.

    `values` given to `update()` may be a list of `(name, value)` pairs or a mapping. The values of a
    mapping that belong to stateful metrics are read only when the bar is drawn, so a lazily computed
    mapping (whose reads sync the device) costs nothing on the steps that are not drawn.

    Args:
        target: Total number of steps expected, `None` if unknown.
        width: Width of the bar, in characters.
        verbose: 0 (silent), 1 (a bar redrawn as steps go) or 2 (one line when done).
        interval: Minimum time between two redraws, in seconds.
        stateful_metrics: Names of the metrics displayed as-is rather than averaged.
        stateless_metrics: Names of the metrics to average, all others being displayed as-is. Give either
            this or `stateful_metrics`, not both.
        unit_name: Name of what a step counts (`"step"`, `"sample"`).

    Example:

    ```python
    bar = Progbar(target=100)
    for step in range(100):
        bar.update(step + 1, [("loss", loss_value)])
    ```
    """

    def __init__(
        self,
        target: int | None,
        width: int = 20,
        verbose: int = 1,
        interval: float = 0.05,
        stateful_metrics: Iterable[str] | None = None,
        stateless_metrics: Iterable[str] | None = None,
        unit_name: str = "step",
    ):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError(
                "Give only one of `stateful_metrics` (metrics not to average) and `stateless_metrics` "
                f"(metrics to average). Received: stateful_metrics={stateful_metrics}, "
                f"stateless_metrics={stateless_metrics}"
            )
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics is not None else None
        self.stateless_metrics = set(stateless_metrics) if stateless_metrics is not None else None
        if self.stateful_metrics is None and self.stateless_metrics is None:
            self.stateful_metrics = set()

        # Carriage returns only redraw in place on a terminal or a notebook; elsewhere (a log file,
        # captured output, the logger when interactive logging is off) each redraw goes on a new line.
        self._dynamic_display = config.is_interactive_logging_enabled() and (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
            or "ipykernel" in sys.modules
            or "PYCHARM_HOSTED" in os.environ
        )
        self._seen_so_far = 0
        # name -> [sum of value * steps, steps]; stateful metrics keep [value, 1].
        self._values: dict[str, list] = {}
        self._values_order: list[str] = []
        # Stateful metric name -> the mapping holding its latest value, read when next drawn.
        self._pending: dict[str, Mapping] = {}
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_total_width = 0

    def update(self, current: int, values: Mapping | Iterable | None = None, finalize: bool | None = None) -> None:
        """Updates the progress bar.

        Args:
            current: Index of the current step (1 for the first step).
            values: `(name, value_for_last_step)` pairs, or a mapping of them. Stateful metrics are
                displayed as given, the others averaged over the steps seen.
            finalize: Whether this is the last update. Defaults to `current >= target`.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values, finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._write(self._bar_message(current, finalize, now, time_per_unit))
        elif self.verbose == 2 and finalize and self.target is not None and self.target > 0:
            self._write(self._summary_message(current, now, time_per_unit))
        self._last_update = now

    def add(self, n: int, values: Mapping | Iterable | None = None) -> None:
        """Advances the bar by `n` steps; `values` as in `update()`."""
        self.update(self._seen_so_far + n, values)

    def _is_stateless(self, name: str) -> bool:
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def _record(self, current: int, values: Mapping | Iterable | None, finalize: bool) -> None:
        if values is None:
            return
        if isinstance(values, Mapping):
            source, names = values, list(values)  # listing the keys reads no value
        else:
            pairs = list(values)
            source, names = dict(pairs), [name for name, _ in pairs]
        for name in names:
            if name not in self._values_order:
                self._values_order.append(name)
            if not self._is_stateless(name):
                self._pending[name] = source
                continue
            value = source[name]
            # On the final update (or a repeated step, e.g. the epoch-end call of a run of unknown
            # length) the value is already the epoch's result: weigh it by at least one step.
            if finalize:
                self._values[name] = [value, 1]
            else:
                steps = max(current - self._seen_so_far, 1)
                if name in self._values:
                    self._values[name][0] += value * steps
                    self._values[name][1] += steps
                else:
                    self._values[name] = [value * steps, steps]

    def _averages(self) -> list[tuple[str, float]]:
        for name, source in self._pending.items():
            self._values[name] = [source[name], 1]
        self._pending.clear()
        averages = []
        for name in self._values_order:
            total, count = self._values[name]
            averages.append((name, _as_float(total) / max(1, count)))
        return averages

    def _bar_message(self, current: int, finalize: bool, now: float, time_per_unit: float) -> str:
        known_target = self.target is not None and self.target > 0
        if known_target:
            digits = int(math.log10(self.target)) + 1
            bar = f"{_BOLD}%{digits}d/%d{_RESET} " % (current, self.target)
            filled = int(self.width * current / self.target)
            if filled > 0:
                bar += f"{_GREEN}{'━' * filled}{_RESET}"
            bar += f"{_WHITE}{'━' * (self.width - filled)}{_RESET}"
        else:
            bar = f"{current:7d}/Unknown"

        if known_target and not finalize:
            info = f" {_BOLD}{_format_eta(time_per_unit * (self.target - current))}{_RESET}"
        else:
            info = f" {_BOLD}{now - self._start:.0f}s{_RESET}"
        info += _format_time(time_per_unit, self.unit_name)
        for name, average in self._averages():
            info += f" - {name}: {average:.4f}" if abs(average) > 1e-3 else f" - {name}: {average:.4e}"

        message = "\b" * self._prev_total_width + "\r" if self._dynamic_display else "\n"
        message += bar + info
        total_width = len(_ANSI_ESCAPE.sub("", bar + info))
        # Blank out what is left of a longer previous line.
        message += " " * max(self._prev_total_width - total_width, 0)
        if finalize:
            message += "\n"
        self._prev_total_width = total_width
        return message

    def _summary_message(self, current: int, now: float, time_per_unit: float) -> str:
        digits = int(math.log10(self.target)) + 1
        message = f"%{digits}d/%d - {now - self._start:.0f}s -" % (current, self.target)
        message += _format_time(time_per_unit, self.unit_name)
        for name, average in self._averages():
            # Keras tests `average > 1e-3` here (not its absolute value): negative values print in
            # scientific notation on this line.
            message += f" - {name}: {average:.4f}" if average > 1e-3 else f" - {name}: {average:.4e}"
        return message + "\n"

    def _estimate_step_duration(self, current: int, now: float) -> float:
        # The first step (tracing, warm-up) is not representative: once past it, time the others only.
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit

    @staticmethod
    def _write(message: str) -> None:
        with _SCREEN.lock:
            _write_unlocked(message)


class _Screen:
    """What a bar left on the current line of the terminal (its text, when it ended without a newline), so that
    other lines can be printed above it (`write_line`)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.open_line = ""


_SCREEN = _Screen()


def write_line(text: str) -> None:
    """Prints `text` as a line of its own, above a bar being drawn: the bar's line is cleared, `text` printed, and
    the bar drawn again below it (as `tqdm.write` does). Used for the lines of other DDP ranks during `fit`."""
    line = text.rstrip("\n") + "\n"
    with _SCREEN.lock:
        if _SCREEN.open_line and config.is_interactive_logging_enabled():
            width = len(_ANSI_ESCAPE.sub("", _SCREEN.open_line))
            line = "\r" + " " * width + "\r" + line + _SCREEN.open_line
        sys.stdout.write(line)
        sys.stdout.flush()


def _write_unlocked(message: str) -> None:
    if not config.is_interactive_logging_enabled():
        # Keras sends its lines to a logger then: no escapes, one record per line drawn.
        line = _ANSI_ESCAPE.sub("", message).replace("\b", "").replace("\r", "").strip()
        if line:
            _LOGGER.info(line)
        return
    try:
        sys.stdout.write(message)
    except UnicodeEncodeError:
        # A terminal that cannot show the bar character gets Keras 2's "=" bar.
        encoding = sys.stdout.encoding or "utf-8"
        message = message.replace("━", "=").encode(encoding, errors="ignore").decode(encoding)
        sys.stdout.write(message)
    sys.stdout.flush()
    # What stays on the current line: the text after the last newline and the last carriage return.
    _SCREEN.open_line = message.rsplit("\n", 1)[-1].rsplit("\r", 1)[-1].replace("\b", "")


def _as_float(value: Any) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, torch.Tensor):
        return value.detach().float().mean().item()
    return float(np.mean(value))


def _format_eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_time(time_per_unit: float, unit_name: str) -> str:
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"
