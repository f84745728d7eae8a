"""`keras.applications.resnet_v2`: ResNet50V2/101V2/152V2 (He et al., "Identity Mappings in Deep Residual
Networks", 2016)."""

from __future__ import annotations

from kerasish.applications import imagenet_utils, resnet

__all__ = ["ResNet101V2", "ResNet152V2", "ResNet50V2", "decode_predictions", "preprocess_input"]


def _resnet_v2(depths, weights_name, name, include_top, weights, input_tensor, input_shape, pooling, classes, act):
    def stack_fn(x):
        x = resnet.stack_residual_blocks_v2(x, 64, depths[0], name="conv2")
        x = resnet.stack_residual_blocks_v2(x, 128, depths[1], name="conv3")
        x = resnet.stack_residual_blocks_v2(x, 256, depths[2], name="conv4")
        return resnet.stack_residual_blocks_v2(x, 512, depths[3], stride1=1, name="conv5")

    return resnet.ResNet(
        stack_fn,
        preact=True,
        use_bias=True,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        classifier_activation=act,
        name=name,
        weights_name=weights_name,
    )


def ResNet50V2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet50v2",
):
    """Instantiates the ResNet50V2 architecture (call `resnet_v2.preprocess_input` on the images)."""
    args = (include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
    return _resnet_v2((3, 4, 6, 3), "resnet50v2", name, *args)


def ResNet101V2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet101v2",
):
    """Instantiates the ResNet101V2 architecture (call `resnet_v2.preprocess_input` on the images)."""
    args = (include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
    return _resnet_v2((3, 4, 23, 3), "resnet101v2", name, *args)


def ResNet152V2(
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet152v2",
):
    """Instantiates the ResNet152V2 architecture (call `resnet_v2.preprocess_input` on the images)."""
    args = (include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation)
    return _resnet_v2((3, 8, 36, 3), "resnet152v2", name, *args)


for _constructor in (ResNet50V2, ResNet101V2, ResNet152V2):
    _constructor.__doc__ += resnet._ARGS_DOC


def preprocess_input(x, data_format=None):
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


def decode_predictions(preds, top=5):
    return imagenet_utils.decode_predictions(preds, top=top)


preprocess_input.__doc__ = imagenet_utils.PREPROCESS_INPUT_DOC.format(
    mode="", ret=imagenet_utils.PREPROCESS_INPUT_RET_DOC_TF
)
decode_predictions.__doc__ = imagenet_utils.decode_predictions.__doc__
