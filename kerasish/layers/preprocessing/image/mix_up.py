"""MixUp: blends each image (and its label) with another image of the batch."""

from __future__ import annotations

import torch

from kerasish import random as kerasish_random
from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    make_seed_generator,
)


def mix(values: torch.Tensor, weight: torch.Tensor, permutation: torch.Tensor) -> torch.Tensor:
    """`weight * values + (1 - weight) * values[permutation]`, one weight per sample (leading axis)."""
    weight = weight.to(device=values.device, dtype=values.dtype).reshape(-1, *[1] * (values.ndim - 1))
    return weight * values + (1.0 - weight) * values[permutation.to(values.device)]


class MixUp(BaseImagePreprocessingLayer):
    """MixUp augmentation: each image `x_i` becomes `w_i * x_i + (1 - w_i) * x_j`, where `j` follows a random
    permutation of the batch and `w_i ~ Beta(alpha, alpha)`. Labels (and segmentation masks) of a dict input are
    mixed with the same weights.

    Args:
        alpha: the Beta distribution's parameter.
        data_format: `"channels_last"` or `"channels_first"`.
        seed: an int for reproducible draws.

    Example:
        layer = MixUp(alpha=0.2)
        mixed = layer({"images": images, "labels": one_hot_labels}, training=True)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"MixUp: `alpha` should be a positive number. Received: alpha={alpha}")
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        batch = self._batch_size(data)
        permutation = torch.randperm(batch, generator=self._generator(seed, images.device), device=images.device)
        draw_seed = seed if seed is not None else self.generator
        weight = kerasish_random.beta((batch,), self.alpha, self.alpha, dtype="float32", seed=draw_seed)
        return {"mix_weight": weight.to(images.device), "permutation_order": permutation}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        return mix(images, transformation["mix_weight"], transformation["permutation_order"])

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        labels = torch.as_tensor(labels)
        labels = labels if labels.is_floating_point() else labels.to(torch.float32)
        return mix(labels, transformation["mix_weight"], transformation["permutation_order"])

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_labels(segmentation_masks, transformation, training=training)

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}
