"""The steps every application constructor shares: checking `weights`, making the image input, the classifier
or pooling head, the Functional model, and loading Keras's weight files."""

from __future__ import annotations

import os

from kerasish import config, layers
from kerasish.applications import imagenet_utils
from kerasish.backend.common.keras_tensor import KerasTensor, get_source_inputs
from kerasish.models.functional import Functional
from kerasish.utils.file_utils import get_file

WEIGHTS_ROOT = "https://storage.googleapis.com/tensorflow/keras-applications/"


def check_arguments(
    weights, include_top: bool, classes: int, pooling=None, classifier_activation=None, imagenet_classes: int = 1000
) -> None:
    """Keras's checks of `weights`, `classes` and the classifier's activation (and of `pooling`, which Keras
    ignores when misspelt), made before any file is fetched or layer built."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), 'imagenet' "
            "(pre-training on ImageNet), or the path to the weights file to be loaded.  "
            f"Received: weights={weights}"
        )
    if weights == "imagenet" and include_top and classes != imagenet_classes:
        raise ValueError(
            f"If using `weights='imagenet'` with `include_top=True`, `classes` should be {imagenet_classes}.  "
            f"Received classes={classes}"
        )
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    if pooling not in {None, "avg", "max"}:
        raise ValueError(f"`pooling` should be None, 'avg' or 'max'. Received: pooling={pooling}")


def channel_axis() -> int:
    """The channel axis of a 4D image batch in the configured data format (BatchNormalization's `axis`)."""
    return 1 if config.image_data_format() == "channels_first" else 3


def image_input(input_tensor, input_shape):
    """The model's image input: `input_tensor` when given (a KerasTensor), else a new `Input`."""
    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError(
            "`input_tensor` must be a KerasTensor (the output of `keras.Input()` or of a layer). "
            f"Received: input_tensor={input_tensor!r} of type {type(input_tensor).__name__}"
        )
    return input_tensor


def head(x, include_top, pooling, classes, classifier_activation, weights, avg_name=None, max_name=None):
    """The top: global average pooling and the `predictions` Dense, or the feature extractor's pooling."""
    if include_top:
        x = layers.GlobalAveragePooling2D(name=avg_name)(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        return layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pool(x, pooling, avg_name, max_name)


def pool(x, pooling, avg_name=None, max_name=None):
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x


def functional_inputs(input_tensor, img_input) -> list:
    """The model's inputs: the image input, or for `input_tensor` the inputs it is computed from."""
    return get_source_inputs(input_tensor) if input_tensor is not None else [img_input]


def functional(input_tensor, img_input, outputs, name: str) -> Functional:
    """The model from the image input (or, for `input_tensor`, from the inputs it comes from) to `outputs`."""
    inputs = get_source_inputs(input_tensor) if input_tensor is not None else img_input
    return Functional(inputs, outputs, name=name)


def weights_path(weights, file_name: str | None = None, origin: str | None = None, file_hash=None):
    """The file to load once the model is built: Keras's ImageNet file, fetched now (once, into Keras's cache,
    `~/.keras/models/`) so that a failed download costs no model, or the path given, or None."""
    if weights == "imagenet":
        return get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
    return weights


def load_weights(model, path):
    """Loads `path` (a legacy `.h5` by layer order, or a `.weights.h5`) into the built model."""
    if path is not None:
        model.load_weights(path)
    return model
