"""Sequential: ways of giving the input shape, add/pop, names, prediction against Keras."""

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers
from tests.models.keras_reference import BUILDERS, assert_outputs_close, keras_inputs, keras_record, keras_weights


def _weight_shapes(model):
    return [tuple(w.shape) for w in model.weights]


def test_predictions_match_keras_with_keras_weights():
    record = keras_record("seq")
    model = BUILDERS["seq"]()
    assert [layer.name for layer in model.layers] == record["layer_names"]
    model.set_weights(keras_weights(record))
    assert_outputs_close(model(keras_inputs(record)), record["predictions"])


def test_keras2_input_shape_on_the_first_layer_builds_the_model():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    assert model.built and model.input_shape == (None, 3)
    assert model.outputs[0].shape == (None, 2)
    assert _weight_shapes(model) == [(3, 4), (4,), (4, 2), (2,)]


def test_keras2_input_dim_on_the_first_layer():
    model = keras.Sequential([layers.Dense(4, input_dim=5)])
    assert model.input_shape == (None, 5) and _weight_shapes(model) == [(5, 4), (4,)]


def test_lazy_build_from_the_first_call():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built and model.weights == []
    out = model(torch.ones(3, 7))
    assert model.built and out.shape == (3, 2)
    assert _weight_shapes(model) == [(7, 4), (4,), (4, 2), (2,)]


def test_add_then_pop():
    model = keras.Sequential(name="grow")
    model.add(keras.Input((3,)))
    model.add(layers.Dense(4, name="d0"))
    model.add(layers.Dense(5, name="d1"))
    assert model.outputs[0].shape == (None, 5) and len(model.weights) == 4
    popped = model.pop()
    assert popped.name == "d1"
    assert [layer.name for layer in model.layers] == ["d0"]
    assert model.outputs[0].shape == (None, 4)
    assert len(model.weights) == 2 and len(list(model.parameters())) == 2
    assert model(torch.ones(2, 3)).shape == (2, 4)


def test_pop_from_an_empty_model():
    with pytest.raises(IndexError):
        keras.Sequential().pop()


def test_duplicate_names_are_refused():
    model = keras.Sequential([layers.Dense(2, name="same")])
    with pytest.raises(ValueError, match='unique names. Name "same"'):
        model.add(layers.Dense(2, name="same"))


def test_adding_a_non_layer_is_refused():
    with pytest.raises(ValueError, match="Only instances of `kerasish.layers.Layer`"):
        keras.Sequential([torch.nn.Linear(2, 2)])


def test_input_can_only_come_first():
    model = keras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="an Input can only be the first"):
        model.add(keras.Input((3,)))


def test_a_layer_that_does_not_fit_the_known_input_is_refused_at_add():
    model = keras.Sequential([keras.Input((4,))])
    with pytest.raises(ValueError, match='"misfit": total size'):
        model.add(layers.Reshape((3, 3), name="misfit"))


def test_training_flag_and_train_mode_reach_dropout():
    model = keras.Sequential([keras.Input((64,)), layers.Dropout(0.5)])
    data = torch.ones(8, 64)
    assert torch.equal(model(data), data)
    assert (model(data, training=True) == 0).any()
    model.train()  # what fit does around its steps
    assert (model(data) == 0).any()
    model.eval()
    assert torch.equal(model(data), data)


def test_fit_runs_layers_in_training_mode_and_predict_in_inference():
    class Probe(layers.Layer):
        seen = None

        def call(self, x, training=None):
            Probe.seen = training
            return x

    model = keras.Sequential([keras.Input((3,)), Probe(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    data = np.ones((4, 3), "float32")
    model.fit(data, np.ones((4, 1), "float32"), verbose=0)
    assert Probe.seen is True and model.training is False
    model.predict(data, verbose=0)
    assert Probe.seen is False


@pytest.fixture
def symbolic_calls(monkeypatch):
    """The layers called on KerasTensors, in order."""
    from kerasish.layers import layer as layer_module

    calls = []
    real = layer_module.symbolic_call

    def counting(layer, args, kwargs):
        calls.append(layer.name)
        return real(layer, args, kwargs)

    monkeypatch.setattr(layer_module, "symbolic_call", counting)
    return calls


def _deep_stack_config(depth: int) -> str:
    return keras.Sequential([keras.Input((4,))] + [layers.Dense(4) for _ in range(depth)]).to_json()


@pytest.mark.parametrize("depth", [10, 300])
def test_loading_a_deep_stack_calls_each_layer_once(symbolic_calls, depth):
    text = _deep_stack_config(depth)
    symbolic_calls.clear()
    model = keras.models.model_from_json(text)
    assert symbolic_calls == [layer.name for layer in model.layers]
    assert [len(layer._inbound_nodes) for layer in model.layers] == [1] * depth
    assert model.outputs[0].shape == (None, 4)


def test_adding_layers_one_by_one_calls_each_new_layer_once(symbolic_calls):
    model = keras.Sequential([keras.Input((4,))])
    for i in range(50):
        model.add(layers.Dense(4, name=f"d{i}"))
    assert symbolic_calls == [f"d{i}" for i in range(50)]
    assert model(torch.ones(2, 4)).shape == (2, 4)


def test_a_refused_layer_leaves_the_model_as_it_was():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(4, name="d0")])
    with pytest.raises(ValueError, match='"misfit"'):
        model.add(layers.Reshape((3, 3), name="misfit"))
    assert [layer.name for layer in model.layers] == ["d0"]
    assert "misfit" not in dict(model.named_modules())
    model.add(layers.Dense(2, name="d1"))
    assert model.outputs[0].shape == (None, 2) and model(torch.ones(3, 4)).shape == (3, 2)
