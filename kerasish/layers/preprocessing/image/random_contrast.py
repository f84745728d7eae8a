"""RandomContrast: scales each channel's deviation from its mean by a random factor per image."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer


class RandomContrast(ColorPreprocessingLayer):
    """Randomly adjusts contrast during training: each channel of each image becomes
    `(x - mean) * contrast_factor + mean`, with `mean` the channel's mean over the image and one factor per image.

    Args:
        factor: a number in [0, 1] or a pair `(lower, upper)`; the factor is drawn from
            `[1 - lower, 1 + upper]` (a single number gives `lower = upper`).
        value_range: the `[low, high]` range of the input pixels; outputs are clipped to it.
        seed: an int for reproducible draws.

    Example:
        layer = RandomContrast(0.2)
        augmented = layer(images, training=True)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        batch = self._batch_size(data)
        factor = self._uniform((batch, 1, 1, 1), 1.0 - self.factor[0], 1.0 + self.factor[1], seed, images.device)
        return {"contrast_factor": factor}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        spatial = (-2, -1) if self.data_format == "channels_first" else (-3, -2)
        mean = images.mean(dim=spatial, keepdim=True)
        factor = transformation["contrast_factor"].to(images.dtype)
        # `(x - mean) * factor + mean`, in place on the one new tensor (this layer sits in most pipelines).
        outputs = (images - mean).mul_(factor).add_(mean)
        return outputs.clamp_(self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "value_range": self.value_range, "seed": self.seed}
