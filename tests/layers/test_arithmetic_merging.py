"""Subtract, Multiply, Average, Maximum, Minimum and Dot against Keras 3 (tests/fixtures/layers_misc/
layers_misc.json, written by make_layers_misc_fixtures.py there), masks included."""

import json
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_misc", "layers_misc.json")) as f:
    CASES = json.load(f)


def _tensors(values):
    return [torch.tensor(v, dtype=torch.float32) for v in values]


@pytest.mark.parametrize(
    "name,cls",
    [
        ("subtract", "Subtract"),
        ("multiply", "Multiply"),
        ("average", "Average"),
        ("maximum", "Maximum"),
        ("minimum", "Minimum"),
    ],
)
def test_elementwise_merges_match_keras(name, cls):
    case = CASES[name]
    out = getattr(layers, cls)()(_tensors(case["inputs"]))
    np.testing.assert_allclose(out.numpy(), case["outputs"], rtol=1e-6, atol=1e-6)
    functional = getattr(layers, name)(_tensors(case["inputs"]))
    torch.testing.assert_close(functional, out)


@pytest.mark.parametrize("name", ["dot_axes_2", "dot_normalize", "dot_axes_pair"])
def test_dot_matches_keras(name):
    case = CASES[name]
    out = layers.Dot(**case["args"])(_tensors(case["inputs"]))
    np.testing.assert_allclose(out.numpy(), case["outputs"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,cls", [("maximum_masked", "Maximum"), ("multiply_masked", "Multiply")])
def test_masked_merges_match_keras(name, cls):
    case = CASES[name]
    inputs = _tensors(case["inputs"])
    for x, mask in zip(inputs, case["masks"]):
        x._keras_mask = torch.tensor(mask)
    out = getattr(layers, cls)()(inputs)
    np.testing.assert_allclose(out.numpy(), case["outputs"], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out._keras_mask.numpy(), case["output_mask"])


def test_merge_compute_mask_ors_the_masks_and_needs_all():
    a, b = torch.tensor([[True, False]]), torch.tensor([[False, False]])
    layer = layers.Average()
    torch.testing.assert_close(layer.compute_mask([torch.ones(1, 2, 3)] * 2, [a, b]), torch.tensor([[True, False]]))
    assert layer.compute_mask([torch.ones(1, 2, 3)] * 2, [a, None]) is None
    assert layers.Dot(axes=1).compute_mask([torch.ones(1, 2)] * 2, [a, b]) is None


def test_merges_of_different_ranks_broadcast_after_the_batch_axis():
    x, y = torch.randn(4, 3), torch.randn(4, 2, 3)  # batch 4 == y.shape[1] would misalign a plain broadcast
    torch.testing.assert_close(layers.Subtract()([x, y]), x[:, None, :] - y)
    torch.testing.assert_close(layers.Maximum()([y, x]), torch.maximum(y, x[:, None, :]))


def test_dot_shapes_errors_and_config():
    a, b = keras.Input((3, 4)), keras.Input((5, 4))
    assert tuple(layers.Dot(axes=2)([a, b]).shape) == (None, 3, 5)
    assert tuple(layers.dot([keras.Input((4,)), keras.Input((4,))], axes=1).shape) == (None, 1)
    with pytest.raises(ValueError, match="Incompatible input shapes"):
        layers.Dot(axes=1)([a, b])
    with pytest.raises(ValueError, match="two elements"):
        layers.Dot(axes=[1, 2, 3])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([torch.ones(1, 2)] * 3)
    config = layers.Dot(axes=[1, 2], normalize=True).get_config()
    assert config["axes"] == [1, 2] and config["normalize"] is True
