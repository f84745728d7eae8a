"""RandomColorDegeneration: blends each image with its grayscale version by a random amount."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer
from kerasish.ops import image as image_ops


class RandomColorDegeneration(ColorPreprocessingLayer):
    """Randomly degenerates colour: each image becomes `x + f * (gray(x) - x)` with `f` drawn per image from the
    factor's range (as in Keras, a single number gives `[-factor, factor]`; negative draws push colours away from
    gray), clipped to `value_range`.

    Args:
        factor: a number in [-1, 1] or a pair `(lower, upper)`.
        value_range: the `[low, high]` range of the input pixels (sorted).
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomColorDegeneration(0.5)
        augmented = layer(images, training=True)
    """

    _CHANNELS = (3,)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self._set_value_range(value_range)
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        factor = self._uniform((self._batch_size(data), 1, 1, 1), self.factor[0], self.factor[1], seed, images.device)
        return {"factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        images = images + transformation["factor"].to(images.dtype) * (gray - images)
        return images.clamp(self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1 if self.data_format == "channels_last" else -3] if len(input_shape) in (3, 4) else 0
        if len(input_shape) not in (3, 4) or channels not in (None, 3):
            raise ValueError(
                f"{self.__class__.__name__}: expected images of rank 3 or 4 with 3 channels. "
                f"Received: input_shape={tuple(input_shape)}"
            )
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
