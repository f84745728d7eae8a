"""`keras.utils.model_to_dot` and `plot_model`: a model's graph as Graphviz DOT (through pydot), drawn as Keras
draws it: one HTML-table box per layer, edges between layers, nested models as dashed clusters on request.

pydot and Graphviz's `dot` program are optional (`pip install "kerasish[plot]"` for pydot; Graphviz from the
system's package manager): `model_to_dot` needs pydot only, `plot_model` needs both to render the image.
"""

from __future__ import annotations

import os

from kerasish import tree
from kerasish.layers.layer import Layer
from kerasish.saving.atomic import atomic_write
from kerasish.saving.object_registry import obj_type


def _pydot():
    try:
        import pydot
    except ImportError:
        return None
    return pydot


def check_pydot() -> bool:
    """Whether pydot is installed."""
    return _pydot() is not None


def check_graphviz() -> bool:
    """Whether pydot and Graphviz (its `dot` program) are both installed."""
    pydot = _pydot()
    if pydot is None:
        return False
    try:
        pydot.Dot.create(pydot.Dot())  # renders an empty graph: fails without the `dot` program
        return True
    except (OSError, pydot.PydotException):
        return False


def _is_model(layer) -> bool:
    return obj_type(layer) in ("Functional", "Sequential")


def _activation_name(layer) -> str:
    activation = layer.activation
    return getattr(activation, "name", None) or getattr(activation, "__name__", None) or str(activation)


def _format_shape(shape) -> str:
    if shape is None:
        return "?"
    text = ", ".join(f"{k}: {v}" for k, v in shape.items()) if isinstance(shape, dict) else f"{shape}"
    return text.replace("}", "").replace("{", "")


def _symbolic(layer, what: str, attribute: str):
    # A layer never called symbolically (a subclassed model's parts) has no input or output to show.
    try:
        return tree.map_structure(lambda t: getattr(t, attribute), getattr(layer, what))
    except (ValueError, AttributeError):
        return None


def _cell(text: str) -> str:
    return f'<td bgcolor="white"><font point-size="14">{text}</font></td>'


def _label(layer, show_layer_names, show_layer_activations, show_dtype, show_shapes, show_trainable) -> str:
    """The box of one layer: an HTML-like Graphviz label, the same markup Keras writes."""
    class_name = type(layer).__name__
    colspan = max(1, int(show_dtype) + int(show_trainable) + (2 if show_shapes else 0))
    title = f"<b>{layer.name}</b> ({class_name})" if show_layer_names else f"<b>{class_name}</b>"
    label = '<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">'
    label += f'<tr><td colspan="{colspan}" bgcolor="black"><font point-size="16" color="white">{title}</font></td></tr>'
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        label += (
            f'<tr><td bgcolor="white" colspan="{colspan}"><font point-size="14">'
            f"Activation: <b>{_activation_name(layer)}</b></font></td></tr>"
        )
    cells = []
    if show_shapes:
        if class_name != "InputLayer":
            cells.append(_cell(f"Input shape: <b>{_format_shape(_symbolic(layer, 'input', 'shape'))}</b>"))
        cells.append(_cell(f"Output shape: <b>{_format_shape(_symbolic(layer, 'output', 'shape'))}</b>"))
    if show_dtype:
        cells.append(_cell(f"Output dtype: <b>{_symbolic(layer, 'output', 'dtype') or '?'}</b>"))
    if show_trainable and layer.weights:
        color, text = ("forestgreen", "Trainable") if layer.trainable else ("firebrick", "Non-trainable")
        cells.append(f'<td bgcolor="{color}"><font point-size="14" color="white"><b>{text}</b></font></td>')
    if cells:
        label += f"<tr>{''.join(cells)}</tr>"
    return label + "</table>>"


def _node(pydot, layer, options: dict):
    node = pydot.Node(str(id(layer)), label=_label(layer, **options))
    node.set("fontname", "Helvetica")
    node.set("border", "0")
    node.set("margin", "0")
    return node


def _add_edge(pydot, dot, source, destination) -> None:
    source_id, destination_id = str(id(source)), str(id(destination))
    if not dot.get_edge(source_id, destination_id):
        edge = pydot.Edge(source_id, destination_id)
        edge.set("penwidth", "2")
        dot.add_edge(edge)


def _innermost_source(source, tensor_index: int):
    # A nested model has no box of its own when expanded: an edge leaves from the layer that made its output.
    while _is_model(source):
        source, _, tensor_index = source.outputs[tensor_index]._keras_history
    return source


def _innermost_destination(destination, input_index: int):
    # ... and arrives at the nested functional model's InputLayer, or at a nested Sequential's first layer.
    while _is_model(destination):
        if obj_type(destination) == "Functional":
            destination = destination.inputs[input_index]._keras_history[0]
        else:
            destination = destination.layers[0]
    return destination


def model_to_dot(
    model,
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    subgraph=False,
    show_layer_activations=False,
    show_trainable=False,
    splines="ortho",
    **kwargs,
):
    """Converts a model to a `pydot.Dot` graph (a `pydot.Cluster` with `subgraph=True`).

    Args:
        model: A built model.
        show_shapes: Whether to show each layer's input and output shapes.
        show_dtype: Whether to show each layer's output dtype.
        show_layer_names: Whether to show layer names (else class names only).
        rankdir: Graphviz's `rankdir`: `"TB"` draws top to bottom, `"LR"` left to right.
        expand_nested: Whether to draw nested functional and Sequential models as clusters of their layers.
        dpi: The image's dots per inch.
        subgraph: Whether to return a `pydot.Cluster` (for a nested model).
        show_layer_activations: Whether to show the activation of layers that have one.
        show_trainable: Whether to mark layers with weights as trainable or not.
        splines: How Graphviz draws edges: `"ortho"` (right angles), `"curved"`, `"polyline"`, `"spline"`, `"line"`.

    Returns:
        A `pydot.Dot`, or a `pydot.Cluster` when `subgraph=True`.
    """
    if not isinstance(model, Layer) or not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by calling the model "
            "on a batch of data."
        )
    if kwargs.pop("layer_range", None) is not None:
        raise ValueError("Argument `layer_range` is no longer supported.")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
    pydot = _pydot()
    if pydot is None:
        raise ImportError('You must install pydot (`pip install "kerasish[plot]"`) for model_to_dot to work.')
    if subgraph:
        dot = pydot.Cluster(style="dashed", graph_name=model.name)
        dot.set("label", model.name)
        dot.set("labeljust", "l")
    else:
        dot = pydot.Dot()
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set("splines", splines)
        dot.set_node_defaults(shape="record")
    options = {
        "show_layer_names": show_layer_names,
        "show_layer_activations": show_layer_activations,
        "show_dtype": show_dtype,
        "show_shapes": show_shapes,
        "show_trainable": show_trainable,
    }
    kind = obj_type(model)
    if kind not in ("Functional", "Sequential"):
        dot.add_node(_node(pydot, model, options))  # a subclassed model is one box: its graph is Python code
        return dot

    layers = getattr(model, "operations", None) or model.layers  # a functional graph's ops are boxes too, as in Keras
    for layer in layers:
        if expand_nested and _is_model(layer):
            dot.add_subgraph(
                model_to_dot(layer, rankdir=rankdir, expand_nested=True, dpi=dpi, subgraph=True, **options)
            )
        else:
            dot.add_node(_node(pydot, layer, options))

    if kind == "Sequential":
        if not expand_nested:
            for source, destination in zip(layers, layers[1:]):
                _add_edge(pydot, dot, source, destination)
            return dot
        # The first layer's incoming edge comes from outside: the edge into the Sequential model itself.
        layers = layers[1:]
        member = None
    else:
        member = {id(node) for nodes in model._nodes_by_depth.values() for node in nodes}

    for layer in layers:
        for node in layer._inbound_nodes:
            if member is not None and id(node) not in member:
                continue  # a call of the layer in another graph
            for input_index, tensor in enumerate(node.input_tensors):
                source, _, tensor_index = tensor._keras_history
                destination = layer
                if expand_nested:
                    source = _innermost_source(source, tensor_index)
                    destination = _innermost_destination(destination, input_index)
                _add_edge(pydot, dot, source, destination)
    return dot


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=False,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
    splines="ortho",
    **kwargs,
):
    """Draws a model's graph to an image file, with Graphviz (see `model_to_dot` for the arguments).

    Needs pydot (`pip install "kerasish[plot]"`) and Graphviz's `dot` program (e.g. `apt install graphviz`).

    Args:
        model: A built model.
        to_file: The image's path; its extension picks the format (`.png` by default, `.svg`, `.pdf`, `.dot`...).

    Returns:
        An `IPython.display.Image` of the file when IPython is installed (shown in notebooks), else None.
    """
    if not isinstance(model, Layer) or not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by calling the model "
            "on a batch of data."
        )
    if not check_pydot():
        raise ImportError('You must install pydot (`pip install "kerasish[plot]"`) for `plot_model` to work.')
    if not check_graphviz():
        raise ImportError(
            "You must install graphviz (see instructions at https://graphviz.gitlab.io/download/, e.g. "
            "`apt install graphviz` or `brew install graphviz`) for `plot_model` to work: it draws the image with "
            "Graphviz's `dot` program. `keras.utils.model_to_dot(model).to_string()` gives the graph without it."
        )
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
        show_layer_activations=show_layer_activations,
        show_trainable=show_trainable,
        splines=splines,
        **kwargs,
    )
    to_file = os.fspath(to_file)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    with atomic_write(to_file) as tmp:
        dot.write(tmp, format=extension)
    if extension != "pdf":
        try:
            from IPython import display
        except ImportError:
            return None
        return display.Image(filename=to_file)
    return None
