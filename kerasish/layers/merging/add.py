"""Add: element-wise sum of a list of tensors."""

from __future__ import annotations

from kerasish.layers.merging.base_merge import Merge, fits_in_place


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
        """`call(inputs)` summed into `inputs[0]` itself, or None where the sum would not fit it. Called by the
        functional program only for a first input nothing else holds."""
        if type(self)._merge_function is not Add._merge_function or type(self).call is not Merge.call:
            return None
        if not fits_in_place(inputs):
            return None
        output = inputs[0]
        for x in inputs[1:]:
            output.add_(x)
        return output


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([x1, x2])`."""
    return Add(**kwargs)(inputs)
