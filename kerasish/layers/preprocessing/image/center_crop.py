"""CenterCrop: crops the central window of images (resizing images smaller than it)."""

from __future__ import annotations

from kerasish.layers.preprocessing.image.base_image_preprocessing_layer import BaseImagePreprocessingLayer
from kerasish.ops import image as image_ops


class CenterCrop(BaseImagePreprocessingLayer):
    """Crops the central `(height, width)` window of images, in training and inference. An image smaller than the
    window in either dimension is instead cropped to the window's aspect ratio and resized (bilinear), as Keras's
    `smart_resize`.

    Args:
        height: the output height (a positive int).
        width: the output width (a positive int).
        data_format: `"channels_last"` or `"channels_first"`.

    Example:
        layer = CenterCrop(224, 224)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        for name, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"CenterCrop: `{name}` must be a positive integer. Received: {name}={value!r}")
        self.height = height
        self.width = width

    def get_random_transformation(self, data, training=True, seed=None):
        return {"input_shape": tuple(self._images_of(data).shape)}

    def transform_images(self, images, transformation=None, training=True):
        h_axis, w_axis = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        h_diff = images.shape[h_axis] - self.height
        w_diff = images.shape[w_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            return image_ops.crop_images(
                images,
                top_cropping=h_diff // 2,
                left_cropping=w_diff // 2,
                target_height=self.height,
                target_width=self.width,
                data_format=self.data_format,
            )
        resized = image_ops.resize(
            images, (self.height, self.width), crop_to_aspect_ratio=True, data_format=self.data_format
        )
        return resized

    def transform_segmentation_masks(self, segmentation_masks, transformation=None, training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def _output_image_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(
                f"CenterCrop: `input_shape` must have rank 3 (unbatched) or 4 (batched). Received: {input_shape}"
            )
        return self._set_image_size(input_shape, self.height, self.width)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width, "data_format": self.data_format}
