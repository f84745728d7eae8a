"""CutMix: pastes a random rectangle of another image of the batch into each image."""

from __future__ import annotations

import torch

from kerasish import random as kerasish_random
from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
    images_shape,
    make_seed_generator,
)
from kerasish.layers.preprocessing.image.mix_up import mix


def rectangle_masks(height: int, width: int, x0, x1, y0, y1, data_format: str) -> torch.Tensor:
    """Boolean masks `(batch, H, W, 1)` (or `(batch, 1, H, W)`) of the pixels with `x0 <= x < x1`, `y0 <= y < y1`
    (one rectangle per image, float corners)."""
    ys = torch.arange(height, dtype=x0.dtype, device=x0.device).reshape(1, -1, 1)
    xs = torch.arange(width, dtype=x0.dtype, device=x0.device).reshape(1, 1, -1)
    x0, x1, y0, y1 = (c.reshape(-1, 1, 1) for c in (x0, x1, y0, y1))
    masks = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    return masks.unsqueeze(1 if data_format == "channels_first" else -1)


def crop_bounds(length: int, crop_length: torch.Tensor, start_draw: torch.Tensor):
    """Start and end of a crop of `crop_length` placed at `start_draw` (uniform in [0, 1)) of the free space."""
    start = start_draw * (length - crop_length)
    return start, start + crop_length


class CutMix(BaseImagePreprocessingLayer):
    """CutMix augmentation: a rectangle of each image is replaced by the same rectangle of another image of the
    batch (a random permutation), and labels are mixed in proportion to the areas.

    Per call, `alpha` is drawn from the factor's range; per image, `w ~ Beta(alpha, alpha)` sets the rectangle's
    sides to `sqrt(1 - w)` of the image's, at a uniform position. A single image passes through unchanged.

    Args:
        factor: a number in [0, 1] (the range `[0, factor]`) or a pair `(lower, upper)`.
        seed: an int for reproducible draws.
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = CutMix()
        mixed = layer({"images": images, "labels": one_hot_labels}, training=True)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.seed = seed
        self.generator = make_seed_generator(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self._images_of(data)
        if images.ndim == 3:
            return None
        device, batch = images.device, images.shape[0]
        height, width, _ = images_shape(images, self.data_format)
        alpha = float(self._uniform((), self.factor[0], self.factor[1], seed, torch.device("cpu"))) + 1e-6
        draw_seed = seed if seed is not None else self.generator
        weight = kerasish_random.beta((batch,), alpha, alpha, dtype="float32", seed=draw_seed).to(device)
        ratio = torch.sqrt(1.0 - weight)
        x0, x1 = crop_bounds(width, ratio * width, self._uniform((batch,), 0.0, 1.0, seed, device))
        y0, y1 = crop_bounds(height, ratio * height, self._uniform((batch,), 0.0, 1.0, seed, device))
        permutation = torch.randperm(batch, generator=self._generator(seed, device), device=device)
        return {
            "permutation_order": permutation,
            "batch_masks": rectangle_masks(height, width, x0, x1, y0, y1, self.data_format),
            "mix_weight": 1.0 - (x1 - x0) * (y1 - y0) / (width * height),
        }

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        permutation = transformation["permutation_order"].to(images.device)
        return torch.where(transformation["batch_masks"].to(images.device), images[permutation], images)

    def transform_labels(self, labels, transformation, training=True):
        if not training or transformation is None:
            return labels
        labels = torch.as_tensor(labels)
        labels = labels if labels.is_floating_point() else labels.to(torch.float32)
        return mix(labels, transformation["mix_weight"], transformation["permutation_order"])

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
