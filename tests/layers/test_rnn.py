"""Recurrent layers against Keras 3 (tests/fixtures/layers_rnn/rnn_fixtures.json, written by
tests/fixtures/layers_rnn/make_rnn_fixtures.py with Keras 3.15, JAX backend), plus their fused kernels against
their step loops, masking, state, dropout and gradients."""

import json
import os
import types

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers as L
from kerasish.layers.rnn.rnn import cell_property_names
from kerasish.utils import tree

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_rnn", "rnn_fixtures.json")
with open(FIXTURES) as _f:
    CASES = {case["name"]: case for case in json.load(_f)["cases"]}

RIGHT_PADDED = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=torch.bool)
WITH_GAPS = torch.tensor([[1, 0, 1, 1, 0], [1, 1, 0, 1, 1], [1, 1, 1, 1, 1]], dtype=torch.bool)


class MinimalRNNCell(L.Layer):
    """The user cell of Keras's RNN documentation (the fixture script defines the same)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        output = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _run_case(case):
    """Rebuilds the case's layers from Keras's configs, sets Keras's weights, runs the chain."""
    x = torch.tensor(case["inputs"], dtype=torch.float32)
    mask = torch.tensor(case["mask"], dtype=torch.bool) if case["mask"] is not None else None
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = mask
    if case["initial_state"] is not None:
        kwargs["initial_state"] = [torch.tensor(s, dtype=torch.float32) for s in case["initial_state"]]
    y = x
    for i, (config, weights) in enumerate(zip(case["layers"], case["weights"])):
        layer = L.deserialize(config, custom_objects={"MinimalRNNCell": MinimalRNNCell})
        layer.set_weights([np.asarray(w, dtype=np.float32) for w in weights])
        layer_kwargs = kwargs if i == 0 else {k: v for k, v in kwargs.items() if k == "mask"}
        y = layer(y, **(layer_kwargs if isinstance(layer, (L.RNN, L.Bidirectional)) else {}))
    return tree.flatten(y)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_keras(name):
    case = CASES[name]
    outputs = _run_case(case)
    assert len(outputs) == len(case["outputs"])
    for got, expected in zip(outputs, case["outputs"]):
        np.testing.assert_allclose(got.detach().numpy(), np.asarray(expected), atol=2e-6, rtol=0)


def _loop_twin(layer):
    """A copy of `layer` with the same weights that always runs the generic step loop."""
    twin = L.deserialize(L.serialize(layer))
    twin.set_weights(layer.get_weights())
    twin.inner_loop = types.MethodType(L.RNN.inner_loop, twin)
    return twin


@pytest.mark.parametrize("cls", [L.LSTM, L.GRU, L.SimpleRNN])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("mask", [None, RIGHT_PADDED], ids=["nomask", "mask"])
def test_fused_kernel_equals_step_loop(cls, go_backwards, mask):
    torch.manual_seed(0)
    x = torch.randn(3, 5, 4)
    for zero_output in (False, True):
        layer = cls(6, return_sequences=True, return_state=True, go_backwards=go_backwards)
        layer(x)
        twin = _loop_twin(layer)
        layer.zero_output_for_mask = twin.zero_output_for_mask = zero_output
        for got, expected in zip(layer(x, mask=mask), twin(x, mask=mask)):
            torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)


def test_fused_path_is_taken_and_gradients_match_the_loop(monkeypatch):
    torch.manual_seed(0)
    x = torch.randn(3, 5, 4)
    layer = L.LSTM(6, return_sequences=True)
    layer(x)
    twin = _loop_twin(layer)
    (twin(x, mask=RIGHT_PADDED) ** 2).sum().backward()
    loop_calls = []
    step_loop = L.RNN.inner_loop
    monkeypatch.setattr(L.RNN, "inner_loop", lambda self, *args: loop_calls.append(self) or step_loop(self, *args))
    (layer(x, mask=RIGHT_PADDED) ** 2).sum().backward()
    assert not loop_calls
    layer(x, mask=WITH_GAPS)  # not right-padded: the step loop
    assert loop_calls == [layer]
    for w, w_twin in zip(layer.trainable_weights, twin.trainable_weights):
        assert w.grad is not None and float(w.grad.abs().sum()) > 0
        torch.testing.assert_close(w.grad, w_twin.grad, atol=1e-5, rtol=1e-5)


def test_mask_semantics_by_hand():
    """Masked steps keep the state and repeat the previous output (zeros before any step)."""
    layer = L.SimpleRNN(1, activation=None, use_bias=False, return_sequences=True, return_state=True)
    layer.build((1, 4, 1))
    layer.set_weights([np.array([[1.0]]), np.array([[1.0]])])  # h = x + h_prev: a running sum
    x = torch.tensor([[[1.0], [2.0], [4.0], [8.0]]])
    mask = torch.tensor([[False, True, False, True]])
    sequence, state = layer(x, mask=mask)
    assert sequence.flatten().tolist() == [0.0, 2.0, 2.0, 10.0]
    assert state.flatten().tolist() == [10.0]
    layer.zero_output_for_mask = True
    assert layer(x, mask=mask)[0].flatten().tolist() == [0.0, 2.0, 0.0, 10.0]


def test_stateful_carries_states_across_calls():
    torch.manual_seed(0)
    x = torch.randn(2, 6, 3)
    stateful = L.LSTM(4, stateful=True, return_state=True)
    stateful(x[:, :3])
    stateful.reset_states()
    plain = L.LSTM(4, return_state=True)
    plain(x)
    plain.set_weights(stateful.get_weights())
    first = stateful(x[:, :3])
    second = stateful(x[:, 3:])
    whole = plain(x)
    for got, expected in zip(second, whole):
        torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)
    torch.testing.assert_close(stateful.states[0], whole[1], atol=1e-6, rtol=0)
    stateful.reset_state()
    torch.testing.assert_close(stateful(x[:, :3])[0], first[0])
    with pytest.raises(ValueError, match="batch size"):
        stateful(x[:1, :3])


def test_initial_state_and_go_backwards_against_plain_torch():
    torch.manual_seed(0)
    x, h0, c0 = torch.randn(2, 5, 3), torch.randn(2, 4), torch.randn(2, 4)
    layer = L.LSTM(4, return_sequences=True, return_state=True, go_backwards=True)
    layer(x)
    reference = torch.nn.LSTM(3, 4, batch_first=True)
    kernel, recurrent_kernel, bias = (torch.as_tensor(w) for w in layer.get_weights())
    with torch.no_grad():
        reference.weight_ih_l0.copy_(kernel.T)
        reference.weight_hh_l0.copy_(recurrent_kernel.T)
        reference.bias_ih_l0.copy_(bias)
        reference.bias_hh_l0.zero_()
    expected, (h, c) = reference(x.flip(1), (h0[None], c0[None]))
    sequence, h_got, c_got = layer(x, initial_state=[h0, c0])
    torch.testing.assert_close(sequence, expected)
    torch.testing.assert_close(h_got, h[0])
    torch.testing.assert_close(c_got, c[0])


def test_gru_weights_layout():
    after, before = L.GRU(5), L.GRU(5, reset_after=False)
    after.build((None, 7, 3))
    before.build((None, 7, 3))
    assert [tuple(w.shape) for w in after.get_weights()] == [(3, 15), (5, 15), (2, 15)]
    assert [tuple(w.shape) for w in before.get_weights()] == [(3, 15), (5, 15), (15,)]
    assert [name.split("/")[-1] for name in after._weight_names()] == ["kernel", "recurrent_kernel", "bias"]
    lstm = L.LSTM(2)
    lstm.build((None, 4, 3))
    np.testing.assert_array_equal(lstm.get_weights()[2], [0, 0, 1, 1, 0, 0, 0, 0])  # unit_forget_bias


def test_dropout_masks_are_fixed_across_steps_and_only_in_training():
    torch.manual_seed(0)
    x = torch.ones(4, 6, 5)
    layer = L.SimpleRNN(3, dropout=0.5, recurrent_dropout=0.5, seed=1, return_sequences=True)
    inference = layer(x)
    torch.testing.assert_close(layer(x, training=False), inference)
    trained = layer(x, training=True)
    assert not torch.allclose(trained, inference)
    cell = layer.cell  # one mask per sequence, reused at every step
    first = cell.get_dropout_mask(x[:, 0])
    assert cell.get_dropout_mask(x[:, 1]) is first
    assert set(torch.unique(first).tolist()) <= {0.0, 2.0}
    cell.reset_dropout_mask()
    lstm = L.LSTM(3, dropout=0.3, recurrent_dropout=0.3, seed=2)
    y = lstm(x, training=True)
    (y.sum()).backward()
    assert lstm.cell.kernel.grad is not None
    assert lstm.cell._dropout_mask is None  # reset after the call


def test_use_cudnn_true_rejects_unsupported_configuration():
    layer = L.GRU(3, reset_after=False, use_cudnn=True)
    with pytest.raises(ValueError, match="use_cudnn=True"):
        layer(torch.ones(2, 4, 3))
    with pytest.raises(ValueError, match="use_cudnn"):
        L.LSTM(3, use_cudnn="yes")


def test_compute_mask_and_output_shapes():
    layer = L.LSTM(4, return_sequences=True, return_state=True)
    assert layer.compute_mask(None, RIGHT_PADDED)[0] is RIGHT_PADDED
    assert layer.compute_mask(None, RIGHT_PADDED)[1:] == [None, None]
    assert L.GRU(2).compute_mask(None, RIGHT_PADDED) is None
    assert layer.compute_output_shape((None, 7, 3)) == ((None, 7, 4), (None, 4), (None, 4))
    bidirectional = L.Bidirectional(L.LSTM(4, return_sequences=True))
    assert bidirectional.compute_output_shape((None, 7, 3)) == (None, 7, 8)
    assert L.TimeDistributed(L.Dense(5)).compute_output_shape((None, 7, 3)) == (None, 7, 5)


def test_functional_model_and_fit():
    inputs = keras.Input((5, 4))
    hidden = L.Bidirectional(L.LSTM(3, return_sequences=True))(inputs)
    outputs = L.Dense(1)(L.GRU(2)(hidden))
    model = keras.Model(inputs, outputs)
    assert outputs.shape == (None, 1)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((16, 5, 4)).astype("float32")
    before = model.get_weights()
    model.fit(x, x[:, 0, :1], epochs=1, batch_size=8, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_configs_round_trip_with_keras_keys():
    layer = L.Bidirectional(L.GRU(3, return_sequences=True, reset_after=False), merge_mode="sum")
    config = layer.get_config()
    assert config["layer"]["config"]["name"] == "forward_" + config["layer"]["config"]["name"][len("forward_") :]
    assert config["backward_layer"]["config"]["go_backwards"] is True
    assert set(CASES["gru"]["layers"][0]["config"]) == set(L.GRU(3).get_config())
    assert set(CASES["lstm"]["layers"][0]["config"]) == set(L.LSTM(3).get_config())
    assert set(CASES["simple_rnn"]["layers"][0]["config"]) == set(L.SimpleRNN(3).get_config())
    rebuilt = L.Bidirectional.from_config(config)
    assert rebuilt.merge_mode == "sum" and rebuilt.backward_layer.reset_after is False
    stacked = L.RNN([L.LSTMCell(3), L.GRUCell(2)])
    clone = L.RNN.from_config(stacked.get_config())
    assert [type(c).__name__ for c in clone.cell.cells] == ["LSTMCell", "GRUCell"]


@pytest.mark.parametrize(
    "name, layer",
    [
        ("lstm", L.LSTM(3, activation="relu", unit_forget_bias=False, kernel_regularizer="l2", dropout=0.25, seed=7)),
        ("gru", L.GRU(2, reset_after=False, recurrent_dropout=0.5, bias_constraint="non_neg", seed=11)),
        ("simple_rnn", L.SimpleRNN(4, activation=None, use_bias=False, recurrent_initializer="zeros")),
    ],
)
def test_layers_that_make_their_cell_write_its_arguments_from_the_cell_property_list(name, layer):
    keras_keys = list(CASES[name]["layers"][0]["config"])
    cell_config = layer.cell.get_config()
    names = cell_property_names(type(layer))
    # One list, in Keras's order, of the cell's arguments the layer takes; their values are the cell's.
    assert names == [key for key in keras_keys if key in cell_config and key not in ("name", "trainable", "dtype")]
    config = layer.get_config()
    assert "cell" not in config and {key: config[key] for key in names} == {key: cell_config[key] for key in names}
    assert [getattr(layer, key) for key in names] == [getattr(layer.cell, key) for key in names]
    rebuilt = type(layer).from_config(config)
    assert rebuilt.get_config() == config and type(rebuilt.cell) is type(layer.cell)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="units"):
        L.LSTM(0)
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="initial state"):
        L.LSTM(2)(torch.ones(1, 3, 2), initial_state=[torch.zeros(1, 2)])
    with pytest.raises(ValueError, match="state_size"):
        L.RNN(L.Dense(2))


def test_embedding_mask_reaches_the_recurrent_layers():
    ids = torch.tensor([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 0, 0, 0, 0]])
    embedding = L.Embedding(10, 4, mask_zero=True)
    lstm = L.LSTM(3, return_sequences=True)
    bidirectional = L.Bidirectional(L.GRU(2))
    model = keras.Sequential([embedding, lstm, bidirectional])
    got = model(ids)
    vectors = embedding(ids)
    expected = bidirectional(lstm(vectors, mask=ids != 0), mask=ids != 0)
    torch.testing.assert_close(got, expected)
    assert not torch.allclose(got, bidirectional(lstm(vectors.detach())))  # the mask did change the result


def test_inference_weights_follow_weight_updates():
    torch.manual_seed(0)
    x = torch.randn(2, 4, 3)
    layer = L.GRU(3, return_sequences=True)
    layer(x)
    with torch.inference_mode():
        before = layer(x)
        torch.testing.assert_close(layer(x), before)
        weights = layer.get_weights()
        layer.set_weights([w * 0.5 for w in weights])
        after = layer(x)
    assert not torch.allclose(after, before)
    twin = _loop_twin(layer)
    torch.testing.assert_close(after, twin(x), atol=1e-6, rtol=0)
    gradient_call = layer(x)  # grad mode: fresh weights in the graph
    gradient_call.sum().backward()
    assert layer.cell.kernel.grad is not None


def test_weights_share_one_buffer_in_torch_layout_after_moves_and_copies():
    import copy

    from kerasish.layers.rnn.fused_rnn import _in_one_buffer

    torch.manual_seed(0)
    x = torch.randn(2, 4, 3)
    layer = L.LSTM(5, return_sequences=True)
    expected = layer(x)
    assert layer.cell.kernel.shape == (3, 20) and _in_one_buffer(layer.cell.torch_weights())
    layer.to(torch.float64)
    assert _in_one_buffer(layer.cell.torch_weights())
    torch.testing.assert_close(layer(x.double()).float(), expected)
    clone = copy.deepcopy(layer).to(torch.float32)
    torch.testing.assert_close(clone(x), expected)
    optimizer = torch.optim.SGD(clone.parameters(), lr=0.1)
    clone(x).sum().backward()
    optimizer.step()
    assert _in_one_buffer(clone.cell.torch_weights())
    assert not torch.allclose(clone(x), expected)
