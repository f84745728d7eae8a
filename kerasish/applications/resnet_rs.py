"""`keras.applications.resnet_rs`: tf.keras 2's ResNet-RS (Bello et al., "Revisiting ResNets: Improved Training and
Scaling Strategies", 2021), ResNetRS50 to ResNetRS420. The models rescale and normalize pixels in [0, 255]
themselves (`include_preprocessing=True`); `resnet_rs.preprocess_input` is the identity. Layer and weight names are
tf.keras's, so its ImageNet files load."""

from __future__ import annotations

import os

from kerasish import config, layers
from kerasish.applications import application_model, imagenet_utils
from kerasish.utils.naming import get_uid

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/resnet_rs/"
# File name -> md5 of tf.keras's files.
WEIGHT_HASHES = {
    "resnet-rs-101-i160.h5": "544b3434d00efc199d66e9058c7f3379",
    "resnet-rs-101-i160_notop.h5": "82d5b90c5ce9d710da639d6216d0f979",
    "resnet-rs-101-i192.h5": "eb285be29ab42cf4835ff20a5e3b5d23",
    "resnet-rs-101-i192_notop.h5": "f9a0f6b85faa9c3db2b6e233c4eebb5b",
    "resnet-rs-152-i192.h5": "8d72a301ed8a6f11a47c4ced4396e338",
    "resnet-rs-152-i192_notop.h5": "5fbf7ac2155cb4d5a6180ee9e3aa8704",
    "resnet-rs-152-i224.h5": "31a46a92ab21b84193d0d71dd8c3d03b",
    "resnet-rs-152-i224_notop.h5": "dc8b2cba2005552eafa3167f00dc2133",
    "resnet-rs-152-i256.h5": "ba6271b99bdeb4e7a9b15c05964ef4ad",
    "resnet-rs-152-i256_notop.h5": "fa79794252dbe47c89130f65349d654a",
    "resnet-rs-200-i256.h5": "a76930b741884e09ce90fa7450747d5f",
    "resnet-rs-200-i256_notop.h5": "bbdb3994718dfc0d1cd45d7eff3f3d9c",
    "resnet-rs-270-i256.h5": "20d575825ba26176b03cb51012a367a8",
    "resnet-rs-270-i256_notop.h5": "2c42ecb22e35f3e23d2f70babce0a2aa",
    "resnet-rs-350-i256.h5": "f4a039dc3c421321b7fc240494574a68",
    "resnet-rs-350-i256_notop.h5": "6e44b55025bbdff8f51692a023143d66",
    "resnet-rs-350-i320.h5": "7ccb858cc738305e8ceb3c0140bee393",
    "resnet-rs-350-i320_notop.h5": "ab0c1f9079d2f85a9facbd2c88aa6079",
    "resnet-rs-420-i320.h5": "ae0eb9bed39e64fc8d7e0db4018dc7e8",
    "resnet-rs-420-i320_notop.h5": "fe6217c32be8305b1889657172b98884",
    "resnet-rs-50-i160.h5": "69d9d925319f00a8bdd4af23c04e4102",
    "resnet-rs-50-i160_notop.h5": "90daa68cd26c95aa6c5d25451e095529",
}
# The input sizes each depth has ImageNet weights for; `weights="imagenet"` means the largest.
DEPTH_TO_WEIGHT_VARIANTS = {
    50: [160],
    101: [160, 192],
    152: [192, 224, 256],
    200: [256],
    270: [256],
    350: [256, 320],
    420: [320],
}


def _groups(*repeats):
    return [{"input_filters": f, "num_repeats": r} for f, r in zip((64, 128, 256, 512), repeats, strict=True)]


BLOCK_ARGS = {
    50: _groups(3, 4, 6, 3),
    101: _groups(3, 4, 23, 3),
    152: _groups(3, 8, 36, 3),
    200: _groups(3, 24, 36, 3),
    270: _groups(4, 29, 53, 4),
    350: _groups(4, 36, 72, 4),
    420: _groups(4, 44, 87, 4),
}
CONV_KERNEL_INITIALIZER = {
    "class_name": "VarianceScaling",
    "config": {"scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"},
}
_IMAGENET_MEAN = [0.485, 0.456, 0.406]
_IMAGENET_VARIANCE = [0.229**2, 0.224**2, 0.225**2]


def fixed_padding(inputs, kernel_size):
    """Zero-pads the spatial axes by `kernel_size - 1` in all (the extra one at the end), whatever the input size."""
    pad_beg = (kernel_size - 1) // 2
    pad_end = kernel_size - 1 - pad_beg
    return layers.ZeroPadding2D(padding=((pad_beg, pad_end), (pad_beg, pad_end)))(inputs)


def conv2d_fixed_padding(inputs, filters, kernel_size, strides, name=None):
    """A bias-free convolution; strided ones pad explicitly (`fixed_padding`) instead of "same"."""
    name = f"conv_{get_uid('conv_')}" if name is None else name
    if strides > 1:
        inputs = fixed_padding(inputs, kernel_size)
    return layers.Conv2D(
        filters=filters,
        kernel_size=kernel_size,
        strides=strides,
        padding="same" if strides == 1 else "valid",
        use_bias=False,
        kernel_initializer=CONV_KERNEL_INITIALIZER,
        name=name,
    )(inputs)


def _batch_norm(bn_momentum, bn_epsilon, name):
    return layers.BatchNormalization(
        axis=application_model.channel_axis(), momentum=bn_momentum, epsilon=bn_epsilon, name=name
    )


def stem(inputs, bn_momentum=0.0, bn_epsilon=1e-5, activation="relu", name=None):
    """The ResNet-D stem: four 3x3 convolutions (32, 32, 64, 64 filters), the first and last strided."""
    name = f"stem_{get_uid('stem_')}" if name is None else name
    x = inputs
    for i, (filters, strides) in enumerate(((32, 2), (32, 1), (64, 1), (64, 2)), start=1):
        x = conv2d_fixed_padding(x, filters, 3, strides, name=f"{name}_stem_conv_{i}")
        x = _batch_norm(bn_momentum, bn_epsilon, f"{name}_stem_batch_norm_{i}")(x)
        x = layers.Activation(activation, name=f"{name}_stem_act_{i}")(x)
    return x


def squeeze_and_excite(inputs, in_filters, se_ratio=0.25, expand_ratio=1, name=None):
    """Squeeze-and-excitation of a bottleneck's output (`4 * in_filters` channels)."""
    name = f"se_{get_uid('se_')}" if name is None else name
    x = layers.GlobalAveragePooling2D(name=f"{name}_se_squeeze")(inputs)
    channels = x.shape[-1]
    se_shape = (channels, 1, 1) if application_model.channel_axis() == 1 else (1, 1, channels)
    x = layers.Reshape(se_shape, name=f"{name}_se_reshape")(x)
    x = layers.Conv2D(
        filters=max(1, int(in_filters * 4 * se_ratio)),
        kernel_size=[1, 1],
        strides=[1, 1],
        kernel_initializer=CONV_KERNEL_INITIALIZER,
        padding="same",
        use_bias=True,
        activation="relu",
        name=f"{name}_se_reduce",
    )(x)
    x = layers.Conv2D(
        filters=4 * in_filters * expand_ratio,
        kernel_size=[1, 1],
        strides=[1, 1],
        kernel_initializer=CONV_KERNEL_INITIALIZER,
        padding="same",
        use_bias=True,
        activation="sigmoid",
        name=f"{name}_se_expand",
    )(x)
    return layers.multiply([inputs, x], name=f"{name}_se_excite")


def bottleneck_block(
    inputs,
    filters,
    strides,
    use_projection,
    bn_momentum=0.0,
    bn_epsilon=1e-5,
    activation="relu",
    se_ratio=0.25,
    survival_probability=0.8,
    name=None,
):
    """A bottleneck (1x1, 3x3, 1x1 to `4 * filters`) with squeeze-and-excitation and the shortcut; a strided
    projection shortcut average-pools first (ResNet-D)."""
    name = f"block_0_{get_uid('block_0_')}" if name is None else name
    shortcut = inputs
    if use_projection:
        if strides == 2:
            shortcut = layers.AveragePooling2D(
                pool_size=(2, 2), strides=(2, 2), padding="same", name=f"{name}_projection_pooling"
            )(inputs)
            shortcut = conv2d_fixed_padding(shortcut, filters * 4, 1, 1, name=f"{name}_projection_conv")
        else:
            shortcut = conv2d_fixed_padding(inputs, filters * 4, 1, strides, name=f"{name}_projection_conv")
        shortcut = _batch_norm(bn_momentum, bn_epsilon, f"{name}_projection_batch_norm")(shortcut)
    x = conv2d_fixed_padding(inputs, filters, 1, 1, name=f"{name}_conv_1")
    # tf.keras's name has no underscore here (`..._block_0_batch_norm_1`); its weight files use it.
    x = _batch_norm(bn_momentum, bn_epsilon, f"{name}batch_norm_1")(x)
    x = layers.Activation(activation, name=f"{name}_act_1")(x)
    x = conv2d_fixed_padding(x, filters, 3, strides, name=f"{name}_conv_2")
    x = _batch_norm(bn_momentum, bn_epsilon, f"{name}_batch_norm_2")(x)
    x = layers.Activation(activation, name=f"{name}_act_2")(x)
    x = conv2d_fixed_padding(x, filters * 4, 1, 1, name=f"{name}_conv_3")
    x = _batch_norm(bn_momentum, bn_epsilon, f"{name}_batch_norm_3")(x)
    if 0 < se_ratio < 1:
        x = squeeze_and_excite(x, filters, se_ratio=se_ratio, name=f"{name}_se")
    if survival_probability:
        # tf.keras drops whole samples of the residual branch at this rate (its "survival probability").
        x = layers.Dropout(survival_probability, noise_shape=(None, 1, 1, 1), name=f"{name}_drop")(x)
    x = layers.Add()([x, shortcut])
    return layers.Activation(activation, name=f"{name}_output_act")(x)


def block_group(
    inputs,
    filters,
    strides,
    num_repeats,
    se_ratio=0.25,
    bn_epsilon=1e-5,
    bn_momentum=0.0,
    activation="relu",
    survival_probability=0.8,
    name=None,
):
    """`num_repeats` bottlenecks; the first projects the shortcut."""
    name = f"block_group_{get_uid('block_group_')}" if name is None else name
    common = {
        "se_ratio": se_ratio,
        "bn_epsilon": bn_epsilon,
        "bn_momentum": bn_momentum,
        "activation": activation,
        "survival_probability": survival_probability,
    }
    x = bottleneck_block(inputs, filters, strides, True, name=f"{name}_block_0_", **common)
    for i in range(1, num_repeats):
        x = bottleneck_block(x, filters, 1, False, name=f"{name}_block_{i}_", **common)
    return x


def get_survival_probability(init_rate, block_num, total_blocks):
    """The drop rate of block group `block_num`, growing linearly with depth."""
    return init_rate * float(block_num) / total_blocks


def _resolve_weights(weights, depth):
    """`"imagenet"` means the variant for the largest input size; the variants allowed for `depth`."""
    variants = [f"imagenet-i{size}" for size in DEPTH_TO_WEIGHT_VARIANTS[depth]]
    if weights == "imagenet":
        weights = variants[-1]
    is_file = isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)
    if not (weights is None or weights in variants or is_file):
        raise ValueError(
            "The `weights` argument should be either `None` (random initialization), `'imagenet'` (pre-training on "
            "ImageNet, with highest available input shape), or the path to the weights file to be loaded. "
            f"For ResNetRS{depth} the following weight variants are available {variants} (default=highest). "
            f"Received weights={weights}"
        )
    return weights, variants


def ResNetRS(
    depth,
    input_shape=None,
    bn_momentum=0.0,
    bn_epsilon=1e-5,
    activation="relu",
    se_ratio=0.25,
    dropout_rate=0.25,
    drop_connect_rate=0.2,
    include_top=True,
    block_args=None,
    model_name="resnet-rs",
    pooling=None,
    weights="imagenet",
    input_tensor=None,
    classes=1000,
    classifier_activation="softmax",
    include_preprocessing=True,
):
    """Instantiates a ResNet-RS of `depth` (the ImageNet variants and default `block_args` are looked up by it).

    Args:
        depth: Depth of the network: 50, 101, 152, 200, 270, 350 or 420.
        input_shape: Optional shape tuple, 3 channels, width and height at least 32.
        bn_momentum: Momentum of the BatchNormalization layers.
        bn_epsilon: Epsilon of the BatchNormalization layers.
        activation: Activation of the blocks.
        se_ratio: Squeeze-and-excitation ratio.
        dropout_rate: Dropout rate before the classifier.
        drop_connect_rate: Rate of the residual branches' sample dropout, scaled up with depth.
        include_top: Whether to include the classifier.
        block_args: List of `{"input_filters", "num_repeats"}` per block group (default: the depth's).
        model_name: The name of the model (and of its ImageNet files).
        pooling: With `include_top=False`: `None` (4D output), `"avg"` or `"max"` (global pooling).
        weights: `None`, `"imagenet"` (the largest input size's weights), `"imagenet-i<size>"` for another size
            the depth has weights for, or the path to a weights file.
        input_tensor: Optional KerasTensor to use as the image input.
        classes: Number of classes, only without ImageNet weights (else 1000).
        classifier_activation: Activation of the top layer; only `None` or `"softmax"` with pretrained weights.
        include_preprocessing: Whether the model rescales pixels from [0, 255] and normalizes them with ImageNet's
            mean and standard deviation; without it, feed inputs in [-1, 1].

    Returns:
        A `Model` instance.
    """
    if depth not in DEPTH_TO_WEIGHT_VARIANTS:
        raise ValueError(f"`depth` must be one of {sorted(DEPTH_TO_WEIGHT_VARIANTS)}. Received: depth={depth}")
    weights, variants = _resolve_weights(weights, depth)
    pretrained = weights in variants
    application_model.check_arguments(
        "imagenet" if pretrained else weights, include_top, classes, pooling, classifier_activation
    )
    # tf.keras passes the variant ("imagenet-i160"), so the ImageNet input-shape rules do not apply.
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=224,
        min_size=32,
        data_format=config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    path = weights
    if pretrained:
        file_name = f"{model_name}-{weights.split('-')[-1]}" + ("" if include_top else "_notop") + ".h5"
        if file_name not in WEIGHT_HASHES:
            raise ValueError(f"There are no ImageNet weights named {file_name!r} (model_name={model_name!r}).")
        path = application_model.weights_path(
            "imagenet", file_name, BASE_WEIGHTS_URL + file_name, WEIGHT_HASHES[file_name]
        )
    img_input = application_model.image_input(input_tensor, input_shape)
    bn_axis = application_model.channel_axis()

    x = img_input
    if include_preprocessing:
        x = layers.Rescaling(scale=1.0 / 255)(x)
        if input_shape[bn_axis - 1] == 3:
            x = layers.Normalization(mean=_IMAGENET_MEAN, variance=_IMAGENET_VARIANCE, axis=bn_axis)(x)
    x = stem(x, bn_momentum=bn_momentum, bn_epsilon=bn_epsilon, activation=activation)
    block_args = BLOCK_ARGS[depth] if block_args is None else block_args
    # About 17 layers per bottleneck on the longest path, plus a margin for the caller's frames.
    for i, args in enumerate(block_args):
        x = block_group(
            x,
            filters=args["input_filters"],
            activation=activation,
            strides=1 if i == 0 else 2,
            num_repeats=args["num_repeats"],
            se_ratio=se_ratio,
            bn_momentum=bn_momentum,
            bn_epsilon=bn_epsilon,
            survival_probability=get_survival_probability(drop_connect_rate, i + 2, len(block_args) + 1),
            name=f"BlockGroup{i + 2}_",
        )
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = application_model.pool(x, pooling, "avg_pool", "max_pool")
    model = application_model.functional(input_tensor, img_input, x, model_name)
    return application_model.load_weights(model, path)


_DOC = """Instantiates the {name} architecture (ResNet-RS, "Revisiting ResNets", 2021).

    With `include_preprocessing=True` (the default) the model rescales and normalizes its inputs: feed pixels in
    [0, 255]; without it, feed inputs normalized with ImageNet's mean and standard deviation.

    Args:
        include_top: Whether to include the fully-connected layer at the top of the network.
        weights: `None` (random initialization), `"imagenet"` (the weights for the largest input size,
            {sizes}), `"imagenet-i<size>"` for one of those sizes, or the path to a weights file.
        classes: Number of classes, only without ImageNet weights (else 1000).
        input_shape: Optional shape tuple (3 channels, width and height at least 32).
        input_tensor: Optional KerasTensor to use as the image input.
        pooling: With `include_top=False`: `None` (4D output), `"avg"` or `"max"` (global pooling).
        classifier_activation: Activation of the top layer; only `None` or `"softmax"` with pretrained weights.
        include_preprocessing: Whether to include the `Rescaling` and `Normalization` of the inputs.

    Returns:
        A `Model` instance.
    """


def _variant(depth, dropout_rate, drop_connect_rate):
    def constructor(
        include_top=True,
        weights="imagenet",
        classes=1000,
        input_shape=None,
        input_tensor=None,
        pooling=None,
        classifier_activation="softmax",
        include_preprocessing=True,
    ):
        return ResNetRS(
            depth=depth,
            include_top=include_top,
            drop_connect_rate=drop_connect_rate,
            dropout_rate=dropout_rate,
            weights=weights,
            classes=classes,
            input_shape=input_shape,
            input_tensor=input_tensor,
            pooling=pooling,
            classifier_activation=classifier_activation,
            model_name=f"resnet-rs-{depth}",
            include_preprocessing=include_preprocessing,
        )

    constructor.__name__ = constructor.__qualname__ = f"ResNetRS{depth}"
    sizes = ", ".join(str(size) for size in DEPTH_TO_WEIGHT_VARIANTS[depth])
    constructor.__doc__ = _DOC.format(name=constructor.__name__, sizes=sizes)
    return constructor


ResNetRS50 = _variant(50, 0.25, 0.0)
ResNetRS101 = _variant(101, 0.25, 0.0)
ResNetRS152 = _variant(152, 0.25, 0.0)
ResNetRS200 = _variant(200, 0.25, 0.1)
ResNetRS270 = _variant(270, 0.25, 0.1)
ResNetRS350 = _variant(350, 0.4, 0.1)
ResNetRS420 = _variant(420, 0.4, 0.1)


def preprocess_input(x, data_format=None):
    """A placeholder kept for API compatibility: ResNet-RS models preprocess their inputs themselves.

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
