"""get_config/from_config round trips of the core layers, through JSON, and Keras 3 configs they accept."""

import json

import pytest

import kerasish as keras
from kerasish import layers


def _round_trip(layer):
    return layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))


CORE_LAYERS = {
    "dense": lambda: layers.Dense(
        3,
        activation="relu",
        use_bias=False,
        kernel_initializer="he_normal",
        kernel_regularizer=keras.regularizers.L2(0.01),
        kernel_constraint="max_norm",
        activity_regularizer="l1",
        name="dense_cfg",
    ),
    "dense_keras2_input_shape": lambda: layers.Dense(2, input_shape=(4,), trainable=False),
    "embedding": lambda: layers.Embedding(5, 2, mask_zero=True, embeddings_initializer="ones"),
    "embedding_input_length": lambda: layers.Embedding(7, 3, input_length=4),
    "dropout": lambda: layers.Dropout(0.3, noise_shape=(None, 1), seed=3),
    "flatten": lambda: layers.Flatten(data_format="channels_first"),
    "reshape": lambda: layers.Reshape((2, -1)),
    "activation": lambda: layers.Activation("tanh"),
    "add": lambda: layers.Add(),
    "concatenate": lambda: layers.Concatenate(axis=1),
    "input_layer": lambda: layers.InputLayer(shape=(3,), dtype="int32", name="ids"),
}


@pytest.mark.parametrize("kind", sorted(CORE_LAYERS))
def test_config_round_trip(kind):
    layer = CORE_LAYERS[kind]()
    rebuilt = _round_trip(layer)
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == layer.get_config()


def test_dense_config_has_keras_keys_and_serialized_objects():
    config = CORE_LAYERS["dense"]().get_config()
    assert config["units"] == 3 and config["activation"] == "relu" and config["use_bias"] is False
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["kernel_regularizer"]["config"]["l2"] == pytest.approx(0.01)
    assert config["kernel_constraint"]["class_name"] == "MaxNorm"
    assert config["activity_regularizer"]["class_name"] == "L1"


def test_built_layer_rebuilds_from_its_build_config():
    layer = layers.Dense(2)
    layer.build((None, 5))
    rebuilt = _round_trip(layer)
    assert rebuilt.built and [tuple(w.shape) for w in rebuilt.weights] == [(5, 2), (2,)]


def test_keras3_dense_config_with_dtype_policy_and_quantization_config():
    """A Dense entry exactly as Keras 3.15's `to_json()` writes it."""
    config = {
        "module": "keras.layers",
        "class_name": "Dense",
        "registered_name": None,
        "config": {
            "name": "k3",
            "trainable": True,
            "dtype": {
                "module": "keras",
                "class_name": "DTypePolicy",
                "config": {"name": "float32"},
                "registered_name": None,
            },
            "units": 4,
            "activation": "tanh",
            "use_bias": True,
            "kernel_initializer": {
                "module": "keras.initializers",
                "class_name": "GlorotUniform",
                "config": {"seed": None},
                "registered_name": None,
            },
            "bias_initializer": {
                "module": "keras.initializers",
                "class_name": "Zeros",
                "config": {},
                "registered_name": None,
            },
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
            "quantization_config": None,
        },
        "build_config": {"input_shape": [None, 3]},
    }
    layer = layers.deserialize(config)
    assert layer.name == "k3" and layer.units == 4 and layer.dtype == "float32"
    assert layer.built and tuple(layer.kernel.shape) == (3, 4)
