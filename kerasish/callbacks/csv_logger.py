"""The callback that streams epoch results to a CSV file."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.distribute.environment import is_chief
from kerasish.saving.atomic import atomic_write


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file.

    The columns are `epoch`, then the log keys of the first epoch, sorted; when that epoch has no validation
    results, `val_` columns are added for each key anyway (filled with `NA`), as Keras does. Values that are
    lists or arrays are written as `"[1, 2]"`.

    The file is rewritten atomically after each epoch (a temporary file moved over it), so a crash never leaves
    a half-written row. Under distributed training only rank 0 writes.

    Args:
        filename: Path of the CSV file.
        separator: The string separating fields.
        append: True appends to an existing file (without repeating its header); False overwrites it.

    Example:

    ```python
    csv_logger = CSVLogger("training.log")
    model.fit(x_train, y_train, callbacks=[csv_logger])
    ```
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.keys = None
        self.append_header = True
        self._text = ""

    def on_train_begin(self, logs=None):
        self.keys = None
        self._text = ""
        self.append_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                self._text = f.read()
            self.append_header = not self._text.split("\n", 1)[0]

    def get_state(self) -> dict:
        # The text written so far: a resumed run rewrites the file from it, so an epoch logged after the backup
        # (and redone) is not logged twice.
        return {"keys": self.keys, "append_header": self.append_header, "text": self._text}

    def set_state(self, state: dict) -> None:
        self.keys = state["keys"]
        self.append_header = state["append_header"]
        self._text = state["text"]

    def on_epoch_end(self, epoch, logs=None):
        if not is_chief():
            return
        logs = logs or {}
        buffer = io.StringIO()
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
            writer = self._writer(buffer)
            if self.append_header:
                writer.writeheader()
        writer = self._writer(buffer)
        writer.writerow({"epoch": epoch, **{key: _csv_value(logs.get(key, "NA")) for key in self.keys}})
        self._text += buffer.getvalue()
        with atomic_write(self.filename) as tmp_path, open(tmp_path, "w") as f:
            f.write(self._text)

    def _writer(self, buffer: io.StringIO) -> csv.DictWriter:
        separator = self.sep

        class Dialect(csv.excel):
            delimiter = separator

        return csv.DictWriter(buffer, fieldnames=["epoch"] + self.keys, dialect=Dialect)


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value
