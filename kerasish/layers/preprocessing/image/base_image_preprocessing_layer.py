"""BaseImagePreprocessingLayer: what every Keras image augmentation layer shares.

The contract a subclass fulfils (as Keras 3 structures its image layers):

- `__init__(..., seed=None, data_format=None, **kwargs)` calls `super().__init__(factor=..., data_format=...)`,
  stores its arguments, and `self.seed = seed; self.generator = make_seed_generator(seed)`. A layer that takes no
  `factor` sets `_USE_BASE_FACTOR = False`; one whose factor has other bounds sets `_FACTOR_BOUNDS`. After
  `_set_factor`, `self.factor` is the `(lower, upper)` pair Keras computes.
- `get_random_transformation(data, training=True, seed=None)` returns None when not training, else a dict of
  batched torch tensors drawn with `self._uniform(...)` (or `self._generator(seed, device)` for other draws), on
  the images' device. `data` is the images tensor or a dict holding "images"; a single image (rank 3) draws for a
  batch of one.
- `transform_images(images, transformation, training=True)` gets a rank-4 batch (a single image is batched by the
  base) in `self.data_format`, already cast to the compute dtype, and returns the transformed batch. It is
  called with `training=False` and `transformation=None` at inference, where it returns the images unchanged.
- `transform_labels` (default: unchanged) and `transform_segmentation_masks` (default: `transform_images`) handle
  the other keys of a dict input. Bounding boxes are not supported by kerasish.
- Colour layers keep `self.value_range` (checked by `_set_value_range`) and use `_transform_value_range`.

`call(data, training=True)`: Keras's default is to augment, so a direct top-level call (`layer(images)`) augments;
inside a model the learning phase of the model applies (kerasish's mode flag: on in `fit`, off otherwise).
"""

from __future__ import annotations

import math

import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import shapes_to_specs
from kerasish.layers.convolutional.conv_utils import standardize_data_format
from kerasish.layers.layer import _CONTEXT, Layer, _is_symbolic
from kerasish.ops import image as image_ops
from kerasish.random.seed_generator import SeedGenerator
from kerasish.utils import tree


def make_seed_generator(seed) -> SeedGenerator | None:
    """The layer's stream of draws: seeded by `seed`, or None for torch's global generator (which
    `kerasish.utils.set_random_seed` seeds)."""
    return None if seed is None else SeedGenerator(seed)


class BaseImagePreprocessingLayer(Layer):
    """Base of the image augmentation layers: factor and value-range parsing, seeds, batching of single images,
    dict inputs, and the identity at inference.

    Args:
        factor: the layer's strength, a number or a `(lower, upper)` pair within `_FACTOR_BOUNDS`.
        bounding_box_format: accepted for Keras compatibility; kerasish does not transform bounding boxes.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)
    _CAST_INPUTS = True  # cast integer images to the compute dtype too
    _VALUE_RANGE_VALIDATION_ERROR = "The `value_range` argument should be a list of two numbers. "

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {self.__class__.__name__} does not take a `factor` argument. Received: factor={factor}"
            )
        self.built = True

    # ---- argument parsing ----------------------------------------------------------------------------------

    def _set_factor(self, factor) -> None:
        low, high = self._FACTOR_BOUNDS
        message = (
            f"{self.__class__.__name__}: the `factor` argument should be a number (or a list of two numbers) in the "
            f"range [{low}, {high}]. Received: factor={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(_is_number(f) for f in factor):
                raise ValueError(message)
            if factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif _is_number(factor):
            if factor < low or factor > high:
                raise ValueError(message)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(message)
        self.factor = (lower, upper)

    def _symmetric_factor(self, name: str, factor, in_range, range_text: str) -> tuple:
        """`(lower, upper)` from a number `f` (giving `(-|f|, |f|)`) or a pair, each value checked by `in_range`
        (RandomZoom's, RandomTranslation's and RandomShear's factors)."""
        message = (
            f"{self.__class__.__name__}: the `{name}` argument should be a number (or a list of two numbers) in "
            f"the range {range_text}. Received: {name}={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or not all(_is_number(f) and in_range(f) for f in factor):
                raise ValueError(message)
            lower, upper = sorted(factor)
            return (lower, upper)
        if _is_number(factor) and in_range(factor):
            return (-abs(factor), abs(factor))
        raise ValueError(message)

    def _set_value_range(self, value_range) -> None:
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(
                f"{self.__class__.__name__}: {self._VALUE_RANGE_VALIDATION_ERROR}Received: value_range={value_range}"
            )
        self.value_range = sorted(value_range)

    # ---- random draws --------------------------------------------------------------------------------------

    def _generator(self, seed, device) -> torch.Generator | None:
        """The torch generator for a draw: `seed` (an int or SeedGenerator) if given, else the layer's."""
        if seed is None:
            seed = getattr(self, "generator", None)
        if seed is None:
            return None
        if isinstance(seed, SeedGenerator):
            return seed.generator(device)
        generator = torch.Generator(device=device)
        generator.manual_seed(int(seed))
        return generator

    def _uniform(self, shape, minval, maxval, seed, device, dtype=torch.float32) -> torch.Tensor:
        """Uniform draws in `[minval, maxval)` on `device` (minval/maxval may be tensors broadcast to `shape`)."""
        draw = torch.rand(shape, generator=self._generator(seed, device), device=device, dtype=dtype)
        return draw * (maxval - minval) + minval

    # ---- the call ------------------------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        if len(args) == 2:  # `layer(images, True)`: training given positionally
            args, kwargs["training"] = args[:1], args[1]
        # Keras's call signature defaults to training=True: a direct top-level call on data augments. (A symbolic
        # call records no learning phase: the model's decides when it runs.)
        if kwargs.get("training") is None and _CONTEXT.training is None and not _is_symbolic(args[:1]):
            kwargs["training"] = True
        return super().__call__(*args, **kwargs)

    def get_random_transformation(self, data, training=True, seed=None):
        """The random parameters of one call (a dict of batched tensors), or None when not training."""
        return None

    def transform_images(self, images, transformation, training=True):
        """Applies `transformation` to a batch of images: by default `_transform_images` with the layer's
        interpolation, when training. Subclasses override this or `_transform_images`."""
        if not training or transformation is None:
            return images
        return self._transform_images(images, transformation, getattr(self, "interpolation", "bilinear"))

    def _transform_images(self, images, transformation, interpolation):
        """The geometric layers' transform, shared by images and (with "nearest") segmentation masks."""
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._transform_images(segmentation_masks, transformation, "nearest")

    def _images_of(self, data) -> torch.Tensor:
        images = data["images"] if isinstance(data, dict) else data
        if images.ndim not in (3, 4):
            raise ValueError(
                f"{self.__class__.__name__} (layer {self.name!r}): expected an image tensor of rank 3 (single "
                f"image) or 4 (batch of images). Received: shape={tuple(images.shape)}"
            )
        return images

    def _batch_size(self, data) -> int:
        """The number of images in `data` (1 for a single image)."""
        images = self._images_of(data)
        return images.shape[0] if images.ndim == 4 else 1

    def _apply(self, transform, values, transformation, training, cast=True):
        batched = values.ndim == 4
        values = values if batched else values.unsqueeze(0)
        if cast and (self._CAST_INPUTS or values.is_floating_point()):
            # Keras outputs images in the compute dtype, whatever the input's (Resizing keeps integer dtypes).
            values = values.to(config.standardize_dtype(self.compute_dtype))
        out = transform(values, transformation, training=training)
        return out if batched else out.squeeze(0)

    def call(self, data, training=True):
        if isinstance(data, dict):
            if "bounding_boxes" in data:
                raise ValueError(
                    f"{self.__class__.__name__} (layer {self.name!r}): kerasish does not transform bounding boxes; "
                    f"received a dict with a 'bounding_boxes' key."
                )
            self._images_of(data)
            transformation = self.get_random_transformation(data, training=training)
            data = dict(data)
            data["images"] = self._apply(self.transform_images, data["images"], transformation, training)
            if "labels" in data:
                data["labels"] = self.transform_labels(data["labels"], transformation, training=training)
            if "segmentation_masks" in data:
                masks = data["segmentation_masks"]
                data["segmentation_masks"] = self._apply(
                    self.transform_segmentation_masks, masks, transformation, training, cast=False
                )
            return data
        self._images_of(data)
        transformation = self.get_random_transformation(data, training=training)
        return self._apply(self.transform_images, data, transformation, training)

    # ---- shapes and config ---------------------------------------------------------------------------------

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return {
                key: self._output_image_shape(shape) if key in ("images", "segmentation_masks") else shape
                for key, shape in input_shape.items()
            }
        return self._output_image_shape(input_shape)

    def _output_image_shape(self, input_shape):
        """The output shape of images of `input_shape` (rank 3 or 4); layers that resize override it."""
        return tuple(input_shape)

    def _set_image_size(self, input_shape, height, width) -> tuple:
        """`input_shape` with its height and width replaced."""
        shape = list(input_shape)
        h_axis, w_axis = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        shape[h_axis], shape[w_axis] = height, width
        return tuple(shape)

    def _affine(self, images, matrix, interpolation):
        """Keras's `affine_transform` with the layer's fill mode, fill value and data format."""
        return image_ops.affine_transform(
            images,
            matrix,
            interpolation=interpolation,
            fill_mode=self.fill_mode,
            fill_value=self.fill_value,
            data_format=self.data_format,
        )

    def _check_choice(self, name: str, value, choices) -> None:
        if value not in choices:
            raise ValueError(
                f"{self.__class__.__name__}: unknown `{name}` {value!r}. Expected one of {tuple(choices)}."
            )

    def compute_output_spec(self, *args, **kwargs):
        data = args[0]
        shapes = tree.map_structure(lambda t: t.shape, data)
        out_shapes = self.compute_output_shape(shapes)
        if isinstance(data, dict):
            return {
                key: shapes_to_specs(out_shapes[key], self.compute_dtype if key == "images" else data[key].dtype)
                for key in data
            }
        return shapes_to_specs(out_shapes, self.compute_dtype)

    def get_config(self) -> dict:
        config_ = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config_["bounding_box_format"] = self.bounding_box_format
        return config_

    # ---- helpers shared by the subclasses ------------------------------------------------------------------

    def _transform_value_range(self, images, original_range, target_range, dtype=torch.float32):
        """Maps values from `original_range` to `target_range` (colour layers work in [0, 255] inside)."""
        if original_range[0] == target_range[0] and original_range[1] == target_range[1]:
            return images
        images = images.to(dtype)
        original_min, original_max = float(original_range[0]), float(original_range[1])
        target_min, target_max = float(target_range[0]), float(target_range[1])
        images = (images - original_min) / (original_max - original_min)
        return images * (target_max - target_min) + target_min

    def _compute_affine_matrix(
        self, center_x, center_y, angle, translate_x, translate_y, scale, shear_x, shear_y, height, width
    ) -> torch.Tensor:
        """Keras's `(batch, 8)` projective transforms (output -> input pixel) for a rotation by `angle` degrees,
        shear in degrees, scale and translation about the relative center `(center_x, center_y)`."""
        to_radians = math.pi / 180.0
        angle = angle * to_radians
        shear_x = torch.tan(shear_x * to_radians)
        shear_y = torch.tan(shear_y * to_radians)
        cx = center_x * (width - 1)
        cy = center_y * (height - 1)
        cos, sin = torch.cos(angle), torch.sin(angle)
        a0 = scale * (cos + shear_x * sin)
        a1 = scale * (-sin + shear_x * cos)
        a2 = translate_x + cx - cx * a0 - cy * a1
        b0 = scale * (shear_y * cos + sin)
        b1 = scale * (shear_y * -sin + cos)
        b2 = translate_y + cy - cx * b0 - cy * b1
        zeros = torch.zeros_like(a0)
        return torch.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], dim=1)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def images_shape(images: torch.Tensor, data_format: str) -> tuple[int, int, int]:
    """(height, width, channels) of a batch or single image in `data_format`."""
    if data_format == "channels_last":
        return images.shape[-3], images.shape[-2], images.shape[-1]
    return images.shape[-2], images.shape[-1], images.shape[-3]
