"""BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization and RMSNormalization against
Keras 3 (tests/fixtures/layers_misc/layers_misc.json, written by make_layers_misc_fixtures.py there)."""

import json
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_misc", "layers_misc.json")) as f:
    CASES = json.load(f)


def _t(value, dtype=torch.float32):
    return torch.tensor(value, dtype=dtype)


@pytest.mark.parametrize(
    "name",
    [
        "batch_norm_2d",
        "batch_norm_channels_first",
        "batch_norm_channels_last_4d",
        "batch_norm_masked",
        "batch_norm_no_center_scale",
        "batch_norm_renorm",
    ],
)
def test_batch_norm_training_step_and_inference_match_keras(name):
    case = CASES[name]
    layer = layers.BatchNormalization(**case["args"])
    x = _t(case["inputs"])
    layer.build(tuple(x.shape))
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    mask = None if case["mask"] is None else torch.tensor(case["mask"])
    out = layer(x, training=True, mask=mask)
    np.testing.assert_allclose(out.detach().numpy(), case["train_outputs"], rtol=1e-5, atol=1e-5)
    for got, expected in zip(layer.get_weights(), case["weights_after"]):  # moving statistics updated as Keras
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(layer(x).detach().numpy(), case["infer_outputs"], rtol=1e-5, atol=1e-5)


def test_batch_norm_weights_order_and_trainability():
    layer = layers.BatchNormalization(renorm=True)
    layer.build((None, 3))
    assert [n.split("/")[1] for n in layer._weight_names()] == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
        "moving_stddev",
        "renorm_mean",
        "renorm_stddev",
    ]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 5


def test_batch_norm_frozen_layer_uses_moving_statistics_in_training():
    layer = layers.BatchNormalization()
    x = torch.randn(8, 3) * 3 + 2
    layer(x)
    layer.trainable = False
    before = layer.moving_mean.clone()
    np.testing.assert_allclose(layer(x, training=True).detach().numpy(), x.numpy() / np.sqrt(1 + 1e-3), rtol=1e-6)
    assert torch.equal(layer.moving_mean, before)


def test_batch_norm_gradients_match_torch_batch_norm():
    x = torch.randn(6, 4, 3, requires_grad=True)
    layer = layers.BatchNormalization(axis=1, epsilon=1e-5)
    out = layer(x, training=True)
    (out * torch.arange(72.0).reshape(6, 4, 3)).sum().backward()
    x2 = x.detach().clone().requires_grad_(True)
    ref = torch.nn.functional.batch_norm(x2, None, None, torch.ones(4), torch.zeros(4), training=True, eps=1e-5)
    (ref * torch.arange(72.0).reshape(6, 4, 3)).sum().backward()
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-4, atol=1e-5)


def test_batch_norm_rejects_bad_mask_and_config_round_trips():
    layer = layers.BatchNormalization(axis=1, momentum=0.9, name="bn_cfg")
    with pytest.raises(ValueError, match="one dimension less"):
        layer(torch.ones(2, 3, 4), training=True, mask=torch.ones(2, dtype=torch.bool))
    config = layer.get_config()
    assert config["axis"] == 1 and config["momentum"] == 0.9 and config["epsilon"] == 1e-3
    assert {"synchronized", "renorm", "renorm_clipping", "renorm_momentum", "moving_variance_initializer"} <= set(
        config
    )
    assert layers.BatchNormalization.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "name,cls",
    [
        ("layer_norm", "LayerNormalization"),
        ("layer_norm_axes_1_2", "LayerNormalization"),
        ("layer_norm_axis_1", "LayerNormalization"),
        ("group_norm", "GroupNormalization"),
        ("group_norm_axis_1", "GroupNormalization"),
        ("unit_norm", "UnitNormalization"),
        ("unit_norm_axes", "UnitNormalization"),
        ("rms_norm", "RMSNormalization"),
    ],
)
def test_normalization_layers_match_keras(name, cls):
    case = CASES[name]
    layer = getattr(layers, cls)(**case["args"])
    x = _t(case["inputs"])
    layer.build(tuple(x.shape))
    if case["weights"]:
        layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    np.testing.assert_allclose(layer(x).detach().numpy(), case["outputs"], rtol=1e-5, atol=1e-5)


def test_layer_norm_rms_scaling_and_configs():
    x = torch.randn(2, 5)
    layer = layers.LayerNormalization(rms_scaling=True)
    out = layer(x)
    assert [w.split("/")[1] for w in layer._weight_names()] == ["gamma"]
    torch.testing.assert_close(out, x / torch.sqrt(x.var(-1, unbiased=False, keepdim=True) + 1e-3))
    assert layer.get_config()["axis"] == [-1]  # Keras keeps the built axes as a list
    group = layers.GroupNormalization(groups=-1)
    group.build((None, 4, 6))
    assert group.groups == 6
    with pytest.raises(ValueError, match="multiple"):
        layers.GroupNormalization(groups=4).build((None, 6))
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)


def test_normalization_in_a_functional_model_keeps_shapes():
    inputs = keras.Input((4, 6))
    x = layers.BatchNormalization()(inputs)
    x = layers.GroupNormalization(groups=3)(x)
    outputs = layers.UnitNormalization()(layers.LayerNormalization()(x))
    model = keras.Model(inputs, outputs)
    assert tuple(outputs.shape) == (None, 4, 6)
    assert model.count_params() == 4 * 6 + 2 * 6 + 2 * 6
