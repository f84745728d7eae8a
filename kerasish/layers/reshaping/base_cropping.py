"""BaseCropping: removes rows at both ends of the spatial axes, behind Cropping1D/2D/3D."""

from __future__ import annotations

from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class BaseCropping(Layer):
    """Crops `pairs[i] = (before, after)` elements off spatial axis `i`; the output is a view of the input.

    Args:
        pairs: one (before, after) pair of ints per spatial axis.
        data_format: `"channels_last"` (spatial axes from 1) or `"channels_first"` (from 2).
    """

    def __init__(self, pairs: tuple[tuple[int, int], ...], data_format: str, **kwargs):
        super().__init__(**kwargs)
        self._pairs = pairs
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=len(pairs) + 2)
        first = 1 if data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + len(pairs)))
        self._index = (slice(None),) * first + tuple(slice(a, -b if b else None) for a, b in pairs)

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._axes, self._pairs):
            if shape[axis] is None:
                continue
            if before + after >= shape[axis]:
                raise ValueError(
                    f'Layer "{self.name}": values in `cropping` must be smaller than the corresponding '
                    f"spatial dimension of the input. Received: input_shape={tuple(input_shape)}, "
                    f"cropping={self.cropping}"
                )
            shape[axis] -= before + after
        return tuple(shape)
