"""Functional models: a graph of layer calls from Input tensors to outputs, run as a flat precomputed program.

At construction the graph is ordered once (Keras's depth ordering, so `model.layers` and weight files line up
with Keras), and each layer call becomes a step reading and writing numbered slots. A forward pass is then one
Python call per layer and nothing more.
"""

from __future__ import annotations

import collections
import sys

import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.layers import serialize as serialize_layer
from kerasish.layers.input_layer import InputLayer
from kerasish.layers.layer import _needs_module_call
from kerasish.layers.operation import Operation
from kerasish.models.model import Model
from kerasish.saving.object_registry import register_builtin, serialize_keras_object
from kerasish.utils import tree


# Keras writes a functional model as "Functional"; configs that name "Model" (older tf.keras) build one too.
@register_builtin("layers", "Model")
class Functional(Model):
    """A model defined by `Model(inputs, outputs)`; inputs and outputs may be tensors, lists or dicts.

    Example:
        inputs = kerasish.Input(shape=(16,))
        x = kerasish.layers.Dense(32, activation="relu")(inputs)
        outputs = kerasish.layers.Dense(1)(x)
        model = kerasish.Model(inputs, outputs)
    """

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for kind, structure in (("inputs", inputs), ("outputs", outputs)):
            for t in tree.flatten(structure):
                if not isinstance(t, KerasTensor) or t._keras_history is None:
                    raise ValueError(
                        f"All `{kind}` of a functional Model must be KerasTensors made by `Input()` "
                        f"and layer calls. Received: {t!r}"
                    )
        for t in tree.flatten(inputs):
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(
                    f"Model inputs must come from `kerasish.Input()`. Received: {t} from layer "
                    f'"{t._keras_history[0].name}".'
                )
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        self._input_struct = inputs
        self._output_struct = outputs
        self.inputs = tree.flatten(inputs)
        self.outputs = tree.flatten(outputs)
        self._nodes_by_depth, graph_layers = _map_graph(self.inputs, self.outputs)
        # Through __dict__ (as every internal list of layers): the layers are registered once, by name, below, and
        # Layer.__setattr__ would register the list a second time as a ModuleList.
        self.__dict__["_graph_layers"] = graph_layers
        for index, layer in enumerate(graph_layers):
            key = layer.name.replace(".", "_")
            if key in self._modules or hasattr(type(self), key) or key in self.__dict__:
                key = f"layer_{index}"
            self.add_module(key, layer)
        self._program = self._compile_program()
        self.__dict__["_input_layers"] = [t._keras_history[0] for t in self.inputs]
        self._input_names = [layer.name for layer in self._input_layers]
        self.built = True
        self._build_shapes = tree.map_structure(lambda t: t.shape, inputs)

    @property
    def layers(self) -> list:
        """The graph's layers, without the ops called on its tensors (`x * 2`, `ops.sum(x)`), as Keras lists them."""
        return [layer for layer in self._graph_layers if not isinstance(layer, Operation)]

    @property
    def operations(self) -> list:
        """Every layer and op of the graph, in execution order (what `summary()` and `plot_model` show)."""
        return list(self._graph_layers)

    # Keras's model-level views of the graph's ends: the structures given to the constructor, and their shapes (a
    # list of shapes when there are several, as Keras gives).
    @property
    def input(self):
        return self._input_struct

    @property
    def output(self):
        return self._output_struct

    @property
    def input_shape(self):
        return _shapes(self.inputs)

    @property
    def output_shape(self):
        return _shapes(self.outputs)

    def _obj_type(self) -> str:
        """What this model is, as Keras's `_obj_type()` says it: weights files hold a functional model's `layers`
        first."""
        return "Functional"

    def __getstate__(self):
        # The program's slot gatherers are closures, which pickle cannot store; they are rebuilt on unpickling.
        return {key: value for key, value in self.__dict__.items() if key != "_program"}

    def __setstate__(self, state):
        super().__setstate__(state)
        self._program = self._compile_program()

    @property
    def input_names(self) -> list[str]:
        return list(self._input_names)

    @property
    def output_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self.outputs]

    def _compile_program(self) -> list:
        """One step per non-input node: (layer, gather(values) -> (args, kwargs), output slots, single, the slots
        whose last reader this step is, the slot its layer may overwrite or None). Dropping a value after its last
        reader lets its memory serve the next layers' outputs, so inference holds only the live activations, as an
        eager torch forward does.

        The overwritable slot: a layer with an in-place twin (`_call_in_place`: Activation, ReLU, Add, Multiply)
        whose first input is computed inside the model, is no model output, and dies at this step may, at
        inference, write its output into that input, as torch models apply ReLU and residual adds in place. Run
        time checks the rest (`_overwritable`)."""
        slots = {id(t): i for i, t in enumerate(self.inputs)}
        steps, last_reader, firsts = [], {}, []
        for depth in sorted(self._nodes_by_depth, reverse=True):
            for node in self._nodes_by_depth[depth]:
                if isinstance(node.layer, InputLayer):
                    continue
                for t in node.output_tensors:
                    slots.setdefault(id(t), len(slots))
                for t in node.input_tensors:
                    last_reader[slots[id(t)]] = len(steps)
                gather = _make_gather(node, slots)
                out_slots = [slots[id(t)] for t in node.output_tensors]
                single = isinstance(node.outputs, KerasTensor)
                steps.append((node.layer, gather, out_slots, single))
                first = _first_input(node) if single and hasattr(node.layer, "_call_in_place") else None
                firsts.append(None if first is None else slots[id(first)])
        self._output_slots = [slots[id(t)] for t in self.outputs]
        self._num_slots = len(slots)
        kept = set(self._output_slots)
        dropped = [[] for _ in steps]
        for slot, step in last_reader.items():
            if slot not in kept:
                dropped[step].append(slot)
        program = []
        for step, drop, first in zip(steps, dropped, firsts):
            if first is not None and (first < len(self.inputs) or first not in drop):
                first = None
            program.append((*step, tuple(drop), first))
        return program

    def call(self, inputs, training=None, mask=None):
        # The model's inputs stay referenced for the whole call, so that a view of the user's data (a Reshape of an
        # input) never looks unshared to `_overwritable`.
        model_inputs = [layer.conform(value) for layer, value in zip(self._input_layers, self._bind_inputs(inputs))]
        values = [None] * self._num_slots
        values[: len(model_inputs)] = model_inputs
        # In place only without autograd (which would need the overwritten values), outside torch.compile (which
        # traces the plain calls and makes its own in-place choices) and outside torch.jit.trace (whose graph must
        # not depend on the grad mode it was traced in).
        in_place = not torch.is_grad_enabled() and not torch.compiler.is_compiling() and not torch.jit.is_tracing()
        for layer, gather, out_slots, single, dropped, overwritable in self._program:
            args, kwargs = gather(values)
            first = values[overwritable] if in_place and overwritable is not None else None
            for slot in dropped:
                values[slot] = None
            if first is not None and not kwargs and _overwritable(layer, first):
                outputs = layer._call_in_place(args[0])
                if outputs is None:  # the layer has no in-place form for these inputs
                    outputs = layer(*args, **kwargs)
            else:
                outputs = layer(*args, **kwargs)
            del args, kwargs, first
            if single:
                values[out_slots[0]] = outputs
            else:
                for slot, value in zip(out_slots, tree.flatten(outputs)):
                    values[slot] = value
            del outputs
        if isinstance(self._output_struct, KerasTensor):
            return values[self._output_slots[0]]
        return tree.pack_sequence_as(self._output_struct, [values[i] for i in self._output_slots])

    def _bind_inputs(self, inputs) -> list:
        """The data for each model input, in `self.inputs` order, from a tensor, a list or a dict."""
        n = len(self.inputs)
        if isinstance(inputs, dict):
            if isinstance(self._input_struct, dict):
                keys = sorted(self._input_struct)  # tree.flatten order
            else:
                keys = self._input_names
            missing = [k for k in keys if k not in inputs]
            if missing:
                raise ValueError(
                    f'Missing data for input "{missing[0]}" of model "{self.name}". Expected keys '
                    f"{keys}, received keys {sorted(inputs)}."
                )
            return [inputs[k] for k in keys]
        flat = tree.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != n:
            raise ValueError(
                f'Model "{self.name}" expects {n} input(s) ({self._input_names}), but it received '
                f"{len(flat)} input tensors."
            )
        return flat

    def get_config(self) -> dict:
        member_nodes = {id(node) for nodes in self._nodes_by_depth.values() for node in nodes}
        node_index = {}  # (layer, original index) -> index among this model's nodes of that layer
        layer_configs = []
        for layer in self._graph_layers:
            kept = [i for i, node in enumerate(layer._inbound_nodes) if id(node) in member_nodes]
            for new, old in enumerate(kept):
                node_index[(id(layer), old)] = new
        for layer in self._graph_layers:
            config = serialize_layer(layer)
            config["name"] = layer.name
            config["inbound_nodes"] = [
                _serialize_node(node, node_index)
                for node in layer._inbound_nodes
                if id(node) in member_nodes and not isinstance(layer, InputLayer)
            ]
            layer_configs.append(config)

        def history(t):
            layer, index, tensor_index = t._keras_history
            return [layer.name, node_index[(id(layer), index)], tensor_index]

        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layer_configs,
            "input_layers": tree.map_structure(history, self._input_struct),
            "output_layers": tree.map_structure(history, self._output_struct),
        }


def _first_input(node):
    """The tensor an in-place twin would overwrite: the only argument, or the first of a list of them; None for
    any other call shape (extra arguments, keyword arguments)."""
    args = node.call_args
    if len(args) != 1 or node.call_kwargs:
        return None
    if isinstance(args[0], KerasTensor):
        return args[0]
    if isinstance(args[0], (list, tuple)) and args[0] and all(isinstance(t, KerasTensor) for t in args[0]):
        return args[0][0]
    return None


def _reference_count(tensor) -> int:
    return sys.getrefcount(tensor)


def _storage_use_count(storage) -> int:
    """How many tensors (and storage objects, this one included) share `storage`'s memory."""
    return torch._C._storage_Use_Count(storage._cdata)


def _measure_private_counts() -> tuple[int, int]:
    """The Python reference count and storage use count `_overwritable` sees for a tensor nothing else holds: the
    step's argument container and the `call` and `_overwritable` frames hold it (measured here, not assumed, as
    CPython's counting of frame references differs between versions and calling conventions)."""

    if not hasattr(torch._C, "_storage_Use_Count"):  # a torch without the count: counts never seen, no in-place
        return -1, -1

    def overwritable(first):
        return _reference_count(first), _storage_use_count(first.untyped_storage())

    first = torch.empty(1)
    arguments = (first,)  # the step's argument tuple (or list)
    counts = overwritable(first)
    del arguments
    return counts


def _calling_convention() -> int:
    """The references a fresh object has inside a Python function it was passed to. CPython (3.11+) inlines
    Python-to-Python calls, the callee's frame taking over the caller's reference, except while a custom frame
    evaluator is installed, when the caller keeps its own for the call's duration. torch.compile's evaluator stays
    installed for the rest of the process after a compile fails (torch 2.13), which changes every count above."""
    return _reference_count(object())


_PRIVATE_COUNTS: dict[int, tuple[int, int]] = {}  # calling convention -> `_measure_private_counts()` under it


def _private_counts() -> tuple[int, int]:
    convention = _calling_convention()
    counts = _PRIVATE_COUNTS.get(convention)
    if counts is None:
        counts = _PRIVATE_COUNTS[convention] = _measure_private_counts()
    return counts


_TORCH_DTYPES: dict = {}


def _overwritable(layer, first) -> bool:
    """Whether `layer`'s call may write its output into `first`, the dying value of its first input: nothing else
    holds the tensor (no other slot, hook or Python name) or its memory (no view, no NumPy array or other foreign
    buffer), it carries no mask or other attribute, and `layer.__call__` would do nothing but `call`: built, no
    hooks, no activity regularizer, no rematerialization, the input already in the layer's compute dtype (so no
    mixed-precision cast)."""
    private_references, private_storage_uses = _private_counts()
    if (
        type(first) is not torch.Tensor
        or _reference_count(first) != private_references
        or first.requires_grad
        or first.__dict__
        or not layer.built
        or layer.activity_regularizer is not None
        or layer._remat is not None
        or _needs_module_call(layer)
    ):
        return False
    compute = layer._dtype_policy.compute_dtype
    dtype = _TORCH_DTYPES.get(compute)
    if dtype is None:
        dtype = _TORCH_DTYPES[compute] = config.standardize_dtype(compute)
    # Overlapping memory (an expanded view) cannot take an in-place write.
    if first.dtype != dtype or not (first.is_contiguous() or first.is_contiguous(memory_format=torch.channels_last)):
        return False
    storage = first.untyped_storage()
    # A storage torch did not allocate (NumPy's, DLPack's) cannot be resized: it may be someone else's memory.
    return storage.resizable() and _storage_use_count(storage) == private_storage_uses


def _make_gather(node, slots: dict):
    """A function mapping the slot values to this node's call arguments, specialised for the common shapes."""
    args, kwargs = node.call_args, node.call_kwargs
    if len(args) == 1 and not kwargs and isinstance(args[0], KerasTensor):
        slot = slots[id(args[0])]
        return lambda values: ((values[slot],), {})
    if (
        len(args) == 1
        and not kwargs
        and isinstance(args[0], (list, tuple))
        and all(isinstance(t, KerasTensor) for t in args[0])
    ):
        ids = [slots[id(t)] for t in args[0]]
        return lambda values: (([values[i] for i in ids],), {})

    def fill(x):
        return ("slot", slots[id(x)]) if isinstance(x, KerasTensor) else x

    template = tree.map_structure(fill, (list(args), kwargs))

    def gather(values):
        def resolve(x):
            return values[x[1]] if isinstance(x, tuple) and len(x) == 2 and x[0] == "slot" else x

        call_args, call_kwargs = _map_template(resolve, template)
        return tuple(call_args), call_kwargs

    return gather


def _map_template(fn, template):
    if isinstance(template, tuple) and len(template) == 2 and template[0] == "slot":
        return fn(template)
    if isinstance(template, dict):
        return {k: _map_template(fn, v) for k, v in template.items()}
    if isinstance(template, (list, tuple)):
        return type(template)(_map_template(fn, v) for v in template)
    return template


def _shapes(tensors: list):
    return tensors[0].shape if len(tensors) == 1 else [t.shape for t in tensors]


def _serialize_node(node, node_index: dict) -> dict:
    def encode(x):
        if isinstance(x, KerasTensor):
            layer, index, tensor_index = x._keras_history
            return {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": list(x.shape),
                    "dtype": x.dtype,
                    "keras_history": [layer.name, node_index[(id(layer), index)], tensor_index],
                },
            }
        if isinstance(x, torch.Tensor):
            return x.tolist()
        if isinstance(x, slice):  # `x[1:3]` on a KerasTensor: Keras's encoding of an index
            return {"class_name": "__slice__", "config": {"start": x.start, "stop": x.stop, "step": x.step}}
        if x is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        return serialize_keras_object(x)

    return {
        "args": tree.map_structure(encode, list(node.call_args)),
        "kwargs": tree.map_structure(encode, dict(node.call_kwargs)),
    }


def _map_graph(inputs: list, outputs: list):
    """Orders the graph as Keras does: nodes grouped by depth (distance from the outputs), layers likewise,
    ties broken by discovery order. Checks for cycles, disconnected inputs and duplicate layer names."""
    finished, in_progress, ordered_nodes, discovery = set(), set(), [], {}
    input_ids = {id(t) for t in inputs}

    # A depth-first walk from each output, parents before children (post-order), with an explicit stack: a graph
    # thousands of layers deep (ResNetRS-420) must not meet Python's recursion limit.
    stack = []  # (node, iterator over the parent tensors still to visit)

    def enter(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f'Tensor {tensor} from layer "{layer.name}" is part of a cycle.')
        discovery.setdefault(layer, len(discovery))
        in_progress.add(id(node))
        leaf = isinstance(layer, InputLayer) or id(tensor) in input_ids
        stack.append((node, iter(() if leaf else node.input_tensors)))

    for output in outputs:
        enter(output)
        while stack:
            node, parents = stack[-1]
            parent = next(parents, None)
            if parent is not None:
                enter(parent)
                continue
            stack.pop()
            finished.add(id(node))
            in_progress.discard(id(node))
            ordered_nodes.append(node)

    node_depth, layer_depth = {}, {}
    for node in reversed(ordered_nodes):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = depth
        node_depth[node] = depth
        for parent in node.parent_nodes:
            node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for t in inputs:
        layer = t._keras_history[0]
        if layer not in layer_depth:
            layer_depth[layer] = 0
            discovery[layer] = -1
            node_depth[layer._inbound_nodes[0]] = 0

    nodes_by_depth = collections.defaultdict(list)
    for node, depth in node_depth.items():
        nodes_by_depth[depth].append(node)
    layers_by_depth = collections.defaultdict(list)
    for layer, depth in layer_depth.items():
        layers_by_depth[depth].append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth], key=lambda layer: discovery[layer]))

    computable = set(input_ids)
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for t in node.input_tensors:
                if id(t) not in computable and not isinstance(node.layer, InputLayer):
                    raise ValueError(
                        f"Graph disconnected: cannot find the value of tensor {t} needed by layer "
                        f'"{node.layer.name}". Pass its Input to the Model\'s `inputs`.'
                    )
            # An Input's tensor is known only when it is one of the model's inputs (already in `computable`).
            if not isinstance(node.layer, InputLayer):
                computable.update(id(t) for t in node.output_tensors)
    names = [layer.name for layer in layers]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(
                f'The name "{name}" is used {names.count(name)} times in the model. All layer names should be unique.'
            )
    return dict(nodes_by_depth), layers
