"""RandAugment: applies `num_ops` operations drawn from a fixed list of augmentations."""

from __future__ import annotations

import torch

from kerasish.layers.preprocessing.image.auto_contrast import AutoContrast
from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.equalization import Equalization
from kerasish.layers.preprocessing.image.random_brightness import RandomBrightness
from kerasish.layers.preprocessing.image.random_color_degeneration import RandomColorDegeneration
from kerasish.layers.preprocessing.image.random_contrast import RandomContrast
from kerasish.layers.preprocessing.image.random_posterization import RandomPosterization
from kerasish.layers.preprocessing.image.random_rotation import RandomRotation
from kerasish.layers.preprocessing.image.random_sharpness import RandomSharpness
from kerasish.layers.preprocessing.image.random_shear import RandomShear
from kerasish.layers.preprocessing.image.random_translation import RandomTranslation
from kerasish.layers.preprocessing.image.solarization import Solarization


def augmentation_layers(owner, names, factor, value_range, interpolation, seed, data_format) -> None:
    """Creates, as attributes of `owner`, the augmentation layers `names` that RandAugment and AugMix draw from,
    all with the strength `factor` (a `(lower, upper)` pair), as Keras configures them."""
    color = {"value_range": value_range, "seed": seed, "data_format": data_format}
    geometric = {"interpolation": interpolation, "seed": seed, "data_format": data_format}
    makers = {
        "random_shear": lambda: RandomShear(x_factor=factor, y_factor=factor, **geometric),
        "random_translation": lambda: RandomTranslation(height_factor=factor, width_factor=factor, **geometric),
        "random_rotation": lambda: RandomRotation(factor=factor, **geometric),
        "random_brightness": lambda: RandomBrightness(factor=factor, **color),
        "random_color_degeneration": lambda: RandomColorDegeneration(factor=factor, **color),
        "random_contrast": lambda: RandomContrast(factor=factor, **color),
        "random_sharpness": lambda: RandomSharpness(factor=factor, **color),
        "random_posterization": lambda: RandomPosterization(factor=max(1, int(8 * factor[1])), **color),
        "solarization": lambda: Solarization(addition_factor=factor, threshold_factor=factor, **color),
        "auto_contrast": lambda: AutoContrast(value_range=value_range, data_format=data_format),
        "equalization": lambda: Equalization(value_range=value_range, data_format=data_format),
    }
    for name in names:
        setattr(owner, name, makers[name]())


class RandAugment(BaseImagePreprocessingLayer):
    """RandAugment: per call, `num_ops` operations are drawn (with replacement) from shear, translation, rotation,
    brightness, colour degeneration, contrast, sharpness, posterization, solarization, auto-contrast and
    equalization, each of strength `factor`, and applied in turn to the whole batch.

    Args:
        value_range: the `[low, high]` range of the input pixels.
        num_ops: the number of operations applied per call.
        factor: a number in [0, 1] or a pair: the strength of every operation.
        interpolation: the interpolation of the geometric operations.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandAugment(value_range=(0, 255), num_ops=2, factor=0.5)
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = [
        "random_shear",
        "random_translation",
        "random_rotation",
        "random_brightness",
        "random_color_degeneration",
        "random_contrast",
        "random_sharpness",
        "random_posterization",
        "solarization",
        "auto_contrast",
        "equalization",
    ]

    def __init__(
        self,
        value_range=(0, 255),
        num_ops=2,
        factor=0.5,
        interpolation="bilinear",
        seed=None,
        data_format=None,
        **kwargs,
    ):
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"RandAugment: `num_ops` should be a non-negative integer. Received: num_ops={num_ops}")
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self.seed = seed
        self.generator = make_seed_generator(seed)
        augmentation_layers(self, self._AUGMENT_LAYERS, self.factor, value_range, interpolation, seed, self.data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = seed if seed is not None else self.generator
        # The choice of operations steers Python, so it is drawn on the CPU (no device sync).
        cpu = torch.device("cpu")
        layer_idxes = torch.randint(0, len(self._AUGMENT_LAYERS), (self.num_ops,), generator=self._generator(seed, cpu))
        transforms = {}
        for index in layer_idxes.tolist():
            name = self._AUGMENT_LAYERS[index]
            if name not in transforms:  # an operation drawn twice applies its one transformation twice, as in Keras
                transforms[name] = getattr(self, name).get_random_transformation(data, training=True, seed=seed)
        return {"transforms": transforms, "layer_idxes": layer_idxes}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        for index in torch.as_tensor(transformation["layer_idxes"]).tolist():
            name = self._AUGMENT_LAYERS[index]
            images = getattr(self, name).transform_images(images, transformation["transforms"].get(name), training=True)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        for index in torch.as_tensor(transformation["layer_idxes"]).tolist():
            name = self._AUGMENT_LAYERS[index]
            layer, layer_transformation = getattr(self, name), transformation["transforms"].get(name)
            segmentation_masks = layer.transform_segmentation_masks(segmentation_masks, layer_transformation)
        return segmentation_masks

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_ops": self.num_ops,
            "factor": self.factor,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
