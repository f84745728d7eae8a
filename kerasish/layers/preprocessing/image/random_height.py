"""RandomHeight (tf.keras 2): resizes the height of images by a random factor during training."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.ops import image as image_ops


class _RandomSize(BaseImagePreprocessingLayer):
    """tf.keras 2's RandomHeight/RandomWidth: one factor per batch, drawn from `1 + [lower, upper]`, resizes one
    axis (channels-last images) to `int(factor * size)`."""

    _USE_BASE_FACTOR = False
    _AXIS = "height"

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        lower, upper = (factor[0], factor[1]) if isinstance(factor, (tuple, list)) else (-factor, factor)
        if upper < lower:
            raise ValueError(
                f"{name}: `factor` argument cannot have an upper bound lesser than the lower bound. Received: "
                f"factor={factor}"
            )
        if lower < -1.0 or upper < -1.0:
            raise ValueError(f"{name}: `factor` argument must have values larger than -1. Received: factor={factor}")
        self._check_choice("interpolation", interpolation, image_ops.RESIZE_INTERPOLATIONS)
        self.factor = factor
        self.lower, self.upper = lower, upper
        self.interpolation = interpolation
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        factor = self._uniform((), 1.0 + self.lower, 1.0 + self.upper, seed, images.device)
        axis = -3 if self._AXIS == "height" else -2
        return {"size": int(float(factor) * images.shape[axis])}

    def _transform_images(self, images, transformation, interpolation):
        height, width = images.shape[1:3]
        size = (transformation["size"], width) if self._AXIS == "height" else (height, transformation["size"])
        resized = image_ops.resize(images, size, interpolation=interpolation, data_format="channels_last")
        return resized.to(images.dtype)

    def _output_image_shape(self, input_shape):
        shape = list(input_shape)
        shape[-3 if self._AXIS == "height" else -2] = None
        return tuple(shape)

    def get_config(self) -> dict:
        config_ = super().get_config()
        config_.pop("data_format")  # tf.keras 2's layer is channels-last only and takes no data_format
        return {**config_, "factor": self.factor, "interpolation": self.interpolation, "seed": self.seed}


class RandomHeight(_RandomSize):
    """Resizes the height of images by a random factor during training, as tf.keras 2's RandomHeight; the identity
    at inference. Channels-last images.

    Args:
        factor: a number `f` (a factor in `[1 - f, 1 + f]`) or a pair `(lower, upper)` (`[1 + lower, 1 + upper]`).
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"area"`, `"lanczos3"` or `"lanczos5"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomHeight(0.2)
    """

    _AXIS = "height"

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(factor, interpolation=interpolation, seed=seed, data_format="channels_last", **kwargs)
