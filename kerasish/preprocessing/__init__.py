"""Data preprocessing utilities, as `keras.preprocessing`: the `image`, `sequence` and `text` tools of Keras 2."""

from __future__ import annotations

from kerasish.preprocessing import image, sequence, text
from kerasish.utils.image_dataset_utils import image_dataset_from_directory
from kerasish.utils.text_dataset_utils import text_dataset_from_directory
from kerasish.utils.timeseries_dataset_utils import timeseries_dataset_from_array

__all__ = [
    "image",
    "image_dataset_from_directory",
    "sequence",
    "text",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
]
