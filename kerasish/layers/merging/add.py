"""Add: element-wise sum of a list of tensors."""

from __future__ import annotations

import torch

from kerasish.layers.merging.base_merge import Merge, fold_in_place


class Add(Merge):
    """Adds a list of tensors of the same (or broadcastable) shape.

    Example:
        added = Add()([x1, x2])
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output

    def _call_in_place(self, inputs):
        return fold_in_place(self, Add, torch.Tensor.add_, inputs)


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([x1, x2])`."""
    return Add(**kwargs)(inputs)
