"""`keras.applications.densenet`: DenseNet121/169/201 (Huang et al., CVPR 2017)."""

from __future__ import annotations

from kerasish import config, layers
from kerasish.applications import application_model, imagenet_utils

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "decode_predictions", "preprocess_input"]

BASE_WEIGHTS_PATH = "https://storage.googleapis.com/tensorflow/keras-applications/densenet/"
DENSENET121_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}densenet121_weights_tf_dim_ordering_tf_kernels.h5"
DENSENET121_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5"
DENSENET169_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}densenet169_weights_tf_dim_ordering_tf_kernels.h5"
DENSENET169_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}densenet169_weights_tf_dim_ordering_tf_kernels_notop.h5"
DENSENET201_WEIGHT_PATH = f"{BASE_WEIGHTS_PATH}densenet201_weights_tf_dim_ordering_tf_kernels.h5"
DENSENET201_WEIGHT_PATH_NO_TOP = f"{BASE_WEIGHTS_PATH}densenet201_weights_tf_dim_ordering_tf_kernels_notop.h5"

# blocks -> (file stem, md5 with top, md5 without top)
_IMAGENET_FILES = {
    (6, 12, 24, 16): ("densenet121", "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    (6, 12, 32, 32): ("densenet169", "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    (6, 12, 48, 32): ("densenet201", "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}
_BN_EPSILON = 1.001e-5


def dense_block(x, blocks, name):
    """`blocks` conv blocks, each adding 32 channels."""
    for i in range(blocks):
        x = conv_block(x, 32, name=f"{name}_block{i + 1}")
    return x


def transition_block(x, reduction, name):
    """BN, ReLU, a 1x1 convolution to `reduction` times the channels, and 2x2 average pooling."""
    bn_axis = application_model.channel_axis()
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[bn_axis] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def conv_block(x, growth_rate, name):
    """A bottleneck (1x1 then 3x3 convolution) whose `growth_rate` channels are concatenated to its input."""
    bn_axis = application_model.channel_axis()
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name=f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=bn_axis, name=f"{name}_concat")([x, x1])


def DenseNet(
    blocks,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet",
):
    """Instantiates a DenseNet with `blocks[i]` conv blocks in dense block i+1 (channels_last only, as Keras)."""
    if config.image_data_format() == "channels_first":
        raise ValueError(
            "DenseNet does not support the `channels_first` image data format. Switch to `channels_last` by "
            "editing your local config file at ~/.keras/keras.json"
        )
    application_model.check_arguments(weights, include_top, classes, pooling, classifier_activation)
    input_shape = imagenet_utils.obtain_input_shape(
        input_shape,
        default_size=224,
        min_size=32,
        data_format=config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    path = weights
    if weights == "imagenet":
        if tuple(blocks) not in _IMAGENET_FILES:
            raise ValueError("weights_path undefined")
        stem, top_hash, notop_hash = _IMAGENET_FILES[tuple(blocks)]
        file_name = f"{stem}_weights_tf_dim_ordering_tf_kernels{'' if include_top else '_notop'}.h5"
        file_hash = top_hash if include_top else notop_hash
        path = application_model.weights_path(weights, file_name, BASE_WEIGHTS_PATH + file_name, file_hash)
    img_input = application_model.image_input(input_tensor, input_shape)
    bn_axis = application_model.channel_axis()
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks, start=2):
        x = dense_block(x, count, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = layers.BatchNormalization(axis=bn_axis, epsilon=_BN_EPSILON, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = application_model.head(
        x, include_top, pooling, classes, classifier_activation, weights, avg_name="avg_pool", max_name="max_pool"
    )
    model = application_model.functional(input_tensor, img_input, x, name)
    return application_model.load_weights(model, path)


def DenseNet121(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet121",
):
    """Instantiates the DenseNet121 architecture (call `densenet.preprocess_input` on the images)."""
    args = (include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name)
    return DenseNet([6, 12, 24, 16], *args)


def DenseNet169(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet169",
):
    """Instantiates the DenseNet169 architecture (call `densenet.preprocess_input` on the images)."""
    args = (include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name)
    return DenseNet([6, 12, 32, 32], *args)


def DenseNet201(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="densenet201",
):
    """Instantiates the DenseNet201 architecture (call `densenet.preprocess_input` on the images)."""
    args = (include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name)
    return DenseNet([6, 12, 48, 32], *args)


for _constructor in (DenseNet121, DenseNet169, DenseNet201):
    _constructor.__doc__ += """

    Args:
        include_top: Whether to include the fully-connected layer at the top of the network.
        weights: `None` (random initialization), `"imagenet"` or the path to a weights file.
        input_tensor: Optional KerasTensor to use as the image input.
        input_shape: Optional shape tuple, only with `include_top=False` (else `(224, 224, 3)`); width and
            height at least 32.
        pooling: With `include_top=False`: `None` (4D output), `"avg"` or `"max"` (global pooling).
        classes: Number of classes, only without `weights="imagenet"` (else 1000).
        classifier_activation: Activation of the top layer; only `None` or `"softmax"` with pretrained weights.
        name: The name of the model.

    Returns:
        A `Model` instance.
    """


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="torch")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_INPUT_DOC.format(
    mode="", ret=imagenet_utils.PREPROCESS_INPUT_RET_DOC_TORCH
)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
