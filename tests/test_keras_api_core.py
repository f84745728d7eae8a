"""Keras 3's top-level names: Variable, the scopes, Operation/Function, device, config, dtype policies, KerasTensor
operators and the utils packing helpers. Reference values in tests/fixtures/keras_api/keras_api.json come from real
Keras 3.15 (tests/fixtures/keras_api/make_keras_api_fixtures.py)."""

from __future__ import annotations

import json
import pathlib
import warnings

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import dtype_policies as dp

FIXTURES = json.loads((pathlib.Path(__file__).parent / "fixtures" / "keras_api" / "keras_api.json").read_text())


@pytest.fixture(autouse=True)
def _restore_config():
    yield
    keras.config.enable_flash_attention()
    keras.config.set_max_epochs(None)
    keras.config.set_max_steps_per_epoch(None)
    keras.config.set_dtype_policy(None)


# ---- Variable and name_scope ------------------------------------------------------------------------------------


def test_variable_takes_keras_arguments():
    ref = FIXTURES["variables"]
    v = keras.Variable(np.ones((2, 3)), name="v")
    assert [keras.config.dtype_name(v.dtype), v.name, v.path, v.trainable, list(v.shape)] == ref["numpy_float64"]
    v = keras.Variable(1.5)
    assert [keras.config.dtype_name(v.dtype), list(v.shape)] == ref["python_float"]
    v = keras.Variable("ones", shape=(2,), dtype="int32", trainable=False)
    assert [keras.config.dtype_name(v.dtype), v.numpy().tolist(), v.trainable] == ref["named_initializer"]
    v = keras.Variable(keras.initializers.Constant(3.0), shape=(2, 2))
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 3.0))
    assert isinstance(v, torch.nn.Parameter) and v.requires_grad


def test_variable_errors_name_what_is_wrong():
    with pytest.raises(ValueError, match="`shape` argument should be specified"):
        keras.Variable("zeros")
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape=\(2,\)"):
        keras.Variable(np.ones(3), shape=(2,))


def test_name_scope_prefixes_variable_and_weight_paths():
    ref = FIXTURES["variables"]
    with keras.name_scope("outer"):
        with keras.name_scope("inner"):
            assert keras.Variable(1.0, name="w").path == ref["scoped_path"]
        with keras.name_scope("outer"):
            assert keras.Variable(1.0, name="w").path == ref["deduplicated_path"]
        with keras.name_scope("x", override_parent="top"):
            assert keras.Variable(1.0, name="w").path == ref["override_path"]
        dense = keras.layers.Dense(2, name="d")
        dense.build((None, 3))
    assert dense.kernel.path == "outer/d/kernel"
    caller = object()
    with keras.name_scope("block", caller=caller):
        with keras.name_scope("block", caller=caller):
            assert keras.Variable(1.0, name="w").path == "block/w"
    with pytest.raises(ValueError, match="cannot contain character"):
        keras.name_scope("a/b")


# ---- scopes -------------------------------------------------------------------------------------------------------


def test_stateless_scope_computes_with_given_values_and_restores_the_variables():
    layer = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    layer.build((None, 2))
    x = torch.tensor([[1.0, 2.0]])
    with keras.StatelessScope([(layer.kernel, torch.full((2, 1), 10.0))]) as scope:
        assert layer(x).item() == 30.0
        layer.kernel.assign(torch.full((2, 1), 5.0))
    assert layer(x).item() == 3.0  # the variable's own value is back
    np.testing.assert_array_equal(scope.get_current_value(layer.kernel).numpy(), np.full((2, 1), 5.0))
    with pytest.raises(ValueError, match=r"shape \(3,\); expected \(2, 1\)"):
        with keras.StatelessScope([(layer.kernel, torch.zeros(3))]):
            pass


def test_symbolic_scope_skips_metric_updates_in_call():
    class Tracked(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seen = keras.metrics.Mean(name="seen")

        def call(self, x):
            self.seen.update_state(x)
            return x * 2

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Tracked()(inputs))  # the symbolic build runs `call` on probe tensors
    layer = model.layers[1]
    assert float(layer.seen.count) == 0.0
    model.predict(np.full((4, 3), 2.0, "float32"), verbose=0)
    assert float(layer.seen.result()) == 2.0
    with keras.SymbolicScope():
        keras.Variable(1.0).assign(5.0)  # assignments are skipped while tracing


def test_metric_updates_never_join_the_gradient_graph():
    metric = keras.metrics.Mean()
    loss = (torch.ones(3, requires_grad=True) * 2).sum()
    metric.update_state(loss)
    assert all(v.grad_fn is None for v in metric.variables)


def test_remat_scope_recomputes_the_forward_in_backward():
    with keras.RematScope("full"):
        dense = keras.layers.Dense(4, activation="relu")
    with keras.RematScope("list_of_layers", layer_names=["keep"]):
        named, other = keras.layers.Dense(2, name="keep"), keras.layers.Dense(2, name="skip")
    calls = []
    for layer in (dense, named, other):
        original = layer.call
        layer.call = lambda *a, _o=original, _n=layer.name, **k: calls.append(_n) or _o(*a, **k)
    x = torch.ones(2, 3, requires_grad=True)
    for layer in (dense, named, other):
        layer(x).sum().backward()
    assert calls.count(dense.name) == 2 and calls.count("keep") == 2 and calls.count("skip") == 1
    reference = keras.layers.Dense(4, activation="relu")
    reference.build((None, 3))
    reference.set_weights(dense.get_weights())
    x.grad = None
    dense(x).sum().backward()
    expected = torch.autograd.grad(reference(x).sum(), x)[0]
    torch.testing.assert_close(x.grad, expected)
    with pytest.raises(ValueError, match="mode"):
        keras.RematScope("sometimes")


def test_remat_function_gives_the_same_gradients():
    w = torch.randn(3, 3, requires_grad=True)

    def f(x):
        return torch.tanh(x @ w).sum()

    x = torch.randn(4, 3)
    (g1,) = torch.autograd.grad(keras.remat(f)(x), w)
    (g2,) = torch.autograd.grad(f(x), w)
    torch.testing.assert_close(g1, g2)


# ---- device, version, Operation, Function ------------------------------------------------------------------------


def test_device_scope_places_new_tensors():
    with keras.device("meta"):
        assert keras.ops.ones((2,)).device.type == "meta"
    with keras.device("cpu:0"):
        assert keras.ops.zeros((1,)).device.type == "cpu"
    with pytest.raises(ValueError, match="unknown device"):
        with keras.device("tpu:0"):
            pass


def test_version_is_the_package_version():
    assert keras.version() == keras.__version__


def test_operation_subclass_runs_eagerly_and_symbolically():
    class Double(keras.Operation):
        def call(self, x):
            return x * 2

        def compute_output_spec(self, x):
            return keras.KerasTensor(x.shape, dtype=x.dtype)

    op = Double()
    np.testing.assert_array_equal(op(torch.ones(2)).numpy(), [2.0, 2.0])
    symbolic = op(keras.Input((3,)))
    assert isinstance(symbolic, keras.KerasTensor) and symbolic.shape == (None, 3)


def test_function_runs_its_graph():
    inputs = keras.Input((3,))
    function = keras.Function(inputs, keras.ops.sum(inputs * 2 + 1, axis=-1))
    np.testing.assert_allclose(function(np.ones((2, 3), "float32")).numpy(), [9.0, 9.0])
    assert [type(op).__name__ for op in function.operations] == ["InputLayer", "Multiply", "Add", "Sum"]
    assert function(keras.Input((3,))).shape == (None,)


# ---- KerasTensor operators ----------------------------------------------------------------------------------------


def test_keras_tensor_operators_match_keras():
    ref = FIXTURES["operators"]
    inputs = keras.Input((3,))
    outputs = [
        inputs * 2 + 1 - inputs**2,
        inputs[:, 0:2] @ np.ones((2, 2), "float32"),
        inputs > 0.5,
        -inputs,
        abs(inputs),
        inputs[..., None],
        1.0 / (inputs + 3.0),
        inputs // 2,
        inputs % 2,
    ]
    model = keras.Model(inputs, outputs)
    assert [list(t.shape) for t in model.outputs] == ref["shapes"]
    x = np.array(ref["x"], "float32")
    for ours, theirs in zip(model.predict(x, verbose=0), ref["outputs"]):
        np.testing.assert_allclose(np.asarray(ours, dtype="float64"), np.asarray(theirs, dtype="float64"), rtol=1e-6)
    config = model.get_config()
    get_item = next(layer for layer in config["layers"] if layer["class_name"] == "GetItem")
    assert json.loads(json.dumps(get_item["inbound_nodes"][0]["args"][1])) == ref["get_item_node"]
    rebuilt = keras.Model.from_config(json.loads(json.dumps(config)))
    for a, b in zip(model.predict(x, verbose=0), rebuilt.predict(x, verbose=0)):
        np.testing.assert_array_equal(a, b)


# ---- config -------------------------------------------------------------------------------------------------------


def test_config_defaults_match_keras():
    ref = FIXTURES["config"]
    assert keras.config.backend() == "torch"  # Keras answers its own backend; kerasish's is torch
    assert keras.config.is_flash_attention_enabled() is ref["flash"]
    assert keras.config.is_traceback_filtering_enabled() is ref["traceback"]
    assert keras.config.max_epochs() is ref["max_epochs"]
    assert keras.config.max_steps_per_epoch() is ref["max_steps_per_epoch"]
    assert keras.config.dtype_policy().name == ref["dtype_policy"]
    keras.config.disable_flash_attention()
    assert keras.config.is_flash_attention_enabled() is ref["flash_disabled"]
    keras.config.set_backend("torch")
    with pytest.raises(ValueError, match="torch backend only"):
        keras.config.set_backend("jax")


def test_disabling_flash_attention_keeps_sdpa_off_the_flash_kernel(monkeypatch):
    import torch.nn.attention as attention

    chosen = []
    real = attention.sdpa_kernel

    def spy(backends, *args, **kwargs):
        chosen.append(list(backends))
        return real(backends, *args, **kwargs)

    monkeypatch.setattr("kerasish.ops.sdpa.sdpa_kernel", spy)
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4)
    x = torch.randn(1, 5, 8)
    expected = layer(x, x)
    assert chosen == []  # enabled (the default): torch's own choice
    keras.config.disable_flash_attention()
    torch.testing.assert_close(layer(x, x), expected)
    assert chosen and attention.SDPBackend.FLASH_ATTENTION not in chosen[-1]


def test_max_epochs_and_steps_cap_fit():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    keras.config.set_max_epochs(2)
    keras.config.set_max_steps_per_epoch(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(np.ones((100, 3)), np.ones((100, 1)), batch_size=10, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 2 and int(model.optimizer.iterations) == 6
    assert any("Limiting epochs to 2" in str(w.message) for w in caught)


def test_set_dtype_policy_applies_to_new_layers():
    keras.config.set_dtype_policy("mixed_bfloat16")
    assert keras.layers.Dense(2).compute_dtype == "bfloat16"
    assert keras.config.dtype_policy().name == "mixed_bfloat16"


# ---- dtype policies -----------------------------------------------------------------------------------------------


def test_dtype_policy_map_matches_keras():
    ref = FIXTURES["policy_map"]
    policy_map = dp.DTypePolicyMap("mixed_float16", {"dense.*": dp.DTypePolicy("bfloat16"), "head": "float16"})
    assert (policy_map.name, policy_map.compute_dtype, policy_map.variable_dtype) == (
        ref["name"],
        ref["compute_dtype"],
        ref["variable_dtype"],
    )
    assert {key: policy_map[key].name for key in ref["lookups"]} == ref["lookups"]
    assert dp.serialize(policy_map) == ref["serialized"]
    assert dp.serialize(dp.DTypePolicy("float16")) == FIXTURES["policy_serialized"]
    rebuilt = dp.get(ref["serialized"])
    assert isinstance(rebuilt, dp.DTypePolicyMap) and rebuilt["dense_7"].name == "bfloat16"
    with pytest.raises(ValueError, match="already exist"):
        policy_map["head"] = "float32"
    policy_map["dense_x.*"] = "float32"
    with pytest.raises(ValueError, match="matches multiple"):
        policy_map["dense_x1"]


def test_a_layer_takes_its_policy_from_a_map_and_keeps_the_map_in_its_config():
    policy_map = dp.DTypePolicyMap("float32", {"head": dp.DTypePolicy("bfloat16")})
    head = keras.layers.Dense(2, name="head", dtype=policy_map)
    body = keras.layers.Dense(2, name="body", dtype=policy_map)
    assert head.compute_dtype == "bfloat16" and body.compute_dtype == "float32"
    again = keras.layers.Dense.from_config(head.get_config())
    assert again.compute_dtype == "bfloat16"
    assert isinstance(keras.FloatDTypePolicy("float16"), keras.DTypePolicy)


# ---- utils --------------------------------------------------------------------------------------------------------


def test_pack_x_y_sample_weight_matches_keras():
    ref = FIXTURES["pack"]
    pack = keras.utils.pack_x_y_sample_weight
    assert pack(1) == ref["x"]
    assert [[list(x) for x in pack((1, 2))]] == ref["x_tuple"]
    assert list(pack(1, 2)) == ref["x_y"] and list(pack(1, 2, 3)) == ref["x_y_w"]
    assert pack(1, None, 3) == ref["x_none_w"]
    assert keras.utils.unpack_x_y_sample_weight(pack((1, 2))) == ((1, 2), None, None)


def test_deserialize_keras_object_finds_any_kind_of_object():
    dense = keras.layers.Dense(3, activation="relu", name="d")
    for obj in (dense, keras.losses.Huber(delta=2.0), keras.optimizers.Adam(0.01), keras.initializers.Constant(2.0)):
        config = keras.saving.serialize_keras_object(obj)
        rebuilt = keras.utils.deserialize_keras_object(json.loads(json.dumps(config)))
        assert type(rebuilt) is type(obj) and rebuilt.get_config() == obj.get_config()
    assert keras.saving.deserialize_keras_object(
        {
            "class_name": "__tuple__",
            "config": {"value": [1, {"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": "int64"}}]},
        }
    )[1].tolist() == [1, 2]
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    rebuilt = keras.utils.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert float(rebuilt(10)) == pytest.approx(0.05)
