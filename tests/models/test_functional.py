"""Functional models: Keras's layer order and predictions, structures of inputs/outputs, nesting, sharing,
and graph errors."""

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers
from tests.models.keras_reference import BUILDERS, assert_outputs_close, keras_inputs, keras_record, keras_weights


@pytest.mark.parametrize("name", ["two_io", "branchy"])
def test_layer_order_matches_keras(name):
    model = BUILDERS[name]()
    assert [layer.name for layer in model.layers] == keras_record(name)["layer_names"]


@pytest.mark.parametrize("name", ["two_io", "branchy"])
def test_predictions_match_keras_with_keras_weights(name):
    record = keras_record(name)
    model = BUILDERS[name]()
    model.set_weights(keras_weights(record))  # also checks Keras's weight order: every shape must fit
    assert_outputs_close(model(keras_inputs(record)), record["predictions"])


def test_shared_layer_has_one_set_of_weights():
    model = BUILDERS["two_io"]()
    shared = model.get_layer("shared")
    assert len(shared._inbound_nodes) == 2
    assert model.count_params() == (4 * 5 + 5) + (10 * 2 + 2) + (5 * 1 + 1)
    a, b = torch.randn(3, 4), torch.randn(3, 4)
    out_1, _ = model([a, b])
    with torch.no_grad():
        shared.kernel.zero_()
    out_1_zeroed, _ = model([a, b])
    assert not torch.allclose(out_1, out_1_zeroed)  # both branches read the one kernel
    torch.testing.assert_close(out_1_zeroed, model.get_layer("out_1").bias.expand(3, 2).detach())


def test_inputs_as_a_dict_keyed_by_input_names():
    model = BUILDERS["two_io"]()
    a, b = torch.randn(2, 4), torch.randn(2, 4)
    by_list = model([a, b])
    by_name = model({"in_b": b, "in_a": a})
    for x, y in zip(by_list, by_name):
        torch.testing.assert_close(x, y)
    with pytest.raises(ValueError, match='Missing data for input "in_b"'):
        model({"in_a": a})


def test_dict_inputs_and_dict_outputs():
    left, right = keras.Input((2,), name="left"), keras.Input((3,), name="right")
    features = layers.Concatenate(name="features")([left, right])
    score = layers.Dense(1, kernel_initializer="ones", name="score")(features)
    model = keras.Model({"left": left, "right": right}, {"score": score, "features": features})
    outputs = model({"right": torch.ones(2, 3), "left": torch.full((2, 2), 2.0)})
    assert set(outputs) == {"score", "features"}
    torch.testing.assert_close(outputs["features"], torch.tensor([[2.0, 2.0, 1.0, 1.0, 1.0]] * 2))
    torch.testing.assert_close(outputs["score"], torch.full((2, 1), 7.0))


def test_nested_sequential_and_functional_models_as_layers():
    inner_seq = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="seq_dense")], name="inner_seq")
    x_in = keras.Input((3,))
    inner_fn = keras.Model(x_in, layers.Dense(2, name="fn_dense")(x_in), name="inner_fn")
    x = keras.Input((4,))
    model = keras.Model(x, inner_fn(inner_seq(x)), name="outer")
    assert [layer.name for layer in model.layers][1:] == ["inner_seq", "inner_fn"]
    assert model._weight_names() == ["seq_dense/kernel", "seq_dense/bias", "fn_dense/kernel", "fn_dense/bias"]
    data = torch.randn(5, 4)
    expected = inner_fn(inner_seq(data))
    torch.testing.assert_close(model(data), expected)
    assert model.count_params() == (4 * 3 + 3) + (3 * 2 + 2)


def test_a_model_called_twice_shares_its_weights():
    inner = keras.Sequential([keras.Input((2,)), layers.Dense(2, name="twice")], name="twice_model")
    x = keras.Input((2,))
    model = keras.Model(x, inner(inner(x)))
    assert len(model.weights) == 2
    data = torch.randn(3, 2)
    torch.testing.assert_close(model(data), inner(inner(data)))


def test_training_flag_reaches_dropout_in_a_functional_model():
    x = keras.Input((64,))
    model = keras.Model(x, layers.Dropout(0.5)(x))
    data = torch.ones(8, 64)
    assert torch.equal(model(data), data)
    assert (model(data, training=True) == 0).any()


# ---- errors ----------------------------------------------------------------------------------------------------


def test_graph_disconnected():
    a, b = keras.Input((3,), name="a_in"), keras.Input((3,), name="b_in")
    summed = layers.Add(name="needs_b")([a, b])
    with pytest.raises(ValueError, match='Graph disconnected.*b_in.*"needs_b"'):
        keras.Model(a, summed)


def test_duplicate_layer_names():
    x = keras.Input((3,))
    y = layers.Dense(2, name="twin")(layers.Dense(2, name="twin")(x))
    with pytest.raises(ValueError, match='"twin" is used 2 times'):
        keras.Model(x, y)


def test_dense_on_a_rank_one_input_names_the_layer():
    x = keras.Input(batch_shape=(None,))
    with pytest.raises(ValueError, match='layer "flat_dense".*min_ndim=2, found ndim=1'):
        layers.Dense(2, name="flat_dense")(x)


def test_incompatible_merges():
    x, y = keras.Input((3,)), keras.Input((4,))
    with pytest.raises(ValueError, match='"bad_add"'):
        layers.Add(name="bad_add")([x, y])
    with pytest.raises(ValueError, match='"bad_cat"'):
        layers.Concatenate(axis=1, name="bad_cat")([keras.Input((2, 3)), keras.Input((2, 4))])


def test_inputs_must_come_from_input():
    x = keras.Input((3,))
    hidden = layers.Dense(2)(x)
    with pytest.raises(ValueError, match="must come from `kerasish.Input"):
        keras.Model(hidden, layers.Dense(1)(hidden))


def test_wrong_number_of_input_tensors():
    model = BUILDERS["two_io"]()
    with pytest.raises(ValueError, match="expects 2 input"):
        model(torch.ones(1, 4))


def test_integer_data_is_converted_to_a_float_input_as_keras_does():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(inputs))
    images = np.arange(8, dtype=np.uint8).reshape(2, 4)
    np.testing.assert_allclose(model.predict(images, verbose=0), [[6.0], [22.0]])
