"""MaxPooling3D: the maximum over windows of the depth, height and width."""

from __future__ import annotations

from kerasish.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """3D maximum pooling: the maximum over `pool_size` windows moved by `strides` along the depth, height and width.

    Args:
        pool_size: an int or 3 ints, the window size.
        strides: an int or 3 ints; None (the default) means `pool_size`.
        padding: `"valid"` (windows inside the input) or `"same"` (`ceil(n / stride)` windows, the padding split as
            in TensorFlow, the extra element at the end).
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.

    Example:
        y = MaxPooling3D()(torch.ones(2, 4, 4, 4, 3))  # shape (2, 2, 2, 2, 3)
    """

    def __init__(
        self,
        pool_size=(2, 2, 2),
        strides=None,
        padding: str = "valid",
        data_format: str | None = None,
        name: str | None = None,
        **kwargs,
    ):
        super().__init__(
            pool_size,
            strides,
            pool_dimensions=3,
            pool_mode="max",
            padding=padding,
            data_format=data_format,
            name=name,
            **kwargs,
        )
