"""Multiply: the element-wise product of a list of tensors."""

from __future__ import annotations

import torch

from kerasish.layers.merging.base_merge import Merge, fold_in_place


class Multiply(Merge):
    """Multiplies a list of tensors of the same (or broadcastable) shape element-wise.

    Masked timesteps of an input count as 1 in the product; where every input is masked the output is 0.

    Example:
        product = Multiply()([x1, x2])
    """

    def _merge_function(self, inputs):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        if all(m is None for m in masks):
            output = inputs[0]
            for x in inputs[1:]:
                output = output * x
            return output
        every_input_masked = all(m is not None for m in masks)
        output, output_mask = None, None
        for x, mask in zip(inputs, masks):
            if mask is not None:
                mask = mask.unsqueeze(-1).expand_as(x)
                x = torch.where(mask, x, torch.ones((), dtype=x.dtype, device=x.device))
                if every_input_masked:
                    output_mask = mask if output_mask is None else torch.logical_or(output_mask, mask)
            output = x if output is None else output * x
        if every_input_masked:
            output = torch.where(output_mask, output, torch.zeros((), dtype=output.dtype, device=output.device))
            output._keras_mask = torch.any(output_mask, dim=-1)
        return output

    def _call_in_place(self, inputs):
        return fold_in_place(self, Multiply, torch.Tensor.mul_, inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`: `multiply([x1, x2])`."""
    return Multiply(**kwargs)(inputs)
