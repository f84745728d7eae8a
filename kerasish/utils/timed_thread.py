"""TimedThread: tf.keras 2's thread that calls `on_interval()` every few seconds."""

from __future__ import annotations

import threading
import warnings


class TimedThread:
    """Calls `on_interval()` in a background thread every `interval` seconds, from `start()` until `stop()`, as
    tf.keras 2's `keras.utils.TimedThread`. Also a context manager (started on entry, stopped on exit); it mixes
    into a `Callback` to run alongside `fit`.

    Args:
        interval: seconds to wait between calls (the first call is at once).
        **kwargs: passed to `threading.Thread`; the thread is a daemon unless `daemon=False`.

    Example:
        class LogIterations(keras.utils.TimedThread):
            def __init__(self, model, interval):
                self.model = model
                super().__init__(interval)

            def on_interval(self):
                print(int(self.model.optimizer.iterations))

        with LogIterations(model, interval=5):
            model.fit(x, y)
    """

    def __init__(self, interval: float, **kwargs):
        self.interval = interval
        self.daemon = kwargs.pop("daemon", True)
        self.thread_kwargs = kwargs
        self.thread: threading.Thread | None = None
        self.thread_stop_event: threading.Event | None = None

    def _call_on_interval(self) -> None:
        while not self.thread_stop_event.is_set():
            self.on_interval()
            self.thread_stop_event.wait(self.interval)

    def start(self) -> None:
        """Creates and starts the thread (a warning, and nothing else, if it is already running)."""
        if self.thread is not None and self.thread.is_alive():
            warnings.warn("Thread is already running.", stacklevel=2)
            return
        self.thread_stop_event = threading.Event()
        self.thread = threading.Thread(target=self._call_on_interval, daemon=self.daemon, **self.thread_kwargs)
        self.thread.start()

    def stop(self) -> None:
        """Asks the thread to stop; it ends after the `on_interval()` call in progress, if any."""
        if self.thread_stop_event is not None:
            self.thread_stop_event.set()

    def is_alive(self) -> bool:
        """Whether the thread is running."""
        return self.thread is not None and self.thread.is_alive()

    def __enter__(self) -> TimedThread:
        self.start()
        return self

    def __exit__(self, *args) -> None:
        self.stop()

    def on_interval(self) -> None:
        """What the thread does every `interval` seconds; subclasses override it."""
        raise TypeError(f"{type(self).__name__} must implement `on_interval()`.")
