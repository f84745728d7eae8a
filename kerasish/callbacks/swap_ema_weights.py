"""The callback that evaluates with the optimizer's moving average of the weights."""

from __future__ import annotations

import torch

from kerasish.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's exponential moving average (EMA) around evaluation.

    Before `evaluate()`, `predict()` or the validation of `fit()`, the weights are swapped in place with their
    EMA (Polyak averaging) kept by an optimizer created with `use_ema=True`; afterwards they are swapped back.
    Use it with an optimizer that has `use_ema=True`.

    Args:
        swap_on_epoch: Whether to also swap at the end of each epoch (and back at the start of the next), so
            that other callbacks, e.g. `ModelCheckpoint`, see the EMA weights. Put it before them in the list.

    Example:

    ```python
    model.compile(optimizer=kerasish.optimizers.SGD(use_ema=True), loss="mse")
    model.fit(x, y, validation_split=0.2, callbacks=[SwapEMAWeights()])
    model.fit(x, y, callbacks=[SwapEMAWeights(swap_on_epoch=True), ModelCheckpoint("ema.weights.h5")])
    ```
    """

    def __init__(self, swap_on_epoch: bool = False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._swapped = False  # around evaluation and prediction: the weights and their average trade places
        self._trained_weights = None  # with swap_on_epoch, between epochs: a copy of the trained weights

    def _optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # a LossScaleOptimizer's wrapped one
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights must be used when `use_ema=True` is set on the optimizer. "
                f"Received: use_ema={getattr(optimizer, 'use_ema', None)}"
            )
        return optimizer

    @torch.no_grad()
    def _swap(self) -> None:
        optimizer = self._optimizer()
        if not optimizer.built:
            return  # no step taken yet: nothing is averaged
        variables = list(optimizer._trainable_variables)
        averages = list(optimizer._model_variables_moving_average)
        saved = torch._foreach_add(variables, 0)  # a copy
        torch._foreach_copy_(variables, averages)
        torch._foreach_copy_(averages, saved)
        self._swapped = not self._swapped

    def _begin_evaluation(self) -> None:
        if not self._swapped and self._trained_weights is None:
            self._swap()

    def _end_evaluation(self) -> None:
        if self._swapped:
            self._swap()

    def on_test_begin(self, logs=None):
        self._begin_evaluation()

    def on_test_end(self, logs=None):
        self._end_evaluation()

    def on_predict_begin(self, logs=None):
        self._begin_evaluation()

    def on_predict_end(self, logs=None):
        self._end_evaluation()

    @torch.no_grad()
    def on_epoch_end(self, epoch, logs=None):
        if not self.swap_on_epoch or self._trained_weights is not None:
            return
        optimizer = self._optimizer()
        if optimizer.built:
            # Copied rather than swapped (as Keras does): the optimizer's average stays intact, so fit() ends on
            # it even when a callback stops training before the last epoch.
            variables = list(optimizer._trainable_variables)
            self._trained_weights = torch._foreach_add(variables, 0)
            torch._foreach_copy_(variables, list(optimizer._model_variables_moving_average))

    @torch.no_grad()
    def on_epoch_begin(self, epoch, logs=None):
        if self._trained_weights is not None:
            torch._foreach_copy_(list(self._optimizer()._trainable_variables), self._trained_weights)
            self._trained_weights = None

    def get_state(self) -> dict:
        # Between epochs with swap_on_epoch, the model holds the average and this callback the trained weights,
        # which the next epoch trains on.
        return {"trained_weights": self._trained_weights}

    def set_state(self, state: dict) -> None:
        self._trained_weights = state["trained_weights"]

    def on_train_end(self, logs=None):
        self._trained_weights = None  # fit() has ended on the average
