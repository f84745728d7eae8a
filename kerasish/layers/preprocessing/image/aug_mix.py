"""AugMix: mixes several chains of random augmentations with the original image."""

from __future__ import annotations

import torch

from kerasish import random as kerasish_random
from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.rand_augment import augmentation_layers

AUGMENT_LAYERS_ALL = [
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
    "random_brightness",
    "random_color_degeneration",
    "random_contrast",
    "random_sharpness",
]
AUGMENT_LAYERS = AUGMENT_LAYERS_ALL[:7]


class AugMix(BaseImagePreprocessingLayer):
    """AugMix: `num_chains` chains of up to `chain_depth` random operations each (a step may also be skipped) are
    applied to the batch; the chains' outputs are blended with Dirichlet(`alpha`) weights, and the blend is mixed
    with the input by a Beta(`alpha`, `alpha`) weight, then clipped to `value_range`.

    Unlike Keras, which picks the operations with Python's unseeded `random`, kerasish draws them from the layer's
    seed, so a seeded layer is reproducible.

    Args:
        value_range: the `[low, high]` range of the input pixels.
        num_chains: the number of augmentation chains.
        chain_depth: the maximum number of operations per chain.
        factor: a number in [0, 1] or a pair: the strength of every operation.
        alpha: the Dirichlet and Beta concentration.
        all_ops: whether brightness, colour degeneration, contrast and sharpness are among the operations.
        interpolation: the interpolation of the geometric operations.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = AugMix(value_range=(0, 255))
        augmented = layer(images, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(
        self,
        value_range=(0, 255),
        num_chains=3,
        chain_depth=3,
        factor=0.3,
        alpha=1.0,
        all_ops=True,
        interpolation="bilinear",
        seed=None,
        data_format=None,
        **kwargs,
    ):
        for name, value in (("num_chains", num_chains), ("chain_depth", chain_depth)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"AugMix: `{name}` should be a positive integer. Received: {name}={value}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"AugMix: `alpha` should be a positive number. Received: alpha={alpha}")
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.seed = seed
        self.generator = make_seed_generator(seed)
        self._augment_layers = list(AUGMENT_LAYERS_ALL if all_ops else AUGMENT_LAYERS)
        augmentation_layers(self, self._augment_layers, self.factor, value_range, interpolation, seed, self.data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        seed = seed if seed is not None else self.generator
        gammas = kerasish_random.gamma((self.num_chains,), self.alpha, dtype="float32", seed=seed)
        weight_sample = kerasish_random.beta((), self.alpha, self.alpha, dtype="float32", seed=seed)
        # The chains' operations steer Python, so they are drawn on the CPU (no device sync); the last choice
        # (one past the list) skips the step.
        choices = torch.randint(
            0,
            len(self._augment_layers) + 1,
            (self.num_chains, self.chain_depth),
            generator=self._generator(seed, torch.device("cpu")),
        )
        chain_transforms = []
        for row in choices.tolist():
            chain = []
            for choice in row:
                if choice == len(self._augment_layers):
                    continue
                name = self._augment_layers[choice]
                transformation = getattr(self, name).get_random_transformation(data, training=True, seed=seed)
                chain.append({"layer_name": name, "transformation": transformation})
            chain_transforms.append(chain)
        return {
            "chain_mixing_weights": (gammas / gammas.sum()).to(images.device),
            "weight_sample": weight_sample.to(images.device),
            "chain_transforms": chain_transforms,
        }

    def _mix(self, values, transformation, transform_name):
        weights = torch.as_tensor(transformation["chain_mixing_weights"]).to(device=values.device, dtype=values.dtype)
        weight_sample = torch.as_tensor(transformation["weight_sample"]).to(device=values.device, dtype=values.dtype)
        mixed = torch.zeros_like(values)
        for index, chain in enumerate(transformation["chain_transforms"]):
            chained = values
            for step in chain:
                layer = getattr(self, step["layer_name"])
                chained = getattr(layer, transform_name)(chained, step["transformation"], training=True)
            mixed = mixed + chained * weights[index]
        return weight_sample * values + (1 - weight_sample) * mixed

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        images = self._mix(images, transformation, "transform_images")
        return images.clamp(self.value_range[0], self.value_range[1])

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._mix(segmentation_masks, transformation, "transform_segmentation_masks")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_chains": self.num_chains,
            "chain_depth": self.chain_depth,
            "factor": self.factor,
            "alpha": self.alpha,
            "all_ops": self.all_ops,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
