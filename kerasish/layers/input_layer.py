"""Input() and InputLayer: where a functional graph starts."""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import KerasTensor, Node
from kerasish.layers.layer import Layer


class InputLayer(Layer):
    """The layer behind `Input()`: it holds the input's batch shape and dtype and passes data through.

    Args:
        shape: the shape without the batch axis, e.g. `(28, 28, 1)`.
        batch_size: a fixed batch size, or None.
        dtype: the input's dtype (floatx by default).
        batch_shape: the full shape including the batch axis (instead of `shape`/`batch_size`).
        name: the input's name (used as the key when data is passed as a dict).
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        ragged=None,
        batch_shape=None,
        input_tensor=None,
        optional=False,
        name=None,
        **kwargs,
    ):
        if "input_shape" in kwargs:  # Keras 2 spelling
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        kwargs.pop("trainable", None)
        if ragged:
            raise ValueError("kerasish has no ragged tensors: `Input(ragged=True)` is not supported (pad the data).")
        self.holds_strings = dtype == "string"  # strings travel as int64 Fingerprint64 ids made on the data side
        super().__init__(name=name or None, dtype="int64" if self.holds_strings else dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("An Input needs a `shape` (without the batch axis) or a `batch_shape`.")
            shape = (shape,) if isinstance(shape, int) else tuple(shape)
            batch_shape = (batch_size,) + shape
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.sparse = bool(sparse)
        self.optional = optional
        self.built = True
        self._build_shapes = self.batch_shape
        self._torch_dtype = config.standardize_dtype(self.dtype)
        self._rank = len(self.batch_shape)
        self.output_tensor = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name)
        self.output_tensor.holds_strings = self.holds_strings  # int64 ids that stand for strings
        Node(self, (), {}, self.output_tensor)

    def call(self, inputs):
        return self.conform(inputs)

    def conform(self, value):
        """Integer or boolean data for this input in the input's dtype, as Keras converts it (uint8 images, integer
        features). Float data keeps its dtype, so a model moved with torch's `.to(torch.float64)` takes float64."""
        if not isinstance(value, torch.Tensor):
            # A NumPy array of strings passes as it is, to the layer that reads it (a lookup hashes it,
            # TextVectorization splits it); only its rank is adjusted, as a tensor's is.
            return adjust_rank(value, self.batch_shape) if isinstance(value, np.ndarray) else value
        if value.dtype is not self._torch_dtype and not value.is_floating_point():
            value = value.to(self._torch_dtype)
        # Once per batch: the common case (the declared rank already) skips `adjust_rank`.
        return value if value.dim() == self._rank else adjust_rank(value, self.batch_shape)

    def get_config(self) -> dict:
        return {
            "batch_shape": list(self.batch_shape),
            "dtype": "string" if self.holds_strings else self.dtype,
            "sparse": self.sparse,
            "name": self.name,
            "optional": self.optional,
        }


def adjust_rank(value, batch_shape: tuple):
    """Data one axis short of an Input whose last size is 1 gains that axis; data with one extra axis of size 1
    loses it (as Keras 3 adjusts input ranks), so a table column of shape (n,) feeds `Input(shape=(1,))`. Works on
    tensors and on NumPy arrays (of strings)."""
    rank = len(batch_shape)
    if value.ndim == rank:
        return value
    if value.ndim == rank - 1 and rank > 1 and batch_shape[-1] == 1:
        return value[..., None]
    if value.ndim == rank + 1 and value.shape[-1] == 1:
        return value[..., 0]
    return value


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    ragged=None,
    batch_shape=None,
    name=None,
    tensor=None,
    optional=False,
) -> KerasTensor:
    """Starts a functional model: a symbolic tensor of the given shape (batch axis excluded).

    Example:
        inputs = kerasish.Input(shape=(16,), name="features")
        outputs = kerasish.layers.Dense(1)(inputs)
        model = kerasish.Model(inputs, outputs)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype or config.floatx(),
        sparse=sparse,
        ragged=ragged,
        batch_shape=batch_shape,
        name=name,
        optional=optional,
    )
    return layer.output_tensor
