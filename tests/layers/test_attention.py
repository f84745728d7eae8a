"""MultiHeadAttention, Attention and AdditiveAttention against Keras 3 (tests/fixtures/layers_misc/
layers_misc.json, written by make_layers_misc_fixtures.py there), and a small self-attention model."""

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
    return None if value is None else torch.tensor(value, dtype=dtype)


def _weights(case):
    return [np.array(w, dtype="float32") for w in case["weights"]]


def _mha_from(case):
    config = {k: v for k, v in case["config"].items() if k not in ("name", "trainable", "dtype")}
    return layers.MultiHeadAttention(**config)


MHA_CASES = [
    "mha_self",
    "mha_self_scores",
    "mha_causal",
    "mha_causal_scores",
    "mha_masks_scores",
    "mha_attention_mask_causal",
    "mha_key_value_output_shape",
    "mha_no_bias",
    "mha_attention_axes_2",
    "mha_attention_axes_1_2",
    "mha_gate_window",
    "mha_masks_fused",
]


@pytest.mark.parametrize("name", MHA_CASES)
def test_multi_head_attention_matches_keras(name):
    case = CASES[name]
    layer = _mha_from(case)
    query, value, key = _t(case["query"]), _t(case["value"]), _t(case["key"])
    layer.build(tuple(query.shape), tuple(value.shape), None if key is None else tuple(key.shape))
    # Keras's names and order (Keras's paths also name the parent layer), so set_weights takes Keras's list.
    assert layer._weight_names() == [w.split("/", 1)[1] for w in case["weight_names"]]
    layer.set_weights(_weights(case))
    kwargs = {
        k: (_t(v, torch.bool) if k.endswith("_mask") and isinstance(v, list) else v)
        for k, v in case["call_kwargs"].items()
    }
    if case["query_mask"] is not None:
        query._keras_mask = torch.tensor(case["query_mask"])
    out = layer(query, value, key, **kwargs) if key is not None else layer(query, value, **kwargs)
    outputs, scores = out if kwargs.get("return_attention_scores") else (out, None)
    np.testing.assert_allclose(outputs.detach().numpy(), case["outputs"], rtol=1e-5, atol=1e-5)
    if scores is not None:
        np.testing.assert_allclose(scores.detach().numpy(), case["scores"], rtol=1e-5, atol=1e-6)
    if case["query_mask"] is not None:
        np.testing.assert_array_equal(outputs._keras_mask.numpy(), case["query_mask"])


def test_multi_head_attention_masks_come_from_the_tensors():
    case = CASES["mha_masks_scores"]
    layer = _mha_from(case)
    query, value = _t(case["query"]), _t(case["value"])
    layer.build(tuple(query.shape), tuple(value.shape))
    layer.set_weights(_weights(case))
    query._keras_mask = torch.tensor(case["query_mask"])
    value._keras_mask = torch.tensor(case["call_kwargs"]["value_mask"])
    outputs, _ = layer(query, value, return_attention_scores=True)
    np.testing.assert_allclose(outputs.detach().numpy(), case["outputs"], rtol=1e-5, atol=1e-5)


def test_multi_head_attention_functional_shapes_config_and_dropout():
    query, value = keras.Input((4, 6)), keras.Input((5, 3))
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=7, dropout=0.5, name="mha_cfg")
    outputs, scores = layer(query, value, return_attention_scores=True)
    assert tuple(outputs.shape) == (None, 4, 7) and tuple(scores.shape) == (None, 2, 4, 5)
    assert layer.count_params() == (6 * 6 + 6) + 2 * (3 * 6 + 6) + (6 * 7 + 7)
    config = layer.get_config()
    assert config["output_shape"] == [7] and config["value_dim"] == 3 and config["attention_axes"] == [1]
    clone = layers.MultiHeadAttention.from_config(config)
    assert clone.get_config() == config
    x, v = torch.randn(2, 4, 6), torch.randn(2, 5, 3)
    torch.testing.assert_close(layer(x, v), layer(x, v))  # inference: no dropout
    assert not torch.allclose(layer(x, v, training=True), layer(x, v))
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="flash attention"):
        layers.MultiHeadAttention(num_heads=1, key_dim=2, flash_attention=True, dropout=0.1)


def test_multi_head_attention_gradients_flow_to_every_weight():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    x = torch.randn(3, 5, 8)
    layer(x, x, use_causal_mask=True).square().sum().backward()
    assert all(w.grad is not None and w.grad.abs().sum() > 0 for w in layer.trainable_weights)


ATTENTION_CASES = [
    "attention_dot",
    "attention_scaled_masked",
    "attention_masked_fused",
    "attention_causal",
    "attention_concat",
    "additive_attention",
]


@pytest.mark.parametrize("name", ATTENTION_CASES)
def test_attention_layers_match_keras(name):
    case = CASES[name]
    cls = layers.AdditiveAttention if name.startswith("additive") else layers.Attention
    config = {k: v for k, v in case["config"].items() if k not in ("name", "trainable", "dtype")}
    layer = cls(**config)
    inputs = [_t(x) for x in case["inputs"]]
    layer.build([tuple(x.shape) for x in inputs])
    if case["weights"]:
        layer.set_weights(_weights(case))
    kwargs = dict(case["call_kwargs"])
    if case["masks"] is not None:
        kwargs["mask"] = [_t(m, torch.bool) for m in case["masks"]]
    out = layer(inputs, **kwargs)
    outputs, scores = out if kwargs.get("return_attention_scores") else (out, None)
    np.testing.assert_allclose(outputs.detach().numpy(), case["outputs"], rtol=1e-5, atol=1e-5)
    if scores is not None:
        np.testing.assert_allclose(scores.detach().numpy(), case["scores"], rtol=1e-5, atol=1e-6)


def test_attention_mask_propagation_and_config():
    q, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    q._keras_mask = torch.tensor([[True, False, True], [True, True, True]])
    out = layers.Attention()([q, v])
    torch.testing.assert_close(out._keras_mask, q._keras_mask)
    assert torch.all(out[0, 1] == 0)
    config = layers.AdditiveAttention(dropout=0.1).get_config()
    assert "score_mode" not in config and config["use_scale"] is True and config["dropout"] == 0.1
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(q)
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="bad")


def _attention_model():
    inputs = keras.Input((4, 6))
    h = layers.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")(inputs, inputs)
    h = layers.LayerNormalization(name="ln")(h)
    return keras.Model(inputs, layers.Dense(3, name="dense")(h))


def test_self_attention_model_matches_keras():
    case = CASES["attention_model"]
    model = _attention_model()
    model.set_weights(_weights(case))
    np.testing.assert_allclose(
        model.predict(np.array(case["inputs"], dtype="float32"), verbose=0), case["outputs"], rtol=1e-5, atol=1e-5
    )
