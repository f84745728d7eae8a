"""AdaptiveMaxPooling3D: max pooling of 3D data to a fixed output size."""

from __future__ import annotations

from kerasish.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Adaptive max pooling of 3D data: each output position takes the max of its bin of the input,
    the bins chosen so that any input size pools to `output_size`.

    Args:
        output_size: an int (every axis) or `(depth, height, width)`.
        data_format: `"channels_last"` (inputs `(batch, depth, height, width, channels)`) or
            `"channels_first"`; defaults to `keras.config.image_data_format()`.

    Example:
        y = AdaptiveMaxPooling3D((3, 5, 4))(torch.ones(2, 6, 10, 9, 3))  # shape (2, 3, 5, 4, 3)
    """

    _average = False

    def __init__(self, output_size, data_format: str | None = None, **kwargs):
        super().__init__(3, output_size, data_format=data_format, **kwargs)
