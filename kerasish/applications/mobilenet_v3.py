"""`keras.applications.mobilenet_v3`: MobileNetV3Small and MobileNetV3Large (Howard et al., ICCV 2019), with
squeeze-and-excite blocks, hard-swish activations and (by default) the preprocessing inside the model."""

from __future__ import annotations

import warnings

from kerasish import config, layers, ops
from kerasish.applications import application_model, imagenet_utils
from kerasish.backend.common.keras_tensor import KerasTensor

__all__ = ["decode_predictions", "preprocess_input"]

BASE_WEIGHT_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v3/"
# model name -> (md5 with top, md5 without top)
WEIGHTS_HASHES = {
    "large_224_0.75_float": ("765b44a33ad4005b3ac83185abf1d0eb", "40af19a13ebea4e2ee0c676887f69a2e"),
    "large_224_1.0_float": ("59e551e166be033d707958cf9e29a6a7", "07fb09a5933dd0c8eaafa16978110389"),
    "large_minimalistic_224_1.0_float": ("675e7b876c45c57e9e63e6d90a36599c", "ec5221f64a2f6d1ef965a614bdae7973"),
    "small_224_0.75_float": ("cb65d4e5be93758266aa0a7f2c6708b7", "ebdb5cc8e0b497cd13a7c275d475c819"),
    "small_224_1.0_float": ("8768d4c2e7dee89b9d02b2d03d65d862", "d3e8ec802a04aa4fc771ee12a9a9b836"),
    "small_minimalistic_224_1.0_float": ("99cd97fb2fcdad2bf028eb838de69e37", "cde8136e733e811080d9fcd8a252f7e4"),
}

_DOC = """Instantiates the {name} architecture (Searching for MobileNetV3, ICCV 2019).

    The model rescales its inputs itself (`include_preprocessing=True`): feed pixels in [0, 255];
    `mobilenet_v3.preprocess_input` is the identity.

    Args:
        input_shape: Optional shape tuple (default `(None, None, 3)`, or taken from `input_tensor`); width and
            height at least 32. ImageNet weights are for 224x224.
        alpha: Width multiplier (ImageNet: 0.75 or 1.0; 1.0 only with `minimalistic`).
        minimalistic: Without squeeze-and-excite, hard-swish and 5x5 convolutions (ReLU and 3x3 only).
        include_top: Whether to include the classifier at the top of the network.
        weights: `None` (random initialization), `"imagenet"` or the path to a weights file.
        input_tensor: Optional KerasTensor to use as the image input.
        classes: Number of classes, only without `weights="imagenet"` (else 1000).
        pooling: With `include_top=False`: `None` (4D output), `"avg"` or `"max"` (global pooling).
        dropout_rate: Dropout rate before the last (logits) convolution.
        classifier_activation: Activation of the top layer; only `None` or `"softmax"` with pretrained weights.
        include_preprocessing: Whether the model starts with `Rescaling(1/127.5, offset=-1)`.
        name: The name of the model.

    Returns:
        A `Model` instance.
    """


def MobileNetV3(
    stack_fn,
    last_point_ch,
    input_shape=None,
    alpha=1.0,
    model_type="large",
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name=None,
):
    """The MobileNetV3 graph shared by `MobileNetV3Small` and `MobileNetV3Large` (`stack_fn` builds the blocks)."""
    application_model.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    channels_first = config.image_data_format() == "channels_first"
    if input_tensor is not None and not isinstance(input_tensor, KerasTensor):
        raise ValueError(f"input_tensor specified: {input_tensor!r} is not a keras tensor")
    if input_tensor is not None and input_shape is not None:
        given = input_tensor.shape[1] if channels_first else input_tensor.shape[2]
        if given != input_shape[1]:
            raise ValueError(
                f"input_shape[1] must equal the input_tensor's width.  Received input_shape={input_shape}, "
                f"input_tensor.shape={input_tensor.shape}"
            )
    if input_shape is None and input_tensor is not None:
        # Keras's own order (columns first) for the shape it infers from the tensor.
        if channels_first:
            input_shape = (3, input_tensor.shape[3], input_tensor.shape[2])
        else:
            input_shape = (input_tensor.shape[2], input_tensor.shape[1], 3)
    if input_shape is None:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    rows, cols = input_shape[1:3] if channels_first else input_shape[:2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError(f"Input size must be at least 32x32; Received `input_shape={input_shape}`")
    if weights == "imagenet":
        if (not minimalistic and alpha not in [0.75, 1.0]) or (minimalistic and alpha != 1.0):
            raise ValueError(
                "If imagenet weights are being loaded, alpha can be one of `0.75`, `1.0` for non minimalistic or "
                f"`1.0` for minimalistic only. Received: alpha={alpha}, minimalistic={minimalistic}"
            )
        if rows != cols or rows != 224:
            warnings.warn(
                "`input_shape` is undefined or non-square, or `rows` is not 224. Weights for input shape "
                "(224, 224) will be loaded as the default.",
                stacklevel=3,
            )
    path = weights
    if weights == "imagenet":
        model_name = f"{model_type}{'_minimalistic' if minimalistic else ''}_224_{alpha}_float"
        if include_top:
            file_name, file_hash = f"weights_mobilenet_v3_{model_name}.h5", WEIGHTS_HASHES[model_name][0]
        else:
            file_name, file_hash = f"weights_mobilenet_v3_{model_name}_no_top_v2.h5", WEIGHTS_HASHES[model_name][1]
        path = application_model.weights_path(weights, file_name, BASE_WEIGHT_PATH + file_name, file_hash)
    img_input = application_model.image_input(input_tensor, input_shape)
    channel_axis = 1 if channels_first else -1
    kernel, activation, se_ratio = (3, relu, None) if minimalistic else (5, hard_swish, 0.25)
    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
    x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="conv_bn")(x)
    x = activation(x)
    x = stack_fn(x, kernel, activation, se_ratio)
    last_conv_ch = _depth(x.shape[channel_axis] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = layers.Conv2D(last_conv_ch, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name="conv_1_bn")(x)
    x = activation(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Conv2D(last_point_ch, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
        x = activation(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate)(x)
        x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
        x = layers.Flatten()(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    else:
        x = application_model.pool(x, pooling, "avg_pool", "max_pool")
    model = application_model.functional(input_tensor, img_input, x, name)
    return application_model.load_weights(model, path)


# (expansion, filters, kernel ("k": the family's kernel), stride, squeeze-excite, activation ("a": the family's))
_SMALL = (
    (1, 16, 3, 2, True, "relu"), (72.0 / 16, 24, 3, 2, False, "relu"), (88.0 / 24, 24, 3, 1, False, "relu"),
    (4, 40, "k", 2, True, "a"), (6, 40, "k", 1, True, "a"), (6, 40, "k", 1, True, "a"), (3, 48, "k", 1, True, "a"),
    (3, 48, "k", 1, True, "a"), (6, 96, "k", 2, True, "a"), (6, 96, "k", 1, True, "a"), (6, 96, "k", 1, True, "a"),
)  # fmt: skip
_LARGE = (
    (1, 16, 3, 1, False, "relu"), (4, 24, 3, 2, False, "relu"), (3, 24, 3, 1, False, "relu"),
    (3, 40, "k", 2, True, "relu"), (3, 40, "k", 1, True, "relu"), (3, 40, "k", 1, True, "relu"),
    (6, 80, 3, 2, False, "a"), (2.5, 80, 3, 1, False, "a"), (2.3, 80, 3, 1, False, "a"), (2.3, 80, 3, 1, False, "a"),
    (6, 112, 3, 1, True, "a"), (6, 112, 3, 1, True, "a"), (6, 160, "k", 2, True, "a"), (6, 160, "k", 1, True, "a"),
    (6, 160, "k", 1, True, "a"),
)  # fmt: skip


def _stack(blocks, alpha):
    def stack_fn(x, kernel, activation, se_ratio):
        for block_id, (expansion, filters, size, stride, se, act) in enumerate(blocks):
            x = _inverted_res_block(
                x,
                expansion,
                _depth(filters * alpha),
                kernel if size == "k" else size,
                stride,
                se_ratio if se else None,
                relu if act == "relu" else activation,
                block_id,
            )
        return x

    return stack_fn


def MobileNetV3Small(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Small",
):
    return MobileNetV3(
        _stack(_SMALL, alpha),
        1024,
        input_shape,
        alpha,
        "small",
        minimalistic,
        include_top,
        weights,
        input_tensor,
        classes,
        pooling,
        dropout_rate,
        classifier_activation,
        include_preprocessing,
        name=name,
    )


def MobileNetV3Large(
    input_shape=None,
    alpha=1.0,
    minimalistic=False,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    pooling=None,
    dropout_rate=0.2,
    classifier_activation="softmax",
    include_preprocessing=True,
    name="MobileNetV3Large",
):
    return MobileNetV3(
        _stack(_LARGE, alpha),
        1280,
        input_shape,
        alpha,
        "large",
        minimalistic,
        include_top,
        weights,
        input_tensor,
        classes,
        pooling,
        dropout_rate,
        classifier_activation,
        include_preprocessing,
        name=name,
    )


MobileNetV3Small.__doc__ = _DOC.format(name="MobileNetV3Small")
MobileNetV3Large.__doc__ = _DOC.format(name="MobileNetV3Large")


def relu(x):
    """A ReLU layer applied to `x` (a layer, as in Keras's graph)."""
    return layers.ReLU()(x)


def hard_sigmoid(x):
    """`relu6(x + 3) / 6`, built from the layers and ops Keras's MobileNetV3 graph has."""
    # relu6(x + 3) / 6, with the same ops (and op layers) as Keras's graph.
    return ops.multiply(layers.ReLU(6.0)(ops.add(x, 3.0)), 1.0 / 6.0)


def hard_swish(x):
    """A `hard_swish` Activation layer applied to `x`."""
    return layers.Activation("hard_swish")(x)


def _depth(v, divisor=8, min_value=None):
    """`v` rounded to a multiple of `divisor` (not below `min_value`, nor more than 10% below `v`)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def _se_block(inputs, filters, se_ratio, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(_depth(filters * se_ratio), kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride, se_ratio, activation, block_id):
    channel_axis = 1 if config.image_data_format() == "channels_first" else -1
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[channel_axis]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(
            _depth(infilters * expansion), kernel_size=1, padding="same", use_bias=False, name=f"{prefix}expand"
        )(x)
        x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(
        kernel_size,
        strides=stride,
        padding="same" if stride == 1 else "valid",
        use_bias=False,
        name=f"{prefix}depthwise",
    )(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=channel_axis, epsilon=1e-3, momentum=0.999, name=f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x


def preprocess_input(x, data_format=None):
    """A placeholder kept for API compatibility: MobileNetV3 models rescale their inputs themselves.

    Args:
        x: A floating point NumPy array or tensor.
        data_format: Optional data format of the images (unused).

    Returns:
        `x`, unchanged.
    """
    return x


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
