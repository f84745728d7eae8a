"""`model.summary()`: Keras 3's table of layers, output shapes and parameter counts, laid out as Keras's (rich)
table is: the same column widths for the same terminal, wrapped cells, nested models expanded on request."""

from __future__ import annotations

import re
import shutil
import textwrap

from kerasish import tree
from kerasish.layers.input_layer import InputLayer
from kerasish.saving.object_registry import obj_type


def readable_memory_size(num_bytes: float) -> str:
    """`2308` -> `"2.25 KB"`, as Keras prints parameter memory."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if num_bytes / 1024 < 1:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} PB"


def _unique(weights) -> list:
    return list({id(w): w for w in weights}.values())


def _weight_bytes(weights) -> int:
    return sum(w.numel() * w.element_size() for w in _unique(weights))


def _count(weights) -> int:
    return sum(w.numel() for w in weights)


def _format_shape(shape) -> str:
    # Keras's `(None, 4)`, and `(4)` for one axis (not Python's `(4,)`).
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _output_shape(layer) -> str:
    if not layer._inbound_nodes:
        return "?"
    outputs = layer._inbound_nodes[-1].output_tensors
    shapes = [_format_shape(t.shape) for t in outputs]
    if len(shapes) == 1:
        return shapes[0]
    return "[" + ", ".join(shapes) + "]"


def _is_sequential_like(model) -> bool:
    """Whether a functional model is a straight line (one node per depth, each with at most one input, no layer
    called twice): Keras then drops the "Connected to" column."""
    if obj_type(model) != "Functional":
        return True  # Sequential and subclassed models list their layers as a sequence
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1 and len(tree.flatten(depth_nodes[0].input_tensors)) > 1):
            return False
        nodes.extend(depth_nodes)
    member = {id(n) for n in nodes}
    return all(sum(id(node) in member for node in layer._inbound_nodes) <= 1 for layer in _operations(model))


def _connections(layer, member: set) -> str:
    if isinstance(layer, InputLayer):
        return "-"
    parts = []
    for node in layer._inbound_nodes:
        if id(node) in member:
            for t in node.input_tensors:
                source, node_index, tensor_index = t._keras_history
                parts.append(f"{source.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _ratio_reduce(total: int, widths: list[int]) -> list[int]:
    # Takes `total` characters off the columns in equal shares (rounded half to even, as Python rounds), the way
    # rich shrinks a table wider than its line.
    remaining, shares, result = total, len(widths), []
    for width in widths:
        taken = min(width, round(remaining / shares))
        result.append(width - taken)
        remaining -= taken
        shares -= 1
    return result


def column_widths(line_length: int, positions: list[float]) -> list[int]:
    """The text width of each column: its share of the line (Keras's `positions`), plus one space of padding each
    side, shrunk evenly until the columns and borders fit the line, less the padding."""
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    padded = [w + 2 for w in widths]
    available = line_length - (len(widths) + 1)  # the vertical borders
    if sum(padded) > available:
        padded = _ratio_reduce(sum(padded) - available, padded)
    return [w - 2 for w in padded]


def _fit(text: str, width: int, how: str) -> str:
    if how == "right":
        return text.rjust(width)
    if how == "center":
        left = (width - len(text)) // 2
        return " " * left + text + " " * (width - len(text) - left)
    return text.ljust(width)


def _header(text: str, width: int, how: str) -> str:
    # Headers do not wrap: one that does not fit ends in an ellipsis ("Trai…").
    return _fit(text if len(text) <= width else text[: width - 1] + "…", width, how)


def _row_lines(cells: list[str], widths: list[int], align: list[str]) -> list[str]:
    wrapped = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(cells, widths)]
    height = max(len(w) for w in wrapped)
    lines = []
    for i in range(height):
        parts = [_fit(column[i] if i < len(column) else "", w, how) for column, w, how in zip(wrapped, widths, align)]
        lines.append("│ " + " │ ".join(parts) + " │")
    return lines


def _layer_range(layers: list, layer_range) -> list:
    """The layers from the first whose name matches `layer_range[0]` to the last matching `layer_range[1]`."""
    if layer_range is None:
        return layers
    if len(layer_range) != 2:
        raise ValueError(
            f"layer_range must be a list or tuple of length 2. Received: layer_range = {layer_range} of length "
            f"{len(layer_range)}"
        )
    if not all(isinstance(pattern, str) for pattern in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(f"Passed layer_names do not match the layer names in the model. Received: {layer_range}")
    if min(lower) > max(upper):
        return layers[min(upper) : max(lower) + 1]
    return layers[min(lower) : max(upper) + 1]


def summary_text(
    model, line_length=None, positions=None, expand_nested=False, show_trainable=False, layer_range=None
) -> str:
    """The text `model.summary()` prints, ending with a newline."""
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        default_line_length, default_positions = 88, [0.45, 0.80, 1.0]
        headers, align = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
        member = set()
    else:
        default_line_length, default_positions = 108, [0.3, 0.56, 0.74, 1.0]
        headers, align = ["Layer (type)", "Output Shape", "Param #", "Connected to"], ["left", "left", "right", "left"]
        member = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    positions = list(positions or default_positions)
    if show_trainable:
        default_line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        headers.append("Trainable")
        align.append("center")
    # Keras's default fits the terminal (less a margin of 4); what does not fit the terminal is cut off there.
    columns = shutil.get_terminal_size().columns
    line_length = line_length or min(default_line_length, columns - 4)
    widths = column_widths(line_length, positions)

    def rows(layer, level=0):
        name = ("   " * level + "└ " if level else "") + f"{layer.name} ({type(layer).__name__})"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        cells = [name, _output_shape(layer), params]
        if not sequential_like:
            cells.append(_connections(layer, member))
        if show_trainable:
            cells.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        yield cells
        if expand_nested and getattr(layer, "layers", None):
            for inner in layer.layers:
                yield from rows(inner, level + 1)

    def rule(left, mid, right, fill):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    body = [cells for layer in _layer_range(_operations(model), layer_range) for cells in rows(layer)]
    table = [rule("┏", "┳", "┓", "━")]
    table.append("┃ " + " ┃ ".join(_header(h, w, a) for h, w, a in zip(headers, widths, align)) + " ┃")
    table.append(rule("┡", "╇", "┩", "━"))
    for i, cells in enumerate(body):
        table.extend(_row_lines(cells, widths, align))
        if i < len(body) - 1:
            table.append(rule("├", "┼", "┤", "─"))
    table.append(rule("└", "┴", "┘", "─"))
    lines = [f'Model: "{model.name}"'] + [line[:columns] for line in table]

    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    optimizer_vars = (
        list(optimizer.variables)
        if getattr(model, "compiled", False) and optimizer is not None and getattr(optimizer, "built", False)
        else None
    )
    total = _count(trainable) + _count(non_trainable) + _count(optimizer_vars or [])
    total_bytes = _weight_bytes(trainable) + _weight_bytes(non_trainable) + _weight_bytes(optimizer_vars or [])
    # Counts with thousands separators ("2,410"), as Keras prints them.
    lines.append(f" Total params: {total:,} ({readable_memory_size(total_bytes)})")
    lines.append(f" Trainable params: {_count(trainable):,} ({readable_memory_size(_weight_bytes(trainable))})")
    lines.append(
        f" Non-trainable params: {_count(non_trainable):,} ({readable_memory_size(_weight_bytes(non_trainable))})"
    )
    if optimizer_vars is not None:
        lines.append(
            f" Optimizer params: {_count(optimizer_vars):,} ({readable_memory_size(_weight_bytes(optimizer_vars))})"
        )
    return "\n".join(lines) + "\n"


def print_summary(
    model, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False, layer_range=None
) -> None:
    """Prints the summary table of `model`: to stdout, or as one string to `print_fn`, as Keras 3 does."""
    text = summary_text(model, line_length, positions, expand_nested, show_trainable, layer_range)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)


def _operations(model) -> list:
    """What the table lists: a functional model's layers and ops (as Keras's summary shows them), else its layers."""
    return getattr(model, "operations", None) or model.layers
