"""Add and Concatenate: forwards against Keras, symbolic shapes, and incompatible-shape errors."""

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers


def _tensors(values):
    return [torch.tensor(v) for v in values]


def test_add_of_three_inputs_matches_keras(keras_layer_case):
    case = keras_layer_case("add")
    out = layers.Add()(_tensors(case["inputs"]))
    np.testing.assert_allclose(out.numpy(), case["outputs"], rtol=1e-6, atol=1e-6)


def test_concatenate_on_axis_1_matches_keras(keras_layer_case):
    case = keras_layer_case("concatenate")
    out = layers.Concatenate(**case["args"])(_tensors(case["inputs"]))
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.numpy(), case["outputs"])


def test_functional_forms():
    a, b = torch.ones(2, 3), torch.full((2, 2), 2.0)
    torch.testing.assert_close(layers.concatenate([a, b]), torch.cat([a, b], dim=-1))
    torch.testing.assert_close(layers.add([a, a]), 2 * a)


def test_symbolic_output_shapes():
    x, y = keras.Input((4, 3)), keras.Input((4, 5))
    assert layers.Concatenate()([x, y]).shape == (None, 4, 8)
    assert layers.Concatenate(axis=1)([x, keras.Input((2, 3))]).shape == (None, 6, 3)
    assert layers.Add()([x, keras.Input((1, 3))]).shape == (None, 4, 3)  # broadcasting, as Keras allows


def test_concatenate_with_mismatched_non_axis_dims_names_the_layer():
    with pytest.raises(ValueError, match='"cat_bad".*matching shapes'):
        layers.Concatenate(name="cat_bad")([keras.Input((2, 3)), keras.Input((3, 3))])


def test_add_of_incompatible_shapes_names_the_layer_symbolically_and_eagerly():
    with pytest.raises(ValueError, match='"add_sym": inputs have incompatible shapes'):
        layers.Add(name="add_sym")([keras.Input((3,)), keras.Input((4,))])
    with pytest.raises(ValueError, match='"add_eager": inputs have incompatible shapes'):
        layers.Add(name="add_eager")([torch.ones(2, 3), torch.ones(2, 4)])


def test_merge_called_on_a_single_tensor_is_refused():
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add(name="lonely")(torch.ones(2, 3))
