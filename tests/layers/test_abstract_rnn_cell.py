"""tf.keras's `layers.AbstractRNNCell`: user cells that subclass it run in `RNN` as in tf.keras.

The reference values come from tests/fixtures/layers_rnn/make_abstract_rnn_cell_fixtures.py (tf_keras 2.21): the
same two cells written against tf_keras, their weights, inputs, outputs and initial states.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.layers import AbstractRNNCell

FIXTURE = json.loads(
    (pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "layers_rnn" / "abstract_rnn_cell.json").read_text()
)
X = np.array(FIXTURE["x"], np.float32)


class MinimalRNNCell(AbstractRNNCell):
    def __init__(self, units, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), name="recurrent_kernel")

    def call(self, inputs, states):
        output = torch.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
        return output, output


class TwoStateCell(AbstractRNNCell):
    @property
    def state_size(self):
        return [2, 3]

    @property
    def output_size(self):
        return 4

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1] + 2 + 3, 2), name="kernel")
        self.out = self.add_weight(shape=(2 + 3, 4), name="out")

    def call(self, inputs, states):
        hidden, total = states
        hidden = torch.sigmoid(torch.cat([inputs, hidden, total], -1) @ self.kernel)
        total = total + inputs
        return torch.cat([hidden, total], -1) @ self.out, [hidden, total]


@pytest.mark.parametrize(("name", "make"), [("minimal", lambda: MinimalRNNCell(4)), ("two_state", TwoStateCell)])
def test_subclass_cells_run_in_rnn_as_tf_keras(name, make):
    case = FIXTURE["cases"][name]
    cell = make()
    layer = keras.layers.RNN(cell, return_sequences=True, return_state=True)
    layer(X)
    layer.set_weights([np.array(w, np.float32) for w in case["weights"]])
    outputs = layer(X)
    assert len(outputs) == len(case["outputs"])
    for got, want in zip(outputs, case["outputs"]):
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-5, atol=1e-6)
    assert cell.output_size == case["output_size"]
    states = cell.get_initial_state(inputs=torch.as_tensor(X))
    states = states if isinstance(states, list) else [states]
    assert [s.shape for s in states] == [np.array(s).shape for s in case["initial_state"]]
    assert all(float(s.abs().sum()) == 0.0 and s.dtype == torch.float32 for s in states)


def test_cell_trains_in_a_functional_model():
    inputs = keras.Input((5, 3))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.RNN(MinimalRNNCell(4))(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    before = model.evaluate(X, np.ones((2, 1)), verbose=0)
    model.fit(X, np.ones((2, 1)), epochs=20, verbose=0)
    assert model.evaluate(X, np.ones((2, 1)), verbose=0) < before


def test_get_initial_state_by_batch_size_and_dtype():
    state = MinimalRNNCell(3).get_initial_state(batch_size=2, dtype="float64")
    assert state.shape == (2, 3) and state.dtype == torch.float64 and not state.any()
    nested = TwoStateCell().get_initial_state(batch_size=4)
    assert [tuple(s.shape) for s in nested] == [(4, 2), (4, 3)]
    with pytest.raises(ValueError, match="batch_size=None"):
        TwoStateCell().get_initial_state()


def test_a_cell_without_its_parts_says_what_is_missing():
    class Incomplete(AbstractRNNCell):
        pass

    class Stateless(AbstractRNNCell):
        def call(self, inputs, states):
            return inputs, states

    with pytest.raises(TypeError, match="Incomplete: it must define `call"):
        Incomplete()
    with pytest.raises(ValueError, match="Stateless must define `state_size`"):
        Stateless().get_initial_state(batch_size=2)
