"""Convolution layers against Keras 3: outputs with Keras's weights (tests/fixtures/layers_conv, written by
make_conv_fixtures.py with Keras 3.15, JAX backend), configs, weight layouts, shapes and errors."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import kerasish as keras
from kerasish import layers
from kerasish.layers.convolutional.conv_layer import ConvLayer
from tests.fixtures.layers_conv.keras_cases import assert_config_matches_keras, case, case_names, fixtures, replay

CONV_CLASSES = (
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
)


@pytest.mark.parametrize("name", case_names(*CONV_CLASSES))
def test_matches_keras(name):
    layer = replay(name)
    if case(name)["config"] is not None:
        assert_config_matches_keras(layer, case(name)["config"])


def test_small_model_matches_keras():
    recorded = fixtures()["model"]
    model = keras.Sequential(
        [
            keras.Input((9, 8, 2)),
            layers.Conv2D(4, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(3, 2, strides=2, padding="same", activation="relu"),
            layers.AveragePooling2D(2, strides=1, padding="same"),
            layers.Flatten(),
            layers.Dense(3),
        ]
    )
    model.set_weights([np.asarray(w, dtype=np.float32) for w in recorded["weights"]])
    predictions = model.predict(np.asarray(recorded["inputs"], dtype=np.float32), verbose=0)
    np.testing.assert_allclose(predictions, recorded["outputs"], rtol=1e-5, atol=2e-5)


def test_channels_last_matches_channels_first_and_plain_torch():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 9, 8)  # channels-first
    first = layers.Conv2D(5, 3, strides=2, padding="same", data_format="channels_first")
    last = layers.Conv2D(5, 3, strides=2, padding="same")
    first.build(x.shape)
    last.build((2, 9, 8, 3))
    last.set_weights(first.get_weights())
    y_first = first(x)
    y_last = last(x.permute(0, 2, 3, 1).contiguous())
    np.testing.assert_allclose(
        y_last.detach().numpy(), y_first.permute(0, 2, 3, 1).detach().numpy(), rtol=1e-5, atol=1e-6
    )
    # TensorFlow's "same" for a 3x3 window at stride 2 on 9 rows pads 1 and 1; on 8 columns 0 left, 1 right.
    weight = first.kernel.detach().permute(3, 2, 0, 1)
    expected = F.conv2d(F.pad(x, (0, 1, 1, 1)), weight, first.bias.detach(), stride=2)
    np.testing.assert_allclose(y_first.detach().numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_channels_last_output_is_a_view_of_channels_last_memory():
    layer = layers.Conv2D(4, 3)
    y = layer(torch.randn(2, 7, 7, 3))
    assert y.is_contiguous()  # NHWC, so Flatten and Dense read it without a copy


def test_weight_layouts_are_keras():
    x2 = torch.randn(1, 6, 6, 4)
    shapes = {}
    for name, layer in {
        "conv2d": layers.Conv2D(8, (3, 2), groups=2),
        "conv2d_transpose": layers.Conv2DTranspose(8, (3, 2)),
        "depthwise": layers.DepthwiseConv2D((3, 2), depth_multiplier=3),
        "separable": layers.SeparableConv2D(8, (3, 2), depth_multiplier=2),
    }.items():
        layer(x2)
        shapes[name] = [tuple(w.shape) for w in layer.get_weights()]
    assert shapes == {
        "conv2d": [(3, 2, 2, 8), (8,)],
        "conv2d_transpose": [(3, 2, 8, 4), (8,)],
        "depthwise": [(3, 2, 4, 3), (12,)],
        "separable": [(3, 2, 4, 2), (1, 1, 8, 8), (8,)],
    }


@pytest.mark.parametrize(
    "layer",
    [
        layers.Conv1D(2, 3, padding="causal", dilation_rate=2, activation="relu", name="c1"),
        layers.Conv3D(
            2,
            (1, 2, 3),
            strides=2,
            data_format="channels_first",
            use_bias=False,
            kernel_regularizer=keras.regularizers.L2(0.1),
            kernel_constraint="max_norm",
        ),
        layers.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1, bias_initializer="ones"),
        layers.DepthwiseConv2D(3, depth_multiplier=2, depthwise_initializer="he_normal"),
        layers.SeparableConv1D(4, 3, depth_multiplier=2, pointwise_regularizer="l1"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == layer.get_config()


def test_keras_aliases():
    assert layers.Convolution2D is layers.Conv2D and layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


def test_symbolic_shapes():
    assert layers.Conv2D(4, 3, strides=2, padding="same")(keras.Input((None, 9, 3))).shape == (None, None, 5, 4)
    assert layers.Conv1DTranspose(2, 3, strides=2)(keras.Input((5, 3))).shape == (None, 11, 2)
    assert layers.Conv2DTranspose(2, 3, strides=2, padding="same")(keras.Input((4, 5, 3))).shape == (None, 8, 10, 2)
    assert layers.DepthwiseConv1D(3, depth_multiplier=2)(keras.Input((6, 3))).shape == (None, 4, 6)


def test_gradients_reach_keras_layout_kernel():
    layer = layers.Conv2D(2, 3, padding="same")
    layer(torch.randn(2, 5, 5, 3)).sum().backward()
    assert layer.kernel.grad.shape == (3, 3, 3, 2) and layer.bias.grad.shape == (2,)


def test_wrong_rank_names_the_layer():
    layer = layers.Conv2D(2, 3, name="my_conv")
    with pytest.raises(ValueError, match='"my_conv".*expected ndim=4, found ndim=3'):
        layer(torch.randn(2, 5, 5))
    layer(torch.randn(1, 5, 5, 3))
    with pytest.raises(ValueError, match='"my_conv".*expected ndim=4, found ndim=5'):
        layer(torch.randn(1, 2, 5, 5, 3))
    with pytest.raises(ValueError, match='"my_conv".*axis -1'):
        layer(torch.randn(1, 5, 5, 4))


def test_argument_errors():
    with pytest.raises(ValueError, match="filters"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="divisible by the number of groups"):
        layers.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="`kernel_size` argument must be a tuple of 2 integers"):
        layers.Conv2D(3, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(3, 3, padding="causal")
    with pytest.raises(ValueError, match="dilation_rate > 1"):
        layers.Conv1D(3, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(3, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match='"small".*zero or negative'):
        layers.Conv2D(3, 5, name="small")(keras.Input((3, 3, 1)))
    with pytest.raises(ValueError, match="evenly divisible"):
        layers.Conv2D(4, 3, groups=2)(torch.randn(1, 5, 5, 3))


def _make(class_name: str, **kwargs):
    cls = getattr(layers, class_name)
    counts = {"depth_multiplier": 2} if "Depthwise" in class_name else {"filters": 2}
    return cls(**{**counts, "kernel_size": 3, **kwargs})


@pytest.mark.parametrize("class_name", CONV_CLASSES)
def test_every_convolution_checks_its_window_in_the_one_geometry_constructor(class_name):
    rank = int(next(c for c in class_name if c.isdigit()))
    assert isinstance(_make(class_name), ConvLayer)
    expected = {
        "kernel_size": (
            f"The `kernel_size` argument must be a tuple of {rank} integers. Received kernel_size=(3, 3, 3, 3)",
            {"kernel_size": (3, 3, 3, 3)},
        ),
        "strides": (
            f"The `strides` argument must be a tuple of {rank} integers. Received strides=0, including values "
            f"that do not satisfy `value > 0`",
            {"strides": 0},
        ),
        "dilation": (
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
            f"strides={(2,) * rank} and dilation_rate={(2,) * rank}",
            {"strides": 2, "dilation_rate": 2},
        ),
        "data_format": (
            "The `data_format` argument must be one of 'channels_first', 'channels_last'. Received: data_format=nhwc",
            {"data_format": "NHWC"},
        ),
        "padding": (
            "The `padding` argument must be one of ('valid', 'same'). Received: padding='full'",
            {"padding": "full"},
        ),
    }
    for message, kwargs in expected.values():
        if class_name == "Conv1D" and "padding" in kwargs:
            message = message.replace("('valid', 'same')", "('valid', 'same', 'causal')")
        with pytest.raises(ValueError) as error:
            _make(class_name, **kwargs)
        assert str(error.value) == message
    layer = _make(
        class_name,
        kernel_size=[2] * rank,
        strides=1,
        padding="SAME",
        data_format="channels_first",
        dilation_rate=[1] * rank,
    )
    assert (layer.kernel_size, layer.strides, layer.dilation_rate) == ((2,) * rank, (1,) * rank, (1,) * rank)
    assert (layer.padding, layer.data_format, layer.input_spec.ndim) == ("same", "channels_first", rank + 2)


@pytest.mark.parametrize("class_name", CONV_CLASSES)
def test_the_window_is_checked_before_the_channel_counts_as_keras_does(class_name):
    # Keras 3.15: Conv2D(filters=-1, kernel_size="x") -> "The `kernel_size` argument must be a tuple of 2 integers"
    counts = {"depth_multiplier": -1} if "Depthwise" in class_name else {"filters": -1}
    with pytest.raises(ValueError, match="`kernel_size` argument must be a tuple"):
        getattr(layers, class_name)(**counts, kernel_size="x")
    with pytest.raises(ValueError, match="strictly positive"):
        getattr(layers, class_name)(**counts, kernel_size=3)
