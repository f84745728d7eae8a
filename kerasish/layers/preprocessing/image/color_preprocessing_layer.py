"""ColorPreprocessingLayer: the base of the image layers that change pixel values but move no pixel."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import BaseImagePreprocessingLayer


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
