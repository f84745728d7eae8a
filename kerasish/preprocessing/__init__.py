"""Data preprocessing utilities, as `keras.preprocessing`: the `image`, `sequence` and `text` tools of Keras 2."""

from __future__ import annotations

from kerasish.preprocessing import image, sequence, text

__all__ = ["image", "sequence", "text"]
