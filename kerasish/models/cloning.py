"""`clone_model`: a new model with the same architecture and freshly initialized weights."""

from __future__ import annotations

from collections.abc import Callable

from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.layers.input_layer import Input, InputLayer
from kerasish.models.functional import Functional
from kerasish.models.sequential import Sequential
from kerasish.utils import tree


def clone_model(
    model,
    input_tensors=None,
    clone_function: Callable | None = None,
    call_function: Callable | None = None,
    recursive: bool = False,
    **kwargs,
):
    """Clones a Sequential or functional model: new layers from each layer's config (new weights, not copies).

    Args:
        model: the model to clone.
        input_tensors: Inputs for the clone (functional models); new `Input`s like the model's by default.
        clone_function: `layer -> new layer`; by default `layer.__class__.from_config(layer.get_config())`.
        call_function: `(layer, *args, **kwargs) -> outputs`, to change how each cloned layer is called.
        recursive: clone nested Sequential/functional models layer by layer (with `clone_function`) instead of
            through their config.

    Example:
        twin = kerasish.models.clone_model(model)
        twin.set_weights(model.get_weights())
    """
    if kwargs:
        raise ValueError(f"clone_model: unexpected arguments {sorted(kwargs)}.")
    layer_fn = clone_function or _clone_layer

    def clone(layer):
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function, call_function=call_function, recursive=True)
        return layer_fn(layer)

    if isinstance(model, Sequential):
        layers = [clone(layer) for layer in model.layers]
        if input_tensors is not None:
            layers = [tree.flatten(input_tensors)[0]._keras_history[0]] + layers
        elif model._input_layer is not None:
            layer = model._input_layer
            layers = [InputLayer(batch_shape=layer.batch_shape, dtype=layer.dtype, name=layer.name)] + layers
        return Sequential(layers, name=model.name, trainable=model.trainable)
    if not isinstance(model, Functional):
        raise ValueError(
            f"clone_model works on Sequential and functional models; {model.name!r} is a subclassed "
            f"{type(model).__name__}. Rebuild it with `{type(model).__name__}.from_config("
            "model.get_config())` instead."
        )
    if input_tensors is None:
        input_tensors = tree.map_structure(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t._keras_history[0].name), model._input_struct
        )
    new_inputs = tree.flatten(input_tensors)
    if len(new_inputs) != len(model.inputs):
        raise ValueError(
            f"clone_model: model {model.name!r} has {len(model.inputs)} input(s); input_tensors has {len(new_inputs)}."
        )
    mapping = {id(old): new for old, new in zip(model.inputs, new_inputs)}
    clones = {}
    for depth in sorted(model._nodes_by_depth, reverse=True):
        for node in model._nodes_by_depth[depth]:
            if isinstance(node.layer, InputLayer):
                continue
            if id(node.layer) not in clones:
                clones[id(node.layer)] = clone(node.layer)
            layer = clones[id(node.layer)]
            args, call_kwargs = tree.map_structure(
                lambda t: mapping[id(t)] if isinstance(t, KerasTensor) else t, (node.call_args, node.call_kwargs)
            )
            outputs = call_function(layer, *args, **call_kwargs) if call_function else layer(*args, **call_kwargs)
            for old, new in zip(node.output_tensors, tree.flatten(outputs)):
                mapping[id(old)] = new
    outputs = tree.map_structure(lambda t: mapping[id(t)], model._output_struct)
    inputs = input_tensors if not isinstance(input_tensors, tuple) else list(input_tensors)
    return Functional(inputs, outputs, name=model.name, trainable=model.trainable)


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())
