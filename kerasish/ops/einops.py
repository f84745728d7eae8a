"""`keras.ops.rearrange`: einops-style axis rearrangement (`"b h w c -> b (h w) c"`) as one reshape, permute,
reshape."""

from __future__ import annotations

import math
import re

from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.ops.operation import keras_op

_AXIS_OR_GROUP = re.compile(r"\w+|\([^()]*\)")


def _groups(side: str, pattern: str) -> list[list[str]]:
    """`"b (h1 h) c"` as `[["b"], ["h1", "h"], ["c"]]`."""
    items = _AXIS_OR_GROUP.findall(side)
    if "".join(items).replace(" ", "") != re.sub(r"\s+", "", side):
        raise ValueError(f"rearrange: cannot parse {side!r} in pattern {pattern!r}.")
    return [item[1:-1].split() if item.startswith("(") else [item] for item in items]


@keras_op
def rearrange(tensor, pattern, **axes_lengths):
    """Rearranges the axes of `tensor` as the einops `pattern` says: reorder (`"b h w c -> b c h w"`), merge
    (`"b h w c -> (b h) w c"`) or split (`"b (h1 h) w c -> (b h1) h w c"` with `h1=2`).

    Args:
        tensor: the tensor.
        pattern: `"input axes -> output axes"`; parentheses group axes into one.
        **axes_lengths: the sizes of split axes (one axis per group may be left out and is inferred).
    """
    tensor = convert_to_tensor(tensor)
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: the pattern must have the form 'inputs -> outputs'; received {pattern!r}.")
    left, right = pattern.split("->")
    inputs, outputs = _groups(left, pattern), _groups(right, pattern)
    if len(inputs) != tensor.ndim:
        raise ValueError(
            f"rearrange: the pattern {pattern!r} names {len(inputs)} input axes; the tensor has shape "
            f"{tuple(tensor.shape)}."
        )
    input_axes = [axis for group in inputs for axis in group]
    output_axes = [axis for group in outputs for axis in group]
    if sorted(input_axes) != sorted(output_axes) or len(set(input_axes)) != len(input_axes):
        raise ValueError(f"rearrange: the two sides of {pattern!r} must name the same axes, each once.")
    sizes = {}
    for group, dim in zip(inputs, tensor.shape):
        unknown = [axis for axis in group if axis not in axes_lengths]
        if len(unknown) > 1:
            raise ValueError(f"rearrange: give the lengths of all but one of the axes {group} in {pattern!r}.")
        known = math.prod(axes_lengths[axis] for axis in group if axis in axes_lengths)
        for axis in group:
            sizes[axis] = axes_lengths[axis] if axis in axes_lengths else dim // known
        if math.prod(sizes[axis] for axis in group) != dim:
            raise ValueError(
                f"rearrange: the axes {group} of {pattern!r} do not divide the input dimension {dim} "
                f"(lengths {axes_lengths})."
            )
    split = tensor.reshape([sizes[axis] for axis in input_axes])
    moved = split.permute([input_axes.index(axis) for axis in output_axes])
    return moved.reshape([math.prod(sizes[axis] for axis in group) for group in outputs])


__all__ = ["rearrange"]
