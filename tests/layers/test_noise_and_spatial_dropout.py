"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and ActivityRegularization: Keras's
formulas checked by statistics in training (random numbers cannot match Keras's) and the identity in inference."""

import math

import pytest
import torch

from kerasish import layers


@pytest.mark.parametrize(
    "cls,shape,noise_axes",
    [
        (layers.SpatialDropout1D, (64, 10, 32), (1,)),
        (layers.SpatialDropout2D, (64, 5, 5, 32), (1, 2)),
        (layers.SpatialDropout3D, (32, 3, 3, 3, 32), (1, 2, 3)),
    ],
)
def test_spatial_dropout_drops_whole_channels(cls, shape, noise_axes):
    x = torch.ones(shape)
    out = cls(0.25, seed=1)(x, training=True)
    kept = out.amax(dim=noise_axes)
    assert torch.all(out == kept.reshape(kept.shape[:1] + (1,) * len(noise_axes) + kept.shape[1:]))  # per channel
    assert set(out.unique().tolist()) <= {0.0, torch.tensor(1 / 0.75).item()}
    assert abs((kept == 0).float().mean().item() - 0.25) < 0.05
    torch.testing.assert_close(cls(0.25)(x), x)


def test_spatial_dropout_channels_first_and_config():
    x = torch.ones(64, 16, 4, 4)
    out = layers.SpatialDropout2D(0.5, data_format="channels_first", seed=0)(x, training=True)
    assert torch.all(out.amax(dim=(2, 3), keepdim=True) == out)
    config = layers.SpatialDropout2D(0.5, data_format="channels_first", seed=3, name="sd").get_config()
    assert config == {"rate": 0.5, "seed": 3, "name": "sd", "dtype": "float32", "data_format": "channels_first"}
    with pytest.raises(ValueError, match="data_format"):
        layers.SpatialDropout2D(0.5, data_format="channels_middle")
    seeded = [layers.SpatialDropout1D(0.5, seed=7)(torch.ones(4, 3, 8), training=True) for _ in range(2)]
    torch.testing.assert_close(seeded[0], seeded[1])


def test_gaussian_noise_statistics():
    x = torch.full((200_000,), 2.0)
    out = layers.GaussianNoise(0.5, seed=0)(x, training=True)
    assert abs(out.mean().item() - 2.0) < 0.01 and abs(out.std().item() - 0.5) < 0.01
    torch.testing.assert_close(layers.GaussianNoise(0.5)(x), x)
    with pytest.raises(ValueError, match="stddev"):
        layers.GaussianNoise(1.5)


def test_gaussian_dropout_statistics():
    x = torch.full((200_000,), 3.0)
    out = layers.GaussianDropout(0.2, seed=0)(x, training=True)
    assert abs(out.mean().item() - 3.0) < 0.02
    assert abs(out.std().item() - 3.0 * math.sqrt(0.2 / 0.8)) < 0.02
    torch.testing.assert_close(layers.GaussianDropout(0.2)(x), x)


def test_alpha_dropout_keeps_mean_and_variance_of_standard_inputs():
    x = torch.randn(400_000, generator=torch.Generator().manual_seed(123))  # not the layer's seed
    out = layers.AlphaDropout(0.2, seed=0)(x, training=True)
    assert abs(out.mean().item()) < 0.01 and abs(out.std().item() - 1.0) < 0.01
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - 0.2) * (1 + 0.2 * alpha_p**2)) ** -0.5
    dropped = a * alpha_p - a * alpha_p * 0.2
    assert abs((out == torch.tensor(dropped)).float().mean().item() - 0.2) < 0.01  # dropped entries: a*alpha_p+b
    torch.testing.assert_close(layers.AlphaDropout(0.2)(x), x)
    shared = layers.AlphaDropout(0.5, noise_shape=(8, 1), seed=0)(torch.zeros(8, 6), training=True)
    assert torch.all(shared == shared[:, :1])
    assert layers.AlphaDropout(0.5, noise_shape=(None, 1)).get_config()["noise_shape"] == [None, 1]


def test_activity_regularization_adds_the_penalty():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    x = torch.tensor([[1.0, -2.0]])
    assert layer(x) is x
    torch.testing.assert_close(sum(layer.losses), torch.tensor(0.1 * 3 + 0.01 * 5))
    config = layer.get_config()
    assert config["l1"] == 0.1 and config["l2"] == 0.01 and "activity_regularizer" not in config
    assert layers.ActivityRegularization.from_config(config).l2 == 0.01
