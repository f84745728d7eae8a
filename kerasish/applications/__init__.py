"""`keras.applications`: Keras's image classification architectures, built from kerasish layers with Keras's layer
and weight names, so that Keras's own weight files (`weights="imagenet"` or a path) load unchanged."""

from __future__ import annotations

from kerasish.applications import (
    densenet,
    efficientnet,
    imagenet_utils,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
)
from kerasish.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from kerasish.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from kerasish.applications.mobilenet import MobileNet
from kerasish.applications.mobilenet_v2 import MobileNetV2
from kerasish.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from kerasish.applications.resnet import ResNet50, ResNet101, ResNet152
from kerasish.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from kerasish.applications.vgg16 import VGG16
from kerasish.applications.vgg19 import VGG19

__all__ = [
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "EfficientNetB0",
    "EfficientNetB1",
    "EfficientNetB2",
    "EfficientNetB3",
    "EfficientNetB4",
    "EfficientNetB5",
    "EfficientNetB6",
    "EfficientNetB7",
    "MobileNet",
    "MobileNetV2",
    "MobileNetV3Large",
    "MobileNetV3Small",
    "ResNet101",
    "ResNet101V2",
    "ResNet152",
    "ResNet152V2",
    "ResNet50",
    "ResNet50V2",
    "VGG16",
    "VGG19",
    "densenet",
    "efficientnet",
    "imagenet_utils",
    "mobilenet",
    "mobilenet_v2",
    "mobilenet_v3",
    "resnet",
    "resnet50",
    "resnet_v2",
    "vgg16",
    "vgg19",
]
