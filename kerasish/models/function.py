"""`keras.Function`: a graph of ops and layers from symbolic inputs to outputs, callable on tensors."""

from __future__ import annotations

from kerasish.models.functional import Functional


class Function:
    """The computation from `inputs` (KerasTensors from `keras.Input`) to `outputs`, as a callable.

    Unlike a `Model` it has nothing to train or compile: `Function(inputs, outputs)(x)` runs the graph on `x` (a
    tensor, or the same structure as `inputs`), and on KerasTensors it returns new KerasTensors.
    """

    def __init__(self, inputs, outputs, name: str | None = None):
        self._graph = Functional(inputs, outputs, name=name)
        self.name = self._graph.name

    @property
    def inputs(self):
        return self._graph.inputs

    @property
    def outputs(self):
        return self._graph.outputs

    @property
    def operations(self) -> list:
        """The layers and ops of the graph, inputs first, in execution order."""
        return self._graph.operations

    def call(self, inputs):
        return self._graph(inputs)

    __call__ = call

    def compute_output_spec(self, inputs):
        return self._graph.compute_output_spec(inputs)
