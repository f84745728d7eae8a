"""The callback built from plain functions."""

from __future__ import annotations

from collections.abc import Callable

from kerasish.callbacks.callback import Callback


class LambdaCallback(Callback):
    """A callback made of the functions given, called at the matching moments.

    `on_epoch_begin` and `on_epoch_end` take `(epoch, logs)`, `on_train_batch_begin` and `on_train_batch_end`
    take `(batch, logs)`, `on_train_begin` and `on_train_end` take `(logs)`. Only the hooks given are called:
    a LambdaCallback without batch functions costs nothing per batch.

    Args:
        on_epoch_begin: Called at the beginning of every epoch.
        on_epoch_end: Called at the end of every epoch.
        on_train_begin: Called at the beginning of training.
        on_train_end: Called at the end of training.
        on_train_batch_begin: Called at the beginning of every training batch.
        on_train_batch_end: Called at the end of every training batch.
        **kwargs: Any other hook of `Callback` (e.g. `on_test_end`), or attributes to set on the callback.

    Example:

    ```python
    json_log = open("loss_log.json", mode="wt", buffering=1)
    json_logging_callback = LambdaCallback(
        on_epoch_end=lambda epoch, logs: json_log.write(json.dumps({"epoch": epoch, "loss": logs["loss"]}) + "\\n"),
        on_train_end=lambda logs: json_log.close(),
    )
    ```
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
        **kwargs,
    ):
        super().__init__()
        # Keras sets any other keyword as an attribute: that is how `on_test_end=...` and friends are passed.
        self.__dict__.update(kwargs)
        hooks = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
        }
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)
