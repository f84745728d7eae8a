"""AveragePooling1D: the average over windows of the steps."""

from __future__ import annotations

from kerasish.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """1D average pooling: the average over `pool_size` windows moved by `strides` along the steps.
    Padded positions never count: a window at the edge averages its valid elements only.

    Args:
        pool_size: an int or 1 ints, the window size.
        strides: an int or 1 ints; None (the default) means `pool_size`.
        padding: `"valid"` (windows inside the input) or `"same"` (`ceil(n / stride)` windows, the padding split as
            in TensorFlow, the extra element at the end).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.

    Example:
        y = AveragePooling1D(2)(torch.ones(4, 10, 3))  # shape (4, 5, 3)
    """

    def __init__(
        self,
        pool_size,
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=1,
            pool_mode="average",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
