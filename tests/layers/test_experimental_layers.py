"""tf.keras 2's `layers.experimental` against tf_keras 2.21: RandomFourierFeatures and SyncBatchNormalization
outputs, weights and configs recorded by tests/fixtures/layers_extra2/make_layers_extra2_fixtures.py (tf_keras 2.21),
a tf_keras-written rff_model.h5, and SyncBatchNormalization's cross-replica statistics under `fit(distribute="ddp")`
(two gloo processes)."""

import json
import math
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_extra2")
with open(os.path.join(HERE, "layers_extra2.json")) as f:
    CASES = json.load(f)


@pytest.mark.parametrize("name", ["rff_gaussian", "rff_laplacian_scale"])
def test_random_fourier_features_match_tf_keras(name):
    case = CASES[name]
    layer = layers.experimental.RandomFourierFeatures(**case["args"])
    x = torch.tensor(case["inputs"])
    layer.build(tuple(x.shape))
    assert [n.split("/", 1)[1] for n in layer._weight_names()] == case["weight_names"]
    assert layer.get_config() == case["config"]  # `scale` filled in at build, as tf.keras does
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    np.testing.assert_allclose(layer(x).numpy(), case["outputs"], rtol=1e-5, atol=1e-6)
    again = layers.experimental.RandomFourierFeatures.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()


def test_random_fourier_features_approximate_the_gaussian_kernel():
    torch.manual_seed(0)
    layer = layers.experimental.RandomFourierFeatures(20000, scale=1.5)
    x = torch.randn(4, 3) * 0.7
    features = layer(x)
    assert not layer.trainable and layer.kernel_scale.requires_grad is False
    # E[2 cos(w.x + b) cos(w.y + b)] = exp(-|x - y|^2 / (2 scale^2)) for w ~ N(0, I / scale^2), b ~ U(0, 2 pi).
    approx = 2 * features @ features.T / 20000
    exact = torch.exp(-torch.cdist(x, x).square() / (2 * 1.5**2))
    torch.testing.assert_close(approx, exact, atol=0.03, rtol=0)
    laplacian = layers.experimental.RandomFourierFeatures(5000, kernel_initializer="LAPLACIAN")
    laplacian.build((None, 2))
    assert laplacian.scale == 1.0
    assert abs(float(laplacian.unscaled_kernel.abs().median()) - 1.0) < 0.1  # standard Cauchy: median |w| = 1
    bias = layer.bias
    assert 0.0 <= float(bias.min()) and float(bias.max()) < 2 * math.pi


def test_random_fourier_features_bad_input():
    with pytest.raises(ValueError, match="output_dim"):
        layers.experimental.RandomFourierFeatures(0)
    with pytest.raises(ValueError, match="Unsupported `kernel_initializer`"):
        layers.experimental.RandomFourierFeatures(4, kernel_initializer="cosine")
    with pytest.raises(ValueError, match="scale"):
        layers.experimental.RandomFourierFeatures(4, scale=-1.0)
    layer = layers.experimental.RandomFourierFeatures(4)
    with pytest.raises(ValueError, match="rank of the input tensor should be 2"):
        layer(torch.ones(2, 3, 4))
    assert not layer.built


def test_sync_batch_normalization_matches_tf_keras_on_one_replica():
    case = CASES["sync_batch_norm"]
    layer = layers.experimental.SyncBatchNormalization(momentum=0.9)
    x = torch.tensor(case["inputs"])
    layer.build(tuple(x.shape))
    assert [n.split("/", 1)[1] for n in layer._weight_names()] == case["weight_names"]
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    np.testing.assert_allclose(layer(x, training=True).detach().numpy(), case["train_outputs"], rtol=1e-5, atol=1e-6)
    for value, expected in zip(layer.get_weights(), case["weights_after"]):
        np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer(x, training=False).detach().numpy(), case["infer_outputs"], rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    assert config == case["config"]
    assert layers.experimental.SyncBatchNormalization.from_config(config).synchronized


def test_tf_keras_model_with_experimental_layers_loads():
    case = CASES["rff_model"]
    model = keras.saving.load_model(os.path.join(HERE, "rff_model.h5"))
    assert [type(layer).__name__ for layer in model.layers] == [
        "RandomFourierFeatures",
        "SyncBatchNormalization",
        "Dense",
    ]
    x = np.array(case["inputs"], dtype="float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), case["outputs"], rtol=1e-5, atol=1e-6)


def _bn_model(norm):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(6), norm(momentum=0.5), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


@pytest.mark.skipif(
    not torch.distributed.is_available() or torch.cuda.device_count() == 1,
    reason="needs torch.distributed, and two processes need the CPU or two GPUs",
)
def test_sync_batch_normalization_uses_the_global_batch_under_ddp():
    rng = np.random.RandomState(0)
    x = rng.rand(32, 4).astype("float32")
    x[16:] += 2.0  # each rank's half has other statistics than the global batch
    y = x.sum(1, keepdims=True)
    order = np.r_[0:8, 16:24, 8:16, 24:32]  # each global batch of 16: 8 rows from each half
    x, y = x[order], y[order]
    single = _bn_model(layers.experimental.SyncBatchNormalization)
    single.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    synced = _bn_model(layers.experimental.SyncBatchNormalization)
    synced.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, distribute="ddp", devices=2)
    for a, b in zip(synced.get_weights(), single.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # Plain batch normalization under DDP normalizes each rank's half by its own statistics: it does not match.
    local = _bn_model(layers.BatchNormalization)
    local.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, distribute="ddp", devices=2)
    moving_mean = [w for w, n in zip(local.get_weights(), local._weight_names()) if n.endswith("moving_mean")][0]
    expected = [w for w, n in zip(single.get_weights(), single._weight_names()) if n.endswith("moving_mean")][0]
    assert not np.allclose(moving_mean, expected, atol=1e-3)
