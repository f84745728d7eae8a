"""SpatialDropout1D/2D/3D: drop whole feature maps instead of single entries."""

from __future__ import annotations

from kerasish import config
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.regularization.dropout import Dropout


class BaseSpatialDropout(Dropout):
    """Dropout whose mask is shared over the spatial axes: each (example, channel) is kept or dropped whole."""

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, dtype=None, **kwargs):
        # tf.keras 2 writes Dropout's `noise_shape` (None; these layers set their own) and `trainable` too.
        kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        keep = inputs.new_empty(self._noise_shape(inputs))
        keep.bernoulli_(1 - self.rate, generator=self._seeded_generator(inputs.device))
        return inputs * keep / (1 - self.rate)

    def _noise_shape(self, inputs) -> tuple[int, ...]:
        """The mask shape: the batch and channel sizes, 1 on the spatial axes."""
        shape = [1] * inputs.dim()
        channel_axis = 1 if getattr(self, "data_format", "channels_last") == "channels_first" else -1
        shape[0], shape[channel_axis] = inputs.shape[0], inputs.shape[channel_axis]
        return tuple(shape)

    def get_config(self) -> dict:
        # Keras's spatial dropouts take only these arguments.
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout1D(BaseSpatialDropout):
    """Drops entire channels of `(batch, steps, channels)` inputs in training, scaling the rest by
    `1 / (1 - rate)`; helps when adjacent timesteps are strongly correlated.

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        seed: an int makes the masks reproducible.

    Example:
        y = SpatialDropout1D(0.2)(torch.randn(4, 10, 8), training=True)
    """

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None, dtype=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.input_spec = InputSpec(ndim=3)


class SpatialDropout2D(BaseSpatialDropout):
    """Drops entire feature maps of 4D image inputs in training, scaling the rest by `1 / (1 - rate)`.

    Args:
        rate: the fraction of feature maps to drop, in [0, 1).
        data_format: `"channels_last"` (`(batch, rows, cols, channels)`) or `"channels_first"`; the
            `image_data_format()` setting by default.
        seed: an int makes the masks reproducible.

    Example:
        y = SpatialDropout2D(0.2)(torch.randn(4, 8, 8, 3), training=True)
    """

    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name: str | None = None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = _standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(BaseSpatialDropout):
    """Drops entire feature maps of 5D volume inputs in training, scaling the rest by `1 / (1 - rate)`.

    Args:
        rate: the fraction of feature maps to drop, in [0, 1).
        data_format: `"channels_last"` (`(batch, d1, d2, d3, channels)`) or `"channels_first"`; the
            `image_data_format()` setting by default.
        seed: an int makes the masks reproducible.

    Example:
        y = SpatialDropout3D(0.2)(torch.randn(2, 4, 4, 4, 3), training=True)
    """

    def __init__(
        self,
        rate: float,
        data_format: str | None = None,
        seed: int | None = None,
        name: str | None = None,
        dtype=None,
        **kwargs,
    ):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = _standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=5)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


def _standardize_data_format(data_format: str | None) -> str:
    data_format = config.image_data_format() if data_format is None else str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
            f"Received: data_format={data_format}"
        )
    return data_format
