"""The callback that records every epoch's logs; `fit()` returns it."""

from __future__ import annotations

from kerasish.callbacks.callback import Callback


class History(Callback):
    """Records the epoch logs into `history`.

    `fit()` adds one automatically and returns it.

    Attributes:
        history: Dict mapping each log key (`"loss"`, metric names, `"val_"`-prefixed validation results)
            to the list of its per-epoch values.
        epoch: List of the epoch indices recorded by the current `fit()`.

    Example:

    ```python
    history = model.fit(x, y, epochs=3, verbose=0)
    history.history["loss"]  # three floats
    ```
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        # As Keras: epochs restart with each `fit()`, while `history` keeps accumulating if the same
        # History object is passed to several `fit()` calls.
        self.epoch = []

    def get_state(self) -> dict:
        # Backed up with the training state, so that a resumed run's History holds the whole run.
        return {"history": {key: list(values) for key, values in self.history.items()}, "epoch": list(self.epoch)}

    def set_state(self, state: dict) -> None:
        self.history = {key: list(values) for key, values in state["history"].items()}
        self.epoch = list(state["epoch"])

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Keep the model pointing at the latest history, even when training stops early.
        if self.model is not None:
            self.model.history = self
