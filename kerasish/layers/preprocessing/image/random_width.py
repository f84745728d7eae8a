"""RandomWidth (tf.keras 2): resizes the width of images by a random factor during training."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.random_height import _RandomSize


class RandomWidth(_RandomSize):
    """Resizes the width of images by a random factor during training, as tf.keras 2's RandomWidth; the identity
    at inference. Channels-last images.

    Args:
        factor: a number `f` (a factor in `[1 - f, 1 + f]`) or a pair `(lower, upper)` (`[1 + lower, 1 + upper]`).
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"`, `"area"`, `"lanczos3"` or `"lanczos5"`.
        seed: an int for reproducible draws.

    Example:
        layer = RandomWidth(0.2)
    """

    _AXIS = "width"

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(factor, interpolation=interpolation, seed=seed, data_format="channels_last", **kwargs)
