"""RandomColorJitter: random brightness, contrast, saturation and hue, one after the other."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.color_preprocessing_layer import ColorPreprocessingLayer
from kerasish.layers.preprocessing.image.random_brightness import RandomBrightness
from kerasish.layers.preprocessing.image.random_contrast import RandomContrast
from kerasish.layers.preprocessing.image.random_hue import RandomHue
from kerasish.layers.preprocessing.image.random_saturation import RandomSaturation

_STEPS = ("random_brightness", "random_contrast", "random_saturation", "random_hue")


class RandomColorJitter(ColorPreprocessingLayer):
    """Randomly jitters colours: applies, in this order, `RandomBrightness`, `RandomContrast`, `RandomSaturation`
    and `RandomHue` for each factor that is given (None skips that step).

    Args:
        value_range: the `[low, high]` range of the input pixels.
        brightness_factor: `RandomBrightness`'s factor, or None.
        contrast_factor: `RandomContrast`'s factor, or None.
        saturation_factor: `RandomSaturation`'s factor, or None.
        hue_factor: `RandomHue`'s factor, or None.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = RandomColorJitter(value_range=(0, 1), brightness_factor=0.2, hue_factor=0.1)
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False

    def __init__(
        self,
        value_range=(0, 255),
        brightness_factor=None,
        contrast_factor=None,
        saturation_factor=None,
        hue_factor=None,
        seed=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.seed = seed
        self.generator = make_seed_generator(seed)
        common = {"value_range": value_range, "seed": seed, "data_format": self.data_format}
        self.random_brightness = (
            RandomBrightness(brightness_factor, **common) if brightness_factor is not None else None
        )
        self.random_contrast = RandomContrast(contrast_factor, **common) if contrast_factor is not None else None
        self.random_saturation = (
            RandomSaturation(saturation_factor, **common) if saturation_factor is not None else None
        )
        self.random_hue = RandomHue(hue_factor, **common) if hue_factor is not None else None

    def _steps(self):
        return [(name, getattr(self, name)) for name in _STEPS if getattr(self, name) is not None]

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = seed if seed is not None else self.generator
        return {name: step.get_random_transformation(data, training=True, seed=seed) for name, step in self._steps()}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        for name, step in self._steps():
            images = step.transform_images(images, transformation[name], training=True)
        return images

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "brightness_factor": self.brightness_factor,
            "contrast_factor": self.contrast_factor,
            "saturation_factor": self.saturation_factor,
            "hue_factor": self.hue_factor,
            "seed": self.seed,
        }
