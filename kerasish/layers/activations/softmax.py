"""Softmax layer, with mask support."""

from __future__ import annotations

import torch

from kerasish import activations
from kerasish.layers.layer import Layer


def large_negative_number(dtype: torch.dtype) -> float:
    """What Keras adds in place of masked logits: far below any real logit, yet finite in `dtype`."""
    return -3e4 if dtype == torch.float16 else -1e9


class Softmax(Layer):
    """Softmax over `axis`; masked positions (mask False) get probability 0.

    Args:
        axis: the axis, or axes, to normalize over.

    Call arguments:
        inputs: the logits.
        mask: a mask broadcastable to `inputs`; True (or > 0.5) keeps a position.

    Example:
        y = Softmax()(torch.tensor([[1.0, 2.0, 3.0]]), mask=torch.tensor([[True, True, False]]))
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            if mask.dim() > inputs.dim() or any(
                m != 1 and m != i for m, i in zip(mask.shape[::-1], inputs.shape[::-1])
            ):
                raise ValueError(
                    f"The `mask` must be broadcastable to `inputs`. Received: "
                    f"inputs.shape={tuple(inputs.shape)}, mask.shape={tuple(mask.shape)}"
                )
            if mask.dtype != torch.bool:
                mask = mask > 0.5
            inputs = torch.where(mask, inputs, large_negative_number(inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=tuple(self.axis), keepdim=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = torch.where(mask, outputs, 0.0)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
