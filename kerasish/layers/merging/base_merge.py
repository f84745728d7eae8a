"""Merge: the base of layers that combine a list of tensors into one."""

from __future__ import annotations

import torch

from kerasish.layers.layer import Layer


class Merge(Layer):
    """Base class of Add, Concatenate and friends: called on a list of at least two tensors.

    Subclasses define `_merge_function(inputs)`; `call` first gives inputs of lower rank size-1 axes after the
    batch axis (as Keras does), so that `(batch, 3)` merges with `(batch, 4, 3)`.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or not input_shape
            or not isinstance(input_shape[0], (list, tuple))
        ):
            raise ValueError(
                f'A merge layer ("{self.name}") should be called on a list of inputs. '
                f"Received: input_shape={input_shape} (not a list of shapes)"
            )
        if len(input_shape) < 1:
            raise ValueError(
                f'A merge layer ("{self.name}") should be called on a list of at least 1 input. '
                f"Got {len(input_shape)} inputs."
            )
        self._check_shapes([tuple(s) for s in input_shape])

    def _check_shapes(self, shapes: list[tuple]) -> None:
        """Element-wise merges need shapes that broadcast (batch axis aside)."""
        rank = max(len(s) for s in shapes)
        for axis in range(1, rank):
            sizes = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 1} - {None, 1}
            if len(sizes) > 1:
                raise ValueError(
                    f'Layer "{self.name}": inputs have incompatible shapes. Received shapes '
                    f"{', '.join(str(s[1:]) for s in shapes)}"
                )

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f'A merge layer ("{self.name}") should be called on a list of inputs. Received: '
                f"inputs={inputs} (not a list of tensors)"
            )
        rank = max(x.dim() for x in inputs)
        if any(x.dim() != rank for x in inputs):
            inputs = [x.reshape(x.shape[:1] + (1,) * (rank - x.dim()) + x.shape[1:]) for x in inputs]
        return self._merge_function(list(inputs))

    def compute_mask(self, inputs, mask=None):
        """The outputs are valid where any input is (Keras ORs the masks); no mask unless every input has one."""
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")
        if not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(
                f"The lists `inputs` and `mask` should have the same length. Received "
                f"{len(inputs) if isinstance(inputs, (list, tuple)) else 1} inputs and {len(mask)} "
                f"masks."
            )
        if any(m is None for m in mask):
            return None
        output_mask = mask[0]
        for m in mask[1:]:
            output_mask = torch.logical_or(output_mask, m)
        return output_mask


def fold_in_place(layer: Merge, owner: type, op, inputs):
    """`inputs[1:]` folded into `inputs[0]` with the in-place `op` (`Tensor.add_`, `Tensor.mul_`): the in-place
    twin of `owner`'s merge (Add, Multiply), called by the functional program only for a first input nothing else
    holds. None where it would not give `call`'s output: a subclass changed the merge, or the inputs differ in dtype
    or rank, do not broadcast to the first one's shape, or carry masks."""
    if type(layer)._merge_function is not owner._merge_function or type(layer).call is not Merge.call:
        return None
    if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
        return None
    first = inputs[0]
    for x in inputs[1:]:
        if (
            type(x) is not torch.Tensor
            or x.dtype != first.dtype
            or x.dim() != first.dim()
            or hasattr(x, "_keras_mask")
            or any(b != a and b != 1 for a, b in zip(first.shape, x.shape))
        ):
            return None
    for x in inputs[1:]:
        op(first, x)
    return first


def merge_with_masks(op, inputs: list[torch.Tensor]) -> torch.Tensor:
    """Folds `op` over inputs whose `_keras_mask` marks some timesteps invalid, as Keras's Maximum and Minimum
    do: where one side is masked the other side's value is taken, so padding never wins the comparison."""
    output, output_mask = None, None
    for x in inputs:
        mask = getattr(x, "_keras_mask", None)
        if mask is not None:
            mask = mask.unsqueeze(-1).expand_as(x)
        if output is None:
            output, output_mask = x, mask
            continue
        if mask is not None:
            x = torch.where(mask, x, output)
        if output_mask is not None:
            output = torch.where(output_mask, output, x)
        output_mask = torch.logical_or(output_mask, mask) if mask is not None and output_mask is not None else None
        output = op(output, x)
    if output_mask is not None:
        output._keras_mask = torch.any(output_mask, dim=-1)
    return output
