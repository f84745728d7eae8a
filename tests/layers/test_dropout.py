"""Dropout: inactive at inference, Keras's scaling in training, seeds and noise_shape."""

import pytest
import torch

from kerasish import layers


def test_inactive_by_default_and_with_training_false():
    x = torch.ones(4, 50)
    layer = layers.Dropout(0.5)
    assert torch.equal(layer(x), x)
    assert torch.equal(layer(x, training=False), x)


def test_training_true_zeroes_a_fraction_and_scales_the_rest():
    torch.manual_seed(0)
    x = torch.ones(100, 100)
    out = layers.Dropout(0.25)(x, training=True)
    kept = out[out != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / 0.75))
    assert abs((out == 0).float().mean().item() - 0.25) < 0.02


def test_seeded_masks_repeat_across_layers_with_the_same_seed():
    x = torch.ones(3, 40)
    a = layers.Dropout(0.5, seed=7)(x, training=True)
    b = layers.Dropout(0.5, seed=7)(x, training=True)
    assert torch.equal(a, b)


def test_noise_shape_shares_the_mask_along_none_free_axes():
    torch.manual_seed(1)
    out = layers.Dropout(0.5, noise_shape=(None, 1, 6))(torch.ones(4, 5, 6), training=True)
    # one mask per (sample, feature), repeated along axis 1
    assert torch.equal(out, out[:, :1, :].expand_as(out))


@pytest.mark.parametrize("rate", [-0.1, 1.0])
def test_invalid_rate(rate):
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(rate)
