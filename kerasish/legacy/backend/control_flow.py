"""Keras 2's loop `K` functions: `foldl`, `foldr` and `rnn` (the time loop behind Keras 2's recurrent layers)."""

from __future__ import annotations

import torch

from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.utils import tree

__all__ = ["foldl", "foldr", "rnn"]


def _fold(fn, elems, initializer, reverse: bool):
    leaves = [convert_to_tensor(leaf) for leaf in tree.flatten(elems)]
    steps = leaves[0].shape[0]
    order = list(range(steps - 1, -1, -1)) if reverse else list(range(steps))

    def item(i):
        return tree.pack_sequence_as(elems, [leaf[i] for leaf in leaves])

    if initializer is None:
        if not order:
            raise ValueError("foldl/foldr of empty `elems` need an `initializer`.")
        accumulator, order = item(order[0]), order[1:]
    else:
        accumulator = initializer
    for i in order:
        accumulator = fn(accumulator, item(i))
    return accumulator


def foldl(fn, elems, initializer=None, name=None):
    """`fn(accumulator, x)` over the slices of `elems` along its first axis, first to last; the first slice starts
    the accumulator when `initializer` is None."""
    return _fold(fn, elems, initializer, reverse=False)


def foldr(fn, elems, initializer=None, name=None):
    """`fn(accumulator, x)` over the slices of `elems` along its first axis, last to first."""
    return _fold(fn, elems, initializer, reverse=True)


def _expand_like(mask_t: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return mask_t.reshape(mask_t.shape + (1,) * (target.ndim - mask_t.ndim))


def rnn(
    step_function,
    inputs,
    initial_states,
    go_backwards=False,
    mask=None,
    constants=None,
    unroll=False,
    input_length=None,
    time_major=False,
    zero_output_for_mask=False,
    return_all_outputs=True,
):
    """Iterates `output, new_states = step_function(input_t, states + constants)` over the time axis of `inputs`.

    Args:
        step_function: the step, taking `(batch, ...)` inputs and the list of states (then `constants`).
        inputs: `(batch, time, ...)` (or `(time, batch, ...)` with `time_major`), or a nest of such tensors.
        initial_states: the list of initial states.
        go_backwards: iterate from the last step to the first (outputs are in that order).
        mask: `(batch, time)` booleans; a False step keeps the previous output (zeros with `zero_output_for_mask`)
            and states.
        constants: extra tensors passed to every step after the states.
        unroll, input_length: accepted for compatibility (the loop runs eagerly).
        time_major: whether the time axis comes first.
        zero_output_for_mask: output zeros at masked steps.
        return_all_outputs: keep every step's output (else only the last one, as a length-1 time axis).

    Returns:
        `(last_output, outputs, new_states)`: the last step's output `(batch, ...)`, the outputs `(batch, time, ...)`
        (time first with `time_major`) and the list of final states.
    """
    leaves = [convert_to_tensor(leaf) for leaf in tree.flatten(inputs)]
    if any(leaf.ndim < 3 for leaf in leaves):
        raise ValueError(f"rnn: inputs must have rank 3 or more; received shapes {[tuple(t.shape) for t in leaves]}.")
    if not time_major:
        leaves = [leaf.transpose(0, 1) for leaf in leaves]
    steps = leaves[0].shape[0]
    masks = None
    if mask is not None:
        mask = convert_to_tensor(mask).bool()
        masks = list((mask if time_major else mask.transpose(0, 1)).unbind(0))
    order = list(range(steps - 1, -1, -1)) if go_backwards else list(range(steps))
    constants = list(constants or [])
    states = list(initial_states)
    outputs, previous = [], None
    for t in order:
        output, new_states = step_function(
            tree.pack_sequence_as(inputs, [leaf[t] for leaf in leaves]), tuple(states) + tuple(constants)
        )
        new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
        if masks is not None:
            keep = masks[t]
            fallback = torch.zeros_like(output) if previous is None or zero_output_for_mask else previous
            output = torch.where(_expand_like(keep, output), output, fallback)
            new_states = [torch.where(_expand_like(keep, new), new, old) for new, old in zip(new_states, states)]
        previous, states = output, new_states
        outputs = outputs + [output] if return_all_outputs else [output]
    stacked = torch.stack(outputs, dim=0)
    if not time_major:
        stacked = stacked.transpose(0, 1)
    return outputs[-1], stacked, states
