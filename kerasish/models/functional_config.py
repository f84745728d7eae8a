"""Rebuilding a functional model from its config, in Keras 3's or tf.keras 2's `inbound_nodes` format."""

from __future__ import annotations

import functools
import inspect

from kerasish.layers import deserialize as deserialize_layer
from kerasish.saving.object_registry import building_from_config, config_label, obj_type
from kerasish.utils import tree


def functional_from_config(cls, config: dict, custom_objects: dict | None = None):
    """Creates the layers of `config`, replays their calls in dependency order, and returns `cls(inputs, outputs)`.

    A damaged config raises a ValueError naming the layer and what is wrong with it."""
    _check_config(config)
    created = {}  # layer name -> layer
    labels = {}  # layer -> where it sits in the config, for errors
    pending = []  # (layer, node configs not yet replayed)
    for index, layer_config in enumerate(config["layers"]):
        label = f"layer {index} ({config_label(layer_config)})"
        with building_from_config(label):
            if not isinstance(layer_config, dict):
                raise ValueError("each entry of `layers` must be a layer config dict.")
            layer = deserialize_layer(layer_config, custom_objects=custom_objects)
            name = layer_config.get("name", layer.name)
            if not isinstance(name, str):
                raise ValueError(f"a layer's `name` must be a string; received {name!r}.")
            if name in created:
                raise ValueError(f'two layers named "{name}": a model\'s layer names must be unique.')
            inbound_nodes = layer_config.get("inbound_nodes", [])
            if not isinstance(inbound_nodes, list):
                raise ValueError(f"`inbound_nodes` must be a list of calls; received {inbound_nodes!r}.")
            created[name] = layer
            labels[layer] = label
            pending.append((layer, list(_node_calls(inbound_nodes))))

    # tf.keras 2 numbers the nodes of a nested model built on its own inputs from 1: its node 0 (the model's own
    # construction) is never saved. Keras 3 and kerasish create no such node.
    legacy = any(isinstance(node, list) for c in config["layers"] for node in c.get("inbound_nodes", []))
    skipped = {name: int(legacy and _has_construction_node(layer)) for name, layer in created.items()}

    def tensor(history, required: bool = False):
        """The KerasTensor `[layer name, node index, tensor index]` names; None while its node is not replayed
        yet, unless `required`."""
        name, node_index, tensor_index = _history(history)
        layer = created.get(name)
        if layer is None:
            raise ValueError(f'The model config refers to an unknown layer "{name}".')
        node_index -= skipped[name]
        if node_index < 0:
            raise ValueError(
                f'The model config refers to node {history[1]} of layer "{name}", which tf.keras 2 '
                f"never saves (a nested model's node 0 is its own construction)."
            )
        if node_index >= len(layer._inbound_nodes):
            if required:
                raise ValueError(
                    f'The model config refers to node {history[1]} of layer "{name}", which it never '
                    f"creates (the layer has {len(layer._inbound_nodes)} node(s))."
                )
            return None
        outputs = layer._inbound_nodes[node_index].output_tensors
        if not 0 <= tensor_index < len(outputs):
            raise ValueError(
                f"The model config refers to tensor {tensor_index} of node {history[1]} of layer "
                f'"{name}", which has {len(outputs)} output(s).'
            )
        return outputs[tensor_index]

    progress = True
    while progress and any(nodes for _, nodes in pending):
        progress = False
        for layer, nodes in pending:
            while nodes:
                args, kwargs = nodes[0]
                with building_from_config(labels[layer]):
                    resolved = _resolve((args, kwargs), tensor)
                    if resolved is None:
                        break
                    _check_call_arguments(layer, *resolved)
                    layer(*resolved[0], **resolved[1])
                nodes.pop(0)
                progress = True
    stuck = [layer.name for layer, nodes in pending if nodes]
    if stuck:
        raise ValueError(
            f"The model config could not be rebuilt: the inputs of layer(s) {stuck} never become "
            f"available (a missing or cyclic connection)."
        )
    required = functools.partial(tensor, required=True)
    inputs = _histories_to_tensors(config["input_layers"], required, "input_layers")
    outputs = _histories_to_tensors(config["output_layers"], required, "output_layers")
    inputs, outputs = (x[0] if isinstance(x, list) and len(x) == 1 else x for x in (inputs, outputs))
    return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _check_config(config) -> None:
    if not isinstance(config, dict):
        raise ValueError(f"A functional model config must be a dict; received {type(config).__name__}.")
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"A functional model config needs `{key}`; it has only {sorted(config)}.")
    if not isinstance(config["layers"], list):
        raise ValueError(
            f"A functional model config needs `layers`, a list of layer configs; received "
            f"{type(config['layers']).__name__}."
        )
    if config.get("name") is not None and not isinstance(config["name"], str):
        raise ValueError(f"A functional model config's `name` must be a string; received {config['name']!r}.")


def _check_call_arguments(layer, args: list, kwargs: dict) -> None:
    """The call must fit the layer's `call`, as Keras binds every call to it. A symbolic call computes shapes
    without running `call`, so an argument `call` does not take would only fail at the first forward pass."""
    passed = {key: value for key, value in kwargs.items() if key not in ("training", "mask")}  # Layer.__call__'s own
    try:
        inspect.signature(layer.call).bind(*args, **passed)
    except TypeError as e:
        raise ValueError(
            f"the call recorded in `inbound_nodes` does not fit {type(layer).__name__}.call: {e}."
        ) from None


def _history(history) -> tuple:
    """`[layer name, node index, tensor index]`, checked."""
    if not (
        isinstance(history, (list, tuple))
        and len(history) >= 3
        and isinstance(history[0], str)
        and type(history[1]) is int
        and type(history[2]) is int
    ):
        raise ValueError(
            f"A reference to a layer's output must be [layer name, node index, tensor index]; received {history!r}."
        )
    return tuple(history[:3])


def _has_construction_node(layer) -> bool:
    kind = obj_type(layer)
    return kind == "Functional" or (kind == "Sequential" and layer._input_layer is not None)


def _node_calls(inbound_nodes):
    """(args, kwargs) per node with tensors as ("__history__", name, node, index) markers, from either format."""
    for node in inbound_nodes:
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            args, kwargs = node.get("args", []), node.get("kwargs", {})
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise ValueError(
                    f'A call in `inbound_nodes` needs "args", a list, and "kwargs", a dict; received {node!r}.'
                )
            yield (_decode(args), _decode(kwargs))
        elif isinstance(node, list) and node:  # tf.keras 2: [[name, node_index, tensor_index, kwargs], ...]
            histories = [("__history__", *_history(entry)) for entry in node]
            kwargs = node[0][3] if len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
            yield ([histories[0] if len(histories) == 1 else histories], _decode_legacy_kwargs(kwargs))
        else:
            raise ValueError(
                f"A call in `inbound_nodes` must be a dict (Keras 3) or a non-empty list of "
                f"[layer name, node index, tensor index, kwargs] (tf.keras 2); received {node!r}."
            )


def _decode_legacy_kwargs(value):
    """tf.keras 2 writes a Keras tensor passed as a keyword argument (e.g. MultiHeadAttention's `value`) as a
    `[layer_name, node_index, tensor_index]` list, which is how tf.keras 2 itself recognizes one."""
    if isinstance(value, dict):
        return {k: _decode_legacy_kwargs(v) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 3 and isinstance(value[0], str) and all(type(v) is int for v in value[1:]):
            return ("__history__", *value)
        return [_decode_legacy_kwargs(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            inner = value.get("config")
            return ("__history__", *_history(inner.get("keras_history") if isinstance(inner, dict) else None))
        if value.get("class_name") == "__slice__" and isinstance(value.get("config"), dict):
            bounds = value["config"]
            return slice(bounds.get("start"), bounds.get("stop"), bounds.get("step"))
        if value.get("class_name") == "__ellipsis__":
            return Ellipsis
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):  # a tuple where the config was not read back from JSON
        return type(value)(_decode(v) for v in value)
    return value


def _resolve(structure, tensor):
    missing = []

    def fill(x):
        if isinstance(x, tuple) and len(x) == 4 and x[0] == "__history__":
            t = tensor(x[1:])
            if t is None:
                missing.append(x)
            return t
        return x

    filled = _map_markers(fill, structure)
    return None if missing else filled


def _map_markers(fn, x):
    if isinstance(x, tuple) and len(x) == 4 and x[0] == "__history__":
        return fn(x)
    if isinstance(x, dict):
        return {k: _map_markers(fn, v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_map_markers(fn, v) for v in x)
    return x


def _histories_to_tensors(spec, tensor, key: str):
    """input_layers/output_layers: one [name, node, index] triple, a list of them, or a dict of them."""
    if isinstance(spec, dict):
        return {k: _histories_to_tensors(v, tensor, key) for k, v in spec.items()}
    if isinstance(spec, list) and spec and isinstance(spec[0], str):
        return tensor(spec)
    if not isinstance(spec, list) or not spec:
        raise ValueError(
            f"`{key}` must be [layer name, node index, tensor index], or a list or dict of those; received {spec!r}."
        )
    tensors = [_histories_to_tensors(s, tensor, key) for s in spec]
    return tree.flatten(tensors) if all(not isinstance(s, dict) for s in spec) else tensors
