"""ReversibleEmbedding against Keras 3.15: forward and reverse outputs, masks and configs recorded by
tests/fixtures/layers_extra2/make_layers_extra2_fixtures.py (Keras 3.15, TensorFlow backend), and a Keras-written
reversible_model.keras that calls the layer with `reverse=True` inside a functional model."""

import json
import os

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_extra2")
with open(os.path.join(HERE, "layers_extra2.json")) as f:
    CASES = json.load(f)


@pytest.mark.parametrize("name", ["reversible_tied", "reversible_untied_soft_cap", "reversible_lora"])
def test_reversible_embedding_matches_keras(name):
    case = CASES[name]
    layer = layers.ReversibleEmbedding(**case["args"])
    layer.build()
    assert [n.split("/", 1)[1] for n in layer._weight_names()] == case["weight_names"]
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    ids = torch.tensor(case["ids"])
    outputs = layer(ids)
    np.testing.assert_allclose(outputs.detach().numpy(), case["outputs"], rtol=1e-6, atol=1e-7)
    if case["args"].get("mask_zero"):
        assert torch.equal(outputs._keras_mask, ids != 0)
    logits = layer(torch.tensor(case["hidden"]), reverse=True)
    np.testing.assert_allclose(logits.detach().numpy(), case["reverse_outputs"], rtol=1e-5, atol=1e-6)
    assert getattr(logits, "_keras_mask", None) is None
    config = layer.get_config()
    for key in ("input_dim", "output_dim", "tie_weights", "reverse_dtype", "logit_soft_cap", "mask_zero"):
        assert config[key] == case["config"][key], key
    assert layers.ReversibleEmbedding.from_config(config).get_config() == config


def test_keras_written_reversible_model_loads_and_round_trips(tmp_path):
    case = CASES["reversible_model"]
    x = np.array(case["inputs"], dtype="int32")
    model = keras.saving.load_model(os.path.join(HERE, "reversible_model.keras"))
    assert tuple(model.outputs[0].shape) == (None, 4, 7)
    np.testing.assert_allclose(model.predict(x, verbose=0), case["outputs"], rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "rev.keras")
    model.save(path)
    np.testing.assert_allclose(keras.saving.load_model(path).predict(x, verbose=0), case["outputs"], rtol=1e-5)


def test_reversible_embedding_tied_training_and_reverse_dtype():
    layer = layers.ReversibleEmbedding(5, 3, reverse_dtype="float64", logit_soft_cap=2.0)
    ids = torch.tensor([[1, 4]])
    hidden = layer(ids)
    logits = layer(hidden, reverse=True)
    assert logits.dtype == torch.float64 and logits.shape == (1, 2, 5)
    expected = torch.tanh(hidden.double() @ layer.embeddings.double().T / 2.0) * 2.0
    torch.testing.assert_close(logits, expected)
    assert logits.abs().max() < 2.0
    logits.sum().backward()
    assert layer.embeddings.grad is not None  # both directions train the one tied table
    spec = layer.compute_output_spec(keras.KerasTensor((None, 2, 3)), reverse=True)
    assert tuple(spec.shape) == (None, 2, 5) and spec.dtype == "float64"


def test_reversible_embedding_rejects_a_bad_soft_cap():
    with pytest.raises(ValueError, match="logit_soft_cap"):
        layers.ReversibleEmbedding(5, 3, logit_soft_cap=0.0)
