"""PreprocessingLayer: tf.keras 2's base of the layers whose state is computed from data with `adapt`."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from kerasish.layers.layer import Layer


class PreprocessingLayer(Layer):
    """Base of a layer whose state is learned from data, as tf.keras 2 structures it: `adapt(data)` resets the
    state, calls `update_state(batch)` for each batch, then `finalize_state()`.

    Subclasses implement `update_state`, and may implement `reset_state` and `finalize_state`.

    Example:
        class RunningMax(PreprocessingLayer):
            def reset_state(self):
                self.max = None

            def update_state(self, data):
                batch_max = data.max()
                self.max = batch_max if self.max is None else torch.maximum(self.max, batch_max)

            def call(self, inputs):
                return inputs / self.max
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_adapted = False

    @property
    def is_adapted(self) -> bool:
        """Whether `adapt` has run."""
        return self._is_adapted

    def update_state(self, data) -> None:
        """Accumulates statistics from one batch; subclasses override it."""
        raise TypeError(f"{self.__class__.__name__} must implement `update_state` to be adapted.")

    def reset_state(self) -> None:
        """Resets the statistics (called at the start of `adapt`)."""

    def finalize_state(self) -> None:
        """Computes the final state from the statistics (called at the end of `adapt`)."""

    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Computes the layer's state from `data`.

        Args:
            data: an array or tensor (split into batches of `batch_size`, 32 by default), or an iterable of
                batches (a generator, a `PyDataset`, a `tf.data.Dataset`).
            batch_size: the batch size for array data.
            steps: the number of batches to use (all by default).
        """
        if isinstance(data, (np.ndarray, torch.Tensor, list)):
            array = data if isinstance(data, torch.Tensor) else np.asarray(data)
            size = batch_size or 32
            batches = (array[start : start + size] for start in range(0, len(array), size))
        else:
            if batch_size is not None:
                raise ValueError(
                    f"{self.__class__.__name__}.adapt: `batch_size` is for array data; the given data is already "
                    f"batched ({type(data).__name__})."
                )
            batches = iter(data)
        if steps is not None:
            batches = itertools.islice(batches, steps)
        self.reset_state()
        for batch in batches:
            self.update_state(batch)
        self.finalize_state()
        self._is_adapted = True
