"""ColorPreprocessingLayer: the base of the image layers that change pixel values but move no pixel."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import BaseImagePreprocessingLayer


def factor_pair(value, bounds: tuple, layer: str, name: str) -> tuple:
    """`(lower, upper)` from a number or pair, as Keras parses `factor`-like arguments other than `factor`
    (a number `f` gives `(max(-f, bounds[0]), f)`)."""
    low, high = bounds
    message = (
        f"{layer}: the `{name}` argument should be a number (or a list of two numbers) in the range [{low}, {high}]. "
        f"Received: {name}={value}"
    )

    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if isinstance(value, (tuple, list)):
        if len(value) != 2 or not all(map(number, value)) or value[0] > high or value[1] < low:
            raise ValueError(message)
        return tuple(sorted(value))
    if not number(value) or not low <= value <= high:
        raise ValueError(message)
    return (max(-abs(value), low), abs(value))


class ColorPreprocessingLayer(BaseImagePreprocessingLayer):
    """An image layer that recolours pixels in place: labels and segmentation masks of a dict input pass through
    unchanged (as each of Keras's colour layers declares). A layer that needs RGB input lists the channel counts it
    takes in `_CHANNELS`, checked before anything is drawn."""

    _CHANNELS: tuple[int, ...] | None = None

    def _images_of(self, data):
        images = super()._images_of(data)
        if self._CHANNELS is not None:
            channels = images.shape[-1 if self.data_format == "channels_last" else -3]
            if channels not in self._CHANNELS:
                expected = " or ".join(str(c) for c in self._CHANNELS)
                raise ValueError(
                    f"{self.__class__.__name__} (layer {self.name!r}): expected images with {expected} channels "
                    f"({self.data_format}). Received: shape={tuple(images.shape)}"
                )
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks
