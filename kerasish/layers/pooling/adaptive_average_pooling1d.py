"""AdaptiveAveragePooling1D: average pooling of 1D data to a fixed output size."""

from __future__ import annotations

from kerasish.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Adaptive average pooling of 1D data: each output position takes the average of its bin of the input,
    the bins chosen so that any input size pools to `output_size`.

    Args:
        output_size: an int (the output length) or a tuple of 1 int.
        data_format: `"channels_last"` (inputs `(batch, steps, channels)`) or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Example:
        y = AdaptiveAveragePooling1D(5)(torch.ones(4, 10, 3))  # shape (4, 5, 3)
    """

    _average = True

    def __init__(self, output_size, data_format: str | None = None, **kwargs):
        super().__init__(1, output_size, data_format=data_format, **kwargs)
