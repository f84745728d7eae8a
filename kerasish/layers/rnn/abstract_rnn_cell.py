"""tf.keras's `layers.AbstractRNNCell`: the base class of user-written recurrent cells."""

from __future__ import annotations

import torch

from kerasish import config
from kerasish.layers.layer import Layer
from kerasish.utils import tree


class AbstractRNNCell(Layer):
    """Base class for RNN cells (tf.keras 2).

    A subclass defines `state_size` (an int, or a list/tuple with one size per state), `output_size` and
    `call(inputs, states) -> (output, new_states)`, where `states` is the list of the previous step's states;
    `RNN(cell)` runs it over the time axis. `get_initial_state` gives zeros of `state_size`.

    Example:

    ```python
    class MinimalRNNCell(AbstractRNNCell):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        @property
        def state_size(self):
            return self.units

        @property
        def output_size(self):
            return self.units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

        def call(self, inputs, states):
            output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
            return output, output

    y = RNN(MinimalRNNCell(32))(x)
    ```
    """

    def __init__(self, **kwargs):
        # An abstract base, as tf.keras's: a cell without its own step cannot be made (`state_size` and
        # `output_size` are the subclass's attributes or properties, often set in its `__init__`).
        if type(self).call is Layer.call:
            raise TypeError(f"Can't instantiate {type(self).__name__}: it must define `call(inputs, states)`.")
        super().__init__(**kwargs)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zeros of `state_size` for `batch_size` sequences, in `dtype` (floatx by default); given `inputs`, their
        batch size, dtype and device. One tensor for an int `state_size`, else a list with one per state."""
        device = None
        if inputs is not None:
            inputs = tree.flatten(inputs)[0]
            batch_size, dtype, device = inputs.shape[0], inputs.dtype, inputs.device
        if batch_size is None:
            raise ValueError(
                f"{type(self).__name__}.get_initial_state needs `inputs` or `batch_size`; received batch_size=None."
            )
        dtype = config.standardize_dtype(dtype)

        def zeros(size):
            dims = list(size) if isinstance(size, (list, tuple, torch.Size)) else [size]
            return torch.zeros([batch_size, *dims], dtype=dtype, device=device)

        size = getattr(self, "state_size", None)
        if size is None:
            raise ValueError(f"{type(self).__name__} must define `state_size` (an int or a list of sizes).")
        return [zeros(s) for s in size] if isinstance(size, (list, tuple)) else zeros(size)


__all__ = ["AbstractRNNCell"]
