"""Layers take the configs tf.keras 2 writes: each Keras 2-only key is accepted (ignored or converted) and the layer
computes what the same layer made from Keras 3's config computes.

The configs are trimmed from tf-keras 2.17's `get_config()` / `model.to_json()` output (keys kerasish fills with
defaults left out); whole files written by tf.keras 2 are covered by tests/saving/test_keras_files_conformance.py.
"""

import json

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers


def _same_weights(layer, twin, x):
    """Builds `layer` and `twin` on `x`, copies `layer`'s weights (seeded values) into both, returns both outputs."""
    layer(x), twin(x)
    rng = np.random.default_rng(0)
    weights = [rng.uniform(0.2, 0.8, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    twin.set_weights(weights)
    return layer(x), twin(x)


# ---- normalization --------------------------------------------------------------------------------------------


def test_batch_normalization_takes_a_one_element_axis_list():
    layer = layers.BatchNormalization.from_config({"name": "bn", "axis": [3], "epsilon": 0.5})
    assert layer.axis == 3 and layer.get_config()["axis"] == 3
    x = torch.arange(24, dtype=torch.float32).reshape(2, 2, 2, 3)
    layer.build(x.shape)
    gamma, beta, mean, variance = ([1.0, 2.0, 3.0], [0.0, 1.0, -1.0], [1.0, 0.0, 2.0], [3.5, 1.5, 0.5])
    layer.set_weights([np.float32(v) for v in (gamma, beta, mean, variance)])
    # Inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta on the last axis, by hand.
    expected = (x - torch.tensor(mean)) / torch.tensor([2.0, 1.4142135, 1.0]) * torch.tensor(gamma)
    expected = expected + torch.tensor(beta)
    torch.testing.assert_close(layer(x), expected)


def test_batch_normalization_rejects_several_axes():
    with pytest.raises(ValueError, match=r"one-element list.*axis=\[1, 2\]"):
        layers.BatchNormalization(axis=[1, 2])


def test_layer_normalization_takes_a_one_element_axis_list():
    layer = layers.LayerNormalization.from_config({"name": "ln", "axis": [2], "epsilon": 0.0})
    x = torch.tensor([[[1.0, 3.0], [0.0, 4.0]]])
    # Per position: (x - mean) / std over the last axis, with gamma 1 and beta 0 => -1, +1.
    torch.testing.assert_close(layer(x), torch.tensor([[[-1.0, 1.0], [-1.0, 1.0]]]))


# ---- recurrent ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_recurrent_layers_take_time_major_false(cls):
    keras2 = {"name": "rnn", "units": 2, "return_sequences": True, "time_major": False}
    if cls is not layers.SimpleRNN:
        keras2["implementation"] = 2  # tf.keras 2 writes it for LSTM and GRU
    layer = cls.from_config(keras2)
    assert "time_major" not in layer.get_config()
    x = torch.linspace(-1, 1, 2 * 3 * 4).reshape(2, 3, 4)
    ours, twin = _same_weights(layer, cls(2, return_sequences=True), x)
    torch.testing.assert_close(ours, twin)


@pytest.mark.parametrize("cls", [layers.LSTM, layers.GRU, layers.SimpleRNN])
def test_recurrent_layers_reject_time_major_true(cls):
    with pytest.raises(ValueError, match="time_major=True"):
        cls.from_config({"units": 2, "time_major": True})


# ---- attention ------------------------------------------------------------------------------------------------


def test_multi_head_attention_builds_from_keras2_shapes():
    layer = layers.MultiHeadAttention.from_config(
        {
            "num_heads": 2,
            "key_dim": 3,
            "query_shape": [None, 4, 6],
            "key_shape": [None, 5, 7],
            "value_shape": [None, 5, 8],
        }
    )
    assert layer.built
    assert tuple(layer.query_dense.kernel.shape) == (6, 2, 3)
    assert tuple(layer.key_dense.kernel.shape) == (7, 2, 3)
    assert tuple(layer.value_dense.kernel.shape) == (8, 2, 3)
    assert tuple(layer.output_dense.kernel.shape) == (2, 3, 6)
    assert "query_shape" not in layer.get_config()


def test_multi_head_attention_from_keras2_shapes_computes_as_built_on_call():
    # tf.keras 2 writes key_shape equal to value_shape when no key is passed; Keras 3 records no key then.
    layer = layers.MultiHeadAttention.from_config(
        {
            "num_heads": 2,
            "key_dim": 3,
            "query_shape": [None, 4, 6],
            "key_shape": [None, 5, 6],
            "value_shape": [None, 5, 6],
        }
    )
    assert layer.get_build_config() == {"shapes_dict": {"query_shape": [None, 4, 6], "value_shape": [None, 5, 6]}}
    twin = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    query, value = torch.linspace(-1, 1, 48).reshape(2, 4, 6), torch.linspace(1, -1, 60).reshape(2, 5, 6)
    twin(query, value)
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-0.5, 0.5, size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    twin.set_weights(weights)
    torch.testing.assert_close(layer(query, value), twin(query, value))


# ---- convolutions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cls,args",
    [
        (layers.DepthwiseConv2D, {"kernel_size": 2}),
        (layers.SeparableConv2D, {"filters": 3, "kernel_size": 2}),
        (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 2}),
        (layers.DepthwiseConv1D, {"kernel_size": 2}),
        (layers.SeparableConv1D, {"filters": 3, "kernel_size": 2}),
        (layers.Conv1DTranspose, {"filters": 3, "kernel_size": 2}),
    ],
)
def test_convolutions_take_groups_one(cls, args):
    layer = cls.from_config({**args, "groups": 1})
    assert "groups" not in layer.get_config()
    rank = 1 if "1D" in cls.__name__ else 2
    x = torch.linspace(-1, 1, 2 * 4**rank * 2).reshape(2, *(4,) * rank, 2)
    ours, twin = _same_weights(layer, cls(**args), x)
    torch.testing.assert_close(ours, twin)


def test_convolutions_reject_other_groups():
    with pytest.raises(ValueError, match="groups=2"):
        layers.DepthwiseConv2D.from_config({"kernel_size": 2, "groups": 2})


def test_separable_conv_ignores_keras2_kernel_arguments():
    # tf.keras 2's SeparableConv2D writes its Conv base's kernel_* arguments and never uses them.
    layer = layers.SeparableConv2D.from_config(
        {
            "filters": 3,
            "kernel_size": 2,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {}},
            "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.5}},
            "kernel_constraint": None,
        }
    )
    layer(torch.ones(1, 3, 3, 2))
    assert "kernel_regularizer" not in layer.get_config()
    assert layer.losses == []


# ---- regularization -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [layers.SpatialDropout1D, layers.SpatialDropout2D, layers.SpatialDropout3D])
def test_spatial_dropout_takes_keras2_dropout_keys(cls):
    layer = cls.from_config(
        {"name": "sd", "trainable": True, "dtype": "float32", "rate": 0.2, "noise_shape": None, "seed": None}
    )
    assert layer.rate == 0.2 and "noise_shape" not in layer.get_config()


# ---- functional configs ---------------------------------------------------------------------------------------

# tf.keras 2's `to_json()` of: x, y = Input((3, 4)), Input((5, 4)); z = MultiHeadAttention(1, 2)(x, y) (y is written
# into the node's kwargs as a [layer, node, tensor] list); inner = Model(Input((4,)), Dense(4)) called twice on the
# pooled z (tf.keras 2 numbers inner's nodes from 1).
_KERAS2_FUNCTIONAL = {
    "class_name": "Functional",
    "config": {
        "name": "m",
        "layers": [
            {
                "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, 3, 4], "name": "x"},
                "name": "x",
                "inbound_nodes": [],
            },
            {
                "class_name": "InputLayer",
                "config": {"batch_input_shape": [None, 5, 4], "name": "y"},
                "name": "y",
                "inbound_nodes": [],
            },
            {
                "class_name": "MultiHeadAttention",
                "config": {
                    "name": "mha",
                    "num_heads": 1,
                    "key_dim": 2,
                    "query_shape": [None, 3, 4],
                    "key_shape": [None, 5, 4],
                    "value_shape": [None, 5, 4],
                },
                "name": "mha",
                "inbound_nodes": [[["x", 0, 0, {"value": ["y", 0, 0]}]]],
            },
            {
                "class_name": "GlobalAveragePooling1D",
                "config": {"name": "pool"},
                "name": "pool",
                "inbound_nodes": [[["mha", 0, 0, {}]]],
            },
            {
                "class_name": "Functional",
                "config": {
                    "name": "inner",
                    "layers": [
                        {
                            "class_name": "InputLayer",
                            "config": {"batch_input_shape": [None, 4], "name": "i"},
                            "name": "i",
                            "inbound_nodes": [],
                        },
                        {
                            "class_name": "Dense",
                            "config": {"name": "d", "units": 4},
                            "name": "d",
                            "inbound_nodes": [[["i", 0, 0, {}]]],
                        },
                    ],
                    "input_layers": [["i", 0, 0]],
                    "output_layers": [["d", 0, 0]],
                },
                "name": "inner",
                "inbound_nodes": [[["pool", 0, 0, {}]], [["inner", 1, 0, {}]]],
            },
        ],
        "input_layers": [["x", 0, 0], ["y", 0, 0]],
        "output_layers": [["inner", 2, 0]],
    },
}


def _twin():
    x, y = keras.Input((3, 4), name="x"), keras.Input((5, 4), name="y")
    z = layers.MultiHeadAttention(num_heads=1, key_dim=2, name="mha")(x, y)
    i = keras.Input((4,), name="i")
    inner = keras.Model(i, layers.Dense(4, name="d")(i), name="inner")
    return keras.Model([x, y], inner(inner(layers.GlobalAveragePooling1D(name="pool")(z))), name="m")


def test_functional_config_reads_keras2_tensors_in_kwargs_and_nested_model_nodes():
    model = keras.models.model_from_json(json.dumps(_KERAS2_FUNCTIONAL))
    twin = _twin()
    assert [layer.name for layer in model.layers] == [layer.name for layer in twin.layers]
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-0.5, 0.5, size=w.shape).astype("float32") for w in twin.get_weights()]
    model.set_weights(weights)
    twin.set_weights(weights)
    x, y = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 5, 4)).astype("float32")
    np.testing.assert_allclose(model.predict([x, y], verbose=0), twin.predict([x, y], verbose=0), rtol=1e-6)
    # The value really came from `y`: other values give another output.
    assert not np.allclose(model.predict([x, y], verbose=0), model.predict([x, y + 1], verbose=0))
