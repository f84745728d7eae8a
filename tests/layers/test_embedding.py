"""Embedding: lookup against Keras's recorded output and plain indexing, masks, Keras 2's input_length."""

import numpy as np
import torch

import kerasish as keras
from kerasish import layers


def test_lookup_matches_keras(keras_layer_case):
    case = keras_layer_case("embedding")
    layer = layers.Embedding(**case["args"])
    layer.build()
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    ids = torch.tensor(case["inputs"], dtype=torch.int32)
    np.testing.assert_allclose(layer(ids).detach().numpy(), case["outputs"], rtol=0, atol=0)


def test_lookup_is_row_indexing_of_the_table_for_float_ids_too():
    layer = layers.Embedding(4, 2)
    table = np.arange(8, dtype="float32").reshape(4, 2)
    layer.build()
    layer.set_weights([table])
    out = layer(torch.tensor([[3.0, 0.0]]))  # float ids are cast, as Keras does
    np.testing.assert_array_equal(out.detach().numpy(), table[[[3, 0]]])


def test_default_initializer_is_uniform_within_0_05():
    torch.manual_seed(0)
    layer = layers.Embedding(100, 50)
    layer.build()
    [table] = layer.get_weights()
    assert table.shape == (100, 50)
    assert np.abs(table).max() <= 0.05 and np.abs(table).max() > 0.049


def test_mask_zero_masks_padding_ids():
    layer = layers.Embedding(5, 2, mask_zero=True)
    ids = torch.tensor([[0, 3, 0, 1]])
    assert layer.compute_mask(ids).tolist() == [[False, True, False, True]]
    assert layers.Embedding(5, 2).compute_mask(ids) is None


def test_keras2_input_length_gives_a_sequential_its_input_shape():
    model = keras.Sequential([layers.Embedding(10, 3, input_length=7), layers.Flatten()])
    assert model.built
    assert model.input_shape == (None, 7)
    assert model.outputs[0].shape == (None, 21)


def test_output_shape_appends_output_dim():
    assert layers.Embedding(10, 3).compute_output_shape((None, 5)) == (None, 5, 3)


def test_symbolic_output_is_float_so_shape_probing_layers_can_follow():
    ids = keras.Input((4,), dtype="int32")
    vectors = layers.Embedding(10, 3)(ids)
    assert vectors.dtype == "float32"
    assert layers.Lambda(lambda x: x.mean(dim=1))(vectors).shape == (None, 3)  # probed with float zeros
