"""RandomFlip: flips images horizontally and/or vertically at random during training."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(BaseImagePreprocessingLayer):
    """Flips each image with probability 1/2 during training; the identity at inference.

    With `"horizontal_and_vertical"` one draw per image decides both flips (as in Keras).

    Args:
        mode: `"horizontal"` (left-right), `"vertical"` (top-bottom) or `"horizontal_and_vertical"`.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomFlip("horizontal")
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._check_choice("mode", mode, (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL))
        self.mode = mode
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        draws = self._uniform((self._batch_size(data),), 0.0, 1.0, seed, images.device)
        return {"flips": draws <= 0.5, "input_shape": tuple(images.shape)}

    def _transform_images(self, images, transformation, interpolation):
        flips = transformation["flips"].to(images.device).view(-1, 1, 1, 1)
        h_axis, w_axis = (1, 2) if self.data_format == "channels_last" else (2, 3)
        outputs = images
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(flips, outputs.flip(w_axis), outputs)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            outputs = torch.where(flips, outputs.flip(h_axis), outputs)
        return outputs

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode, "data_format": self.data_format}
