"""KerasTensor, Node and the symbolic call on the ground floor: `symbolic_call` asks the object it is given to
build and for its output spec, so `keras_tensor.py` needs nothing from `kerasish.layers`, not even lazily."""

from __future__ import annotations

import ast
import pathlib

import pytest
import torch

import kerasish as keras
from kerasish.backend.common import keras_tensor
from kerasish.backend.common.keras_tensor import KerasTensor, Node, symbolic_call


def test_keras_tensor_module_imports_nothing_from_layers_even_inside_functions():
    tree = ast.parse(pathlib.Path(keras_tensor.__file__).read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert not [name for name in imported if name and name.startswith("kerasish.layers")], imported


class _DuckLayer:
    """Not a Layer: only the methods `symbolic_call` asks for."""

    def __init__(self):
        self.built = False
        self._inbound_nodes = []
        self.asked = []

    def _maybe_build(self, shapes):
        self.asked.append(("build", shapes))
        self.built = True

    def _assert_input_compatibility(self, shapes):
        self.asked.append(("check", shapes))

    def compute_output_spec(self, inputs, scale=1):
        return KerasTensor((inputs.shape[0], inputs.shape[1] * scale), dtype="float16")


def test_symbolic_call_builds_then_checks_and_records_a_node_through_the_layer_methods():
    layer = _DuckLayer()
    x = KerasTensor((None, 3))
    first = symbolic_call(layer, (x,), {"scale": 2})
    second = symbolic_call(layer, (first,), {})
    assert layer.asked == [("build", (None, 3)), ("check", (None, 6))]
    assert (first.shape, first.dtype, second.shape) == ((None, 6), "float16", (None, 6))
    assert [node.call_kwargs for node in layer._inbound_nodes] == [{"scale": 2}, {}]
    assert first._keras_history == (layer, 0, 0) and second._keras_history == (layer, 1, 0)
    first_node, second_node = layer._inbound_nodes
    assert isinstance(first_node, Node) and second_node.parent_nodes == [first_node]


def test_a_layer_defining_compute_output_spec_gives_the_graph_its_outputs():
    class LeadingPositives(keras.layers.Layer):
        """Its output width depends on the values (as many columns as the first row has positive entries), which
        probing `call` on meta tensors or zeros cannot tell; a Keras 3 layer then states its spec."""

        def call(self, inputs):
            return inputs[:, : int((inputs[0] > 0).sum())]

        def compute_output_spec(self, inputs):
            return KerasTensor(inputs.shape[:-1] + (2,), dtype=inputs.dtype)

    inputs = keras.Input((5,))
    outputs = LeadingPositives()(inputs)
    assert outputs.shape == (None, 2)
    model = keras.Model(inputs, outputs)
    torch.testing.assert_close(model(torch.tensor([[1.0, 5.0, -3.0, 0.0, -2.0]])), torch.tensor([[1.0, 5.0]]))


def test_compute_output_shape_still_decides_the_spec_and_the_dtype():
    class Pairs(keras.layers.Layer):
        def call(self, inputs):
            raise AssertionError("the spec must come from compute_output_shape, not from running call")

        def compute_output_shape(self, input_shape):
            return input_shape[:-1] + (input_shape[-1] // 2, 2)

    out = Pairs()(keras.Input((6,), dtype="int32"))
    assert (out.shape, out.dtype) == ((None, 3, 2), "int32")
    with pytest.raises(AssertionError, match="compute_output_shape"):
        Pairs()(torch.ones(1, 6))
