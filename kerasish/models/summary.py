"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts."""

from __future__ import annotations

import textwrap

from kerasish.layers.input_layer import InputLayer
from kerasish.saving.object_registry import obj_type


def readable_memory_size(num_bytes: float) -> str:
    """`2308` -> `"2.25 KB"`, as Keras prints parameter memory."""
    for unit in ("B", "KB", "MB", "GB"):
        if num_bytes < 1024 or unit == "GB":
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} GB"


def _weight_bytes(weights) -> int:
    return sum(w.numel() * w.element_size() for w in weights)


def _output_shape(layer) -> str:
    if not layer._inbound_nodes:
        return "?"
    outputs = layer._inbound_nodes[-1].output_tensors
    shapes = [t.shape for t in outputs]
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _connections(layer, model) -> str:
    if isinstance(layer, InputLayer):
        return "-"
    member = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    parts = []
    for node in layer._inbound_nodes:
        if id(node) in member:
            for t in node.input_tensors:
                source, node_index, tensor_index = t._keras_history
                parts.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _row_lines(cells: list[str], widths: list[int], align: list[str]) -> list[str]:
    wrapped = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    lines = []
    for i in range(height):
        parts = []
        for column, width, how in zip(wrapped, widths, align):
            text = column[i] if i < len(column) else ""
            parts.append(text.rjust(width) if how == "right" else text.ljust(width))
        lines.append("│ " + " │ ".join(parts) + " │")
    return lines


def print_summary(
    model, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False, layer_range=None
) -> None:
    """Prints the summary table of `model` with `print_fn` (default `print`)."""
    print_fn = print_fn or print
    functional = obj_type(model) == "Functional"
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if functional else [])
    widths = [19, 17, 10, 17] if functional else [31, 22, 13]
    align = ["left", "left", "right", "left"]
    if show_trainable:
        headers.append("Trainable")
        widths.append(9)
        align = align[: len(headers) - 1] + ["left"]
    layers = model.layers
    if layer_range is not None:
        names = [layer.name for layer in layers]
        start, end = names.index(layer_range[0]), names.index(layer_range[1])
        layers = layers[start : end + 1]
    rows = []
    for layer in layers:
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        cells = [f"{layer.name} ({type(layer).__name__})", _output_shape(layer), params]
        if functional:
            cells.append(_connections(layer, model))
        if show_trainable:
            cells.append("Y" if layer.trainable else "N")
        rows.append(cells)

    def rule(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    lines = [f'Model: "{model.name}"', rule("┏", "┳", "┓", "━")]
    lines.append(
        "┃ " + " ┃ ".join(h.rjust(w) if a == "right" else h.ljust(w) for h, w, a in zip(headers, widths, align)) + " ┃"
    )
    lines.append(rule("┡", "╇", "┩", "━"))
    for i, cells in enumerate(rows):
        lines.extend(_row_lines(cells, widths, align))
        if i < len(rows) - 1:
            lines.append(rule("├", "┼", "┤", "─"))
    lines.append(rule("└", "┴", "┘", "─"))
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    count = lambda ws: sum(w.numel() for w in ws)  # noqa: E731
    # Counts with thousands separators ("2,410"), as Keras prints them.
    lines.append(
        f" Total params: {count(trainable) + count(non_trainable):,} "
        f"({readable_memory_size(_weight_bytes(trainable) + _weight_bytes(non_trainable))})"
    )
    lines.append(f" Trainable params: {count(trainable):,} ({readable_memory_size(_weight_bytes(trainable))})")
    lines.append(
        f" Non-trainable params: {count(non_trainable):,} ({readable_memory_size(_weight_bytes(non_trainable))})"
    )
    for line in lines:
        print_fn(line)
