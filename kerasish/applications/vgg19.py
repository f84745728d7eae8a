"""`keras.applications.vgg19`: VGG19 (Simonyan & Zisserman, ICLR 2015)."""

from __future__ import annotations

from kerasish.applications.vgg16 import build_vgg, decode_predictions, preprocess_input

WEIGHTS_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels.h5"
)
WEIGHTS_PATH_NO_TOP = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
    "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
_HASHES = ("cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6")

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]


def VGG19(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg19",
):
    """Instantiates the VGG19 model: VGG16's arguments and head, with four convolutions in blocks 3 to 5."""
    return build_vgg(
        (2, 2, 4, 4, 4),
        (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP),
        _HASHES,
        include_top,
        weights,
        input_tensor,
        input_shape,
        pooling,
        classes,
        classifier_activation,
        name,
    )
