"""The base class every callback derives from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch.nn.parallel import DistributedDataParallel


class Callback:
    """Base class used to build new callbacks.

    Callbacks are passed to `fit()`, `evaluate()` and `predict()` to hook into training, evaluation and
    inference. Subclass `Callback` and override the hooks you need: the trainer only calls hooks that a
    callback overrides, so a callback without batch hooks costs nothing per batch.

    Batch hooks receive `logs` as a read-only mapping whose values may be computed (a device sync) only when
    first read: read batch logs only when you need them. Epoch and begin/end hooks receive plain dicts of
    floats.

    Attributes:
        params: Dict of training parameters (`verbose`, `epochs`, `steps`).
        model: The `Model` being trained.

    Example:

    ```python
    class PrintLoss(kerasish.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(epoch, logs["loss"])

    model.fit(x, y, callbacks=[PrintLoss()])
    ```
    """

    def __init__(self):
        self.params: dict | None = None
        self._model = None

    # A callback that backs up the others' state (BackupAndRestore) sets this: `CallbackList` then calls its hooks
    # after every other callback's, so that it sees the state they leave, and hands it the list through
    # `_set_callback_list`.
    _backs_up_callbacks = False

    def get_state(self) -> dict:
        """Returns the state this callback carries from one epoch or batch to the next, for `BackupAndRestore`.

        `BackupAndRestore` saves the state of every callback with its backup and gives it back through
        `set_state` when an interrupted `fit()` resumes, so that a resumed run goes on as if it had never stopped.
        Return what a fresh instance, given it after its `on_train_begin`, needs to carry on: counters, best
        values, buffered logs, weights. Not the arguments of `__init__`, which the resumed run passes again.

        The state must be plain data, since a backup never holds code: None, bools, numbers, strings, numpy
        arrays, torch tensors, and lists, tuples and string-keyed dicts of them. The default, `{}`, is for
        callbacks without such state.

        Returns:
            A dict of plain data.
        """
        return {}

    def set_state(self, state: dict) -> None:
        """Takes back a state returned by `get_state`, when an interrupted `fit()` resumes.

        Called after every callback's `on_train_begin`, so the state given here replaces whatever
        `on_train_begin` reset.

        Args:
            state: The dict `get_state` returned when the backup was taken.
        """

    def set_params(self, params: dict) -> None:
        self.params = params

    def set_model(self, model: Any) -> None:
        self._model = model

    @property
    def model(self) -> Any:
        # A callback set up against a DDP wrapper still wants the kerasish model (its weights, its
        # `stop_training` flag), which the wrapper keeps in `.module`.
        if isinstance(self._model, DistributedDataParallel):
            return self._model.module
        return self._model

    def on_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        """A backwards compatibility alias for `on_train_batch_begin`."""

    def on_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        """A backwards compatibility alias for `on_train_batch_end`."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of an epoch (training only).

        Args:
            epoch: Index of the epoch.
            logs: Currently no data is passed.
        """

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of an epoch (training only).

        Args:
            epoch: Index of the epoch.
            logs: Metric results of this epoch, e.g. `{"loss": 0.2, "accuracy": 0.7}`; validation results
                are prefixed with `val_`.
        """

    def on_train_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        """Called at the beginning of a training batch in `fit`.

        Args:
            batch: Index of the batch within the current epoch.
            logs: Currently no data is passed.
        """
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        """Called at the end of a training batch in `fit`.

        Args:
            batch: Index of the batch within the current epoch.
            logs: Metric results aggregated up to this batch (a lazily evaluated mapping).
        """
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        """Called at the beginning of a batch in `evaluate` and of a validation batch in `fit`.

        Args:
            batch: Index of the batch.
            logs: Currently no data is passed.
        """

    def on_test_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        """Called at the end of a batch in `evaluate` and of a validation batch in `fit`.

        Args:
            batch: Index of the batch.
            logs: Metric results aggregated up to this batch (a lazily evaluated mapping).
        """

    def on_predict_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        """Called at the beginning of a batch in `predict`.

        Args:
            batch: Index of the batch.
            logs: Currently no data is passed.
        """

    def on_predict_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        """Called at the end of a batch in `predict`.

        Args:
            batch: Index of the batch.
            logs: Dict holding the batch's `outputs`.
        """

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called at the beginning of training.

        Args:
            logs: Currently no data is passed.
        """

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called at the end of training.

        Args:
            logs: The logs of the last `on_epoch_end` call.
        """

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called at the beginning of evaluation or validation.

        Args:
            logs: Currently no data is passed.
        """

    def on_test_end(self, logs: dict | None = None) -> None:
        """Called at the end of evaluation or validation.

        Args:
            logs: The evaluation results.
        """

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called at the beginning of prediction.

        Args:
            logs: Currently no data is passed.
        """

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called at the end of prediction.

        Args:
            logs: Currently no data is passed.
        """
