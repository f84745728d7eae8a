"""The callback that saves the model or its weights during training."""

from __future__ import annotations

import os
import warnings

import numpy as np
import torch

from kerasish.callbacks.monitor_callback import MonitorCallback
from kerasish.distribute.environment import is_chief


class ModelCheckpoint(MonitorCallback):
    """Saves the model or its weights at some frequency.

    `filepath` may hold `str.format` fields filled from the epoch (from 1), the batch (from 1, with an
    integer `save_freq`) and the logs: `"weights.{epoch:02d}-{val_loss:.2f}.weights.h5"` writes
    `weights.03-0.42.weights.h5` after the third epoch. With `save_best_only`, a file is written only when the
    monitored quantity improves on the best so far (with a constant `filepath`, the file always holds the best
    model). Files are written atomically; under distributed training only rank 0 writes.

    Args:
        filepath: Path of the file to write, possibly with format fields. Must end in `.weights.h5` (or
            `.h5`) with `save_weights_only=True`, and in `.keras` or `.h5` otherwise.
        monitor: The quantity `save_best_only` watches.
        verbose: 1 prints a message each time a file is (or, with `save_best_only`, is not) written.
        save_best_only: Whether to save only when the monitored quantity improves.
        save_weights_only: Whether to save the weights only (`model.save_weights`) or the whole model
            (`model.save`).
        mode: `"min"`, `"max"` or `"auto"`: which direction of `monitor` is an improvement.
        save_freq: `"epoch"` saves at the end of each epoch; an integer saves every that many batches
            (counted across epochs).
        initial_value_threshold: The value the monitored quantity must first beat (with `save_best_only`).
        options: tf.keras 2's TensorFlow save options; accepted and unused.

    Example:

    ```python
    checkpoint = kerasish.callbacks.ModelCheckpoint(
        "ckpt/best.weights.h5", monitor="val_accuracy", mode="max", save_best_only=True, save_weights_only=True)
    model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])
    model.load_weights("ckpt/best.weights.h5")
    ```
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: str = "auto",
        save_freq: str | int = "epoch",
        initial_value_threshold: float | None = None,
        *,
        options=None,
    ):
        # `options`: tf.keras 2's TensorFlow save/checkpoint options (I/O device, ...); accepted, as
        # `save_weights(options=)` is, and unused: torch has nothing they configure.
        del options
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool)):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or integer values")
        # Keras 3 asks for `.weights.h5` and `.keras`; `.h5` is accepted for both, the legacy HDF5 layout
        # kerasish reads and writes.
        if save_weights_only and not self.filepath.endswith(".h5"):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided must end in "
                f"`.weights.h5` (Keras weights format) or `.h5`. Received: filepath={self.filepath}"
            )
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                f"The filepath provided must end in `.keras` (Keras model format) or `.h5`. Received: "
                f"filepath={self.filepath}"
            )
        if save_freq != "epoch":
            # Batch hooks only for batch-wise saving: an epoch-wise checkpoint costs nothing per batch.
            self.on_train_batch_end = self._on_train_batch_end

    def get_state(self) -> dict:
        # The batch counters place the next `save_freq` save where an uninterrupted run makes it.
        return {
            **super().get_state(),
            "batches_seen_since_last_saving": self._batches_seen_since_last_saving,
            "last_batch_seen": self._last_batch_seen,
        }

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self._batches_seen_since_last_saving = state["batches_seen_since_last_saving"]
        self._last_batch_seen = state["last_batch_seen"]

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch=epoch, batch=None, logs=logs)

    def _on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            if self.monitor_op is None:
                self._set_monitor_op()
            self._save_model(epoch=self._current_epoch, batch=batch, logs=dict(logs or {}))

    def _should_save_on_batch(self, batch: int) -> bool:
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            added = batch + 1  # a new epoch
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch: int, logs: dict, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=2)
            return True
        if isinstance(current, (np.ndarray, torch.Tensor)) and current.ndim > 0:
            warnings.warn(
                f"Can save best model only when `monitor` is a scalar value. Received: {current}. Falling back to "
                "`save_best_only=False`.",
                stacklevel=2,
            )
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, saving model to "
                    f"{filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        logs = logs or {}
        filepath = self._get_file_path(epoch, batch, logs)
        # Every rank follows the best value (so that all agree on it); only rank 0 writes.
        if not self._should_save_model(epoch, logs, filepath) or not is_chief():
            return
        if os.path.isdir(filepath):
            raise OSError(
                f"Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing "
                f"directory: {filepath}"
            )
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict) -> str:
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from None
