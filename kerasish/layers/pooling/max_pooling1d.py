"""MaxPooling1D: the maximum over windows of the steps."""

from __future__ import annotations

from kerasish.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """1D maximum pooling: the maximum over `pool_size` windows moved by `strides` along the steps.

    Args:
        pool_size: an int or 1 ints, the window size.
        strides: an int or 1 ints; None (the default) means `pool_size`.
        padding: `"valid"` (windows inside the input) or `"same"` (`ceil(n / stride)` windows, the padding split as
            in TensorFlow, the extra element at the end).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.

    Example:
        y = MaxPooling1D()(torch.ones(4, 10, 3))  # shape (4, 5, 3)
    """

    def __init__(
        self,
        pool_size=2,
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
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
