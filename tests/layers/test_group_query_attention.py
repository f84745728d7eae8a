"""GroupQueryAttention against Keras 3.15: weights, outputs, scores and configs recorded by
tests/fixtures/layers_extra2/make_layers_extra2_fixtures.py (Keras 3.15, TensorFlow backend), and a Keras-written
gqa_model.keras."""

import json
import os
import zipfile

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_extra2")
with open(os.path.join(HERE, "layers_extra2.json")) as f:
    CASES = json.load(f)


def _t(value):
    return None if value is None else torch.tensor(value)


@pytest.mark.parametrize("name", ["gqa_basic", "gqa_key_causal", "gqa_mask_gate_no_bias", "gqa_sliding_window"])
def test_group_query_attention_matches_keras(name):
    case = CASES[name]
    layer = layers.GroupQueryAttention(**case["args"])
    query, value, key = _t(case["query"]), _t(case["value"]), _t(case["key"])
    layer.build(tuple(query.shape), tuple(value.shape), None if key is None else tuple(key.shape))
    assert layer._weight_names() == case["weight_names"]
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    kwargs = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in case["call_kwargs"].items()}
    output, scores = layer(query, value, key=key, return_attention_scores=True, **kwargs)
    np.testing.assert_allclose(output.detach().numpy(), case["outputs"], rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(scores.detach().numpy(), case["scores"], rtol=1e-5, atol=1e-6)
    fused = layer(query, value, key=key, **kwargs)  # torch's scaled_dot_product_attention
    np.testing.assert_allclose(fused.detach().numpy(), case["fused_outputs"], rtol=1e-5, atol=2e-6)
    config = layer.get_config()
    assert {k: config[k] for k in case["config"] if k not in ("name", "dtype")} == {
        k: v for k, v in case["config"].items() if k not in ("name", "dtype")
    }
    assert layers.GroupQueryAttention.from_config(config).get_config() == config


def test_keras_written_gqa_model_loads_and_kerasish_writes_keras_names(tmp_path):
    case = CASES["gqa_model"]
    inputs = [np.array(x, dtype="float32") for x in case["inputs"]]
    model = keras.saving.load_model(os.path.join(HERE, "gqa_model.keras"))
    np.testing.assert_allclose(model.predict(inputs, verbose=0), case["outputs"], rtol=1e-5, atol=2e-6)
    path = str(tmp_path / "gqa.keras")
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    gqa = config["config"]["layers"][2]
    assert gqa["class_name"] == "GroupQueryAttention"  # the name Keras can deserialize
    assert gqa["build_config"] == {"shapes_dict": {"query_shape": [None, 3, 8], "value_shape": [None, 4, 8]}}
    np.testing.assert_allclose(keras.saving.load_model(path).predict(inputs, verbose=0), case["outputs"], rtol=1e-5)
    legacy = str(tmp_path / "gqa.h5")  # the legacy format: weights by layer, in `weights` order
    model.save(legacy)
    np.testing.assert_allclose(keras.saving.load_model(legacy).predict(inputs, verbose=0), case["outputs"], rtol=1e-5)


def test_group_query_attention_with_as_many_kv_heads_is_multi_head_attention():
    torch.manual_seed(0)
    query, value = torch.randn(2, 5, 6), torch.randn(2, 7, 6)
    mha = layers.MultiHeadAttention(num_heads=3, key_dim=4)
    gqa = layers.GroupQueryAttention(head_dim=4, num_query_heads=3, num_key_value_heads=3)
    mha(query, value)
    gqa(query, value)
    gqa.set_weights(mha.get_weights())  # the same layouts
    mask = torch.rand(2, 5, 7) > 0.3
    torch.testing.assert_close(gqa(query, value, attention_mask=mask), mha(query, value, attention_mask=mask))


def test_group_query_attention_shares_each_kv_head_within_its_group():
    torch.manual_seed(1)
    x = torch.randn(1, 4, 8)
    layer = layers.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2)
    _, scores = layer(x, x, return_attention_scores=True)
    # Query heads 0 and 1 read kv head 0; with equal query projections they attend alike.
    with torch.no_grad():
        layer._query_dense.kernel[:, 1] = layer._query_dense.kernel[:, 0]
        layer._query_dense.bias[1] = layer._query_dense.bias[0]
        layer._query_dense.kernel[:, 2] = layer._query_dense.kernel[:, 0]
        layer._query_dense.bias[2] = layer._query_dense.bias[0]
    _, scores = layer(x, x, return_attention_scores=True)
    torch.testing.assert_close(scores[:, 1], scores[:, 0])
    assert not torch.allclose(scores[:, 2], scores[:, 0])  # head 2 reads kv head 1


def test_group_query_attention_masks_from_tensors_symbolic_shapes_and_dropout():
    torch.manual_seed(2)
    layer = layers.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=1)
    query, value = torch.randn(2, 3, 4), torch.randn(2, 5, 4)
    value_mask = torch.tensor([[True, True, False, True, False], [True] * 5])
    explicit = layer(query, value, value_mask=value_mask)
    value._keras_mask = value_mask
    torch.testing.assert_close(layer(query, value), explicit)

    q, v = keras.Input((3, 4)), keras.Input((5, 4))
    out, scores = layers.GroupQueryAttention(2, 4, 2)(q, v, return_attention_scores=True)
    assert tuple(out.shape) == (None, 3, 4) and tuple(scores.shape) == (None, 4, 3, 5)

    dropped = layers.GroupQueryAttention(2, 2, 1, dropout=0.5, seed=3)
    a = dropped(query, query, training=True)
    assert not torch.allclose(a, dropped(query, query, training=False))


def test_group_query_attention_bad_arguments():
    with pytest.raises(ValueError, match="divisible"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)
    with pytest.raises(ValueError, match="sliding_window"):
        layers.GroupQueryAttention(2, 2, 1, sliding_window=0)
    with pytest.raises(ValueError, match="flash attention"):
        layers.GroupQueryAttention(2, 2, 1, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match="head_dim"):
        layers.GroupQueryAttention(0, 2, 1)
    with pytest.raises(ValueError, match="last dimension"):
        layers.GroupQueryAttention(2, 2, 1).compute_output_shape((None, 3, 4), (None, 3, 5))
