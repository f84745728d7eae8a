"""`keras.applications.xception`: Xception (Chollet, CVPR 2017): depthwise separable convolutions with
residual connections."""

from __future__ import annotations

from kerasish import config, layers
from kerasish.applications import application_model, imagenet_utils

__all__ = ["Xception", "decode_predictions", "preprocess_input"]

WEIGHTS_PATH = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "xception/xception_weights_tf_dim_ordering_tf_kernels.h5"
)
WEIGHTS_PATH_NO_TOP = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5"
)
_HASHES = ("0a58e3b7378bc2990ea3b43d5981f1f6", "b0042744bf5b25fce3cb969f33bebb97")


def Xception(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="xception",
):
    """Instantiates the Xception architecture (call `xception.preprocess_input` on the images).

    Args:
        include_top: Whether to include the fully-connected layer at the top of the network.
        weights: `None` (random initialization), `"imagenet"` or the path to a weights file.
        input_tensor: Optional KerasTensor to use as the image input.
        input_shape: Optional shape tuple, only with `include_top=False` (else `(299, 299, 3)`); width and
            height at least 71.
        pooling: With `include_top=False`: `None` (4D output), `"avg"` or `"max"` (global pooling).
        classes: Number of classes, only without `weights="imagenet"` (else 1000).
        classifier_activation: Activation of the top layer; only `None` or `"softmax"` with pretrained weights.
        name: The name of the model.

    Returns:
        A `Model` instance.
    """
    application_model.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=299,
        min_size=71,
        data_format=config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    origin = WEIGHTS_PATH if include_top else WEIGHTS_PATH_NO_TOP
    file_hash = _HASHES[0] if include_top else _HASHES[1]
    path = application_model.weights_path(weights, origin.rsplit("/", 1)[1], origin, file_hash)
    img_input = application_model.image_input(input_tensor, input_shape)
    axis = 1 if config.image_data_format() == "channels_first" else -1

    def sepconv_bn(x, filters, name):
        x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
        return layers.BatchNormalization(axis=axis, name=f"{name}_bn")(x)

    def strided_residual(x, filters):
        # Unnamed layers, as in Keras: their auto names (conv2d, batch_normalization_1, ...) are part of the file.
        residual = layers.Conv2D(filters, (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
        return layers.BatchNormalization(axis=axis)(residual)

    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=axis, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=axis, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    # Entry flow: blocks 2 to 4, each halving the size; block 2 starts without an activation.
    for block, filters in ((2, 128), (3, 256), (4, 728)):
        residual = strided_residual(x, filters)
        if block > 2:
            x = layers.Activation("relu", name=f"block{block}_sepconv1_act")(x)
        x = sepconv_bn(x, filters, f"block{block}_sepconv1")
        x = layers.Activation("relu", name=f"block{block}_sepconv2_act")(x)
        x = sepconv_bn(x, filters, f"block{block}_sepconv2")
        x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
        x = layers.Add()([x, residual])

    # Middle flow: eight identity-residual blocks.
    for i in range(8):
        residual = x
        prefix = f"block{i + 5}"
        for conv in (1, 2, 3):
            x = layers.Activation("relu", name=f"{prefix}_sepconv{conv}_act")(x)
            x = sepconv_bn(x, 728, f"{prefix}_sepconv{conv}")
        x = layers.Add()([x, residual])

    # Exit flow.
    residual = strided_residual(x, 1024)
    x = layers.Activation("relu", name="block13_sepconv1_act")(x)
    x = sepconv_bn(x, 728, "block13_sepconv1")
    x = layers.Activation("relu", name="block13_sepconv2_act")(x)
    x = sepconv_bn(x, 1024, "block13_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name="block13_pool")(x)
    x = layers.Add()([x, residual])
    x = sepconv_bn(x, 1536, "block14_sepconv1")
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = sepconv_bn(x, 2048, "block14_sepconv2")
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)

    if include_top:
        x = application_model.head(x, include_top, pooling, classes, classifier_activation, weights, "avg_pool")
    else:
        x = application_model.pool(x, pooling)
    model = application_model.functional(input_tensor, img_input, x, name)
    return application_model.load_weights(model, path)


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_INPUT_DOC.format(
    mode="", ret=imagenet_utils.PREPROCESS_INPUT_RET_DOC_TF
)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
