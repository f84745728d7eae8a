"""torch's fused LSTM/GRU/simple RNN kernels (cuDNN on CUDA, a C++ loop on CPU) run on Keras's weights.

An RNN layer calls `fused_rnn` when its configuration is one torch's kernels compute (tanh/sigmoid, no
recurrent dropout, GRU with `reset_after=True`). Masks must be right-padded: each sequence's steps come first and
its padding last, which is what `Embedding(mask_zero=True)` gives for padded batches; any other mask returns None
and the layer runs its step loop. Masked steps follow Keras: the state is carried over, and the output repeats the
previous one (zeros before the first step, or always zeros with `zero_output_for_mask`).
"""

from __future__ import annotations

import weakref

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

# Per cell: (its weights' identities and versions, the torch-layout weights derived from them).
_INFERENCE_WEIGHTS = weakref.WeakKeyDictionary()
_KERNELS = {
    "lstm": torch._VF.lstm,
    "gru": torch._VF.gru,
    "rnn_tanh": torch._VF.rnn_tanh,
    "rnn_relu": torch._VF.rnn_relu,
}


def fused_rnn(
    kind: str,
    sequences: torch.Tensor,
    initial_state: list,
    weights: list,
    mask: torch.Tensor | None,
    go_backwards: bool,
    return_sequences: bool,
    zero_output_for_mask: bool,
):
    """Runs a one-layer unidirectional recurrent kernel over batch-major `sequences`.

    Args:
        kind: "lstm" (states h, c), or "gru", "rnn_tanh", "rnn_relu" (state h).
        sequences: `(batch, timesteps, features)`.
        initial_state: the state tensors, each `(batch, units)`.
        weights: torch's weights in torch's layout and gate order, `[w_ih, w_hh]` or `[w_ih, w_hh, b_ih, b_hh]`,
            from `torch_weights`.
        mask: `(batch, timesteps)` booleans, or None.
        go_backwards: process the steps last to first (outputs stay in processing order, as in Keras).
        return_sequences: whether the per-step outputs are needed.
        zero_output_for_mask: whether masked steps output zeros rather than the previous output.

    Returns:
        `(last_output, outputs or None, final_states)`, or None when the mask is not right-padded.
    """
    kernel = _KERNELS[kind]
    has_bias = len(weights) == 4
    # The kernel's `train` flag only decides whether cuDNN keeps what backward needs (dropout between layers is
    # 0): it follows autograd, not Keras's learning phase, so that gradients of an inference-mode call work.
    training = torch.is_grad_enabled()
    hx = [s.unsqueeze(0) for s in initial_state]
    hx = hx if kind == "lstm" else hx[0]
    if mask is not None:
        padding = _right_padding(mask)
        if padding is None:
            return None
        lengths, host_lengths = padding
        mask = mask.bool() if host_lengths is not None else None  # nothing masked: the plain kernel
    if mask is None:
        if go_backwards:
            sequences = sequences.flip(1)
        outputs, *states = kernel(sequences, hx, weights, has_bias, 1, 0.0, training, False, True)
        states = [s[0] for s in states]
        return states[0], outputs if return_sequences else None, states  # the last output is the last h

    steps = torch.arange(sequences.shape[1], device=sequences.device)
    if go_backwards:
        # Processing the flipped sequence first meets its padding (which leaves the state alone), then the
        # sequence's own steps last to first: run those, right-padded, through the forward kernel.
        valid = steps < lengths[:, None]
        order = torch.where(valid, lengths[:, None] - 1 - steps, steps)
        sequences = sequences.gather(1, order[..., None].expand_as(sequences))
    packed = pack_padded_sequence(sequences, host_lengths, batch_first=True, enforce_sorted=False)
    if kind == "lstm":
        hx = [h.index_select(1, packed.sorted_indices) for h in hx]
    else:
        hx = hx.index_select(1, packed.sorted_indices)
    data, *states = kernel(packed.data, packed.batch_sizes, hx, weights, has_bias, 1, 0.0, training, False)
    states = [s.index_select(1, packed.unsorted_indices)[0] for s in states]
    last_output = states[0]
    outputs = None
    if return_sequences or (zero_output_for_mask and not go_backwards):
        packed_out = PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices)
        outputs = pad_packed_sequence(packed_out, batch_first=True, total_length=sequences.shape[1])[0]
        if go_backwards:
            # In processing order the padding comes first, its outputs zeros (there is no previous output).
            shift = (steps + lengths[:, None]) % sequences.shape[1]
            outputs = outputs.gather(1, shift[..., None].expand_as(outputs))
        elif zero_output_for_mask:
            last_output = outputs[:, -1]  # Keras's last output is the last step's, zeroed when masked
        else:
            outputs = torch.where(mask[..., None], outputs, last_output[:, None])
    return last_output, outputs if return_sequences else None, states


def place_in_one_buffer(weights: list, extra_zeros: int = 0) -> torch.Tensor:
    """Moves the values of the Keras-layout 2-D `weights` (kernels, then 1-D biases) into one new contiguous buffer,
    in order, each stored as torch's kernels read it (kernels transposed), then `extra_zeros` zeros, and returns
    the zeros' view. The weights stay the same Parameter objects (optimizers keep them) and keep their Keras shape:
    a kernel becomes the transposed view of its block, so `kernel.T` is the block itself, and the torch-layout
    weights reach cuDNN as one buffer with no copy (like `nn.LSTM.flatten_parameters`).
    """
    pieces = [w.detach().T if w.dim() == 2 else w.detach() for w in weights]
    sizes = [p.numel() for p in pieces] + [extra_zeros]
    flat = torch.zeros(sum(sizes), dtype=pieces[0].dtype, device=pieces[0].device)
    views = flat.split(sizes)
    with torch.no_grad():
        for weight, piece, view in zip(weights, pieces, views):
            view = view.view(piece.shape)
            view.copy_(piece)
            weight.data = view.T if weight.dim() == 2 else view
    return views[-1]


def torch_weights(cell, sources: list, to_torch_layout) -> list:
    """The weights `to_torch_layout()` derives from `cell`'s Keras weights `sources`, for `fused_rnn`.

    On CUDA they must be views of one contiguous buffer, in order: cuDNN uses such weights in place, and copies
    separate ones into a buffer of its own at every call, slowly and with a warning. Weights placed with
    `place_in_one_buffer` already are; others are copied into one, at every call while autograd records (so that
    gradients reach `sources`), and once otherwise (inference), until a source changes.
    """
    weights = to_torch_layout()
    if not weights[0].is_cuda or _in_one_buffer(weights):
        return weights
    sources = [w for w in sources if w is not None]
    if torch.is_grad_enabled() or sources[0].is_inference():  # weights made in inference mode have no versions
        return _on_one_buffer(weights)
    key = [(w.data_ptr(), w._version) for w in sources]
    cache = _INFERENCE_WEIGHTS.get(cell)
    if cache is None or cache[0] != key:
        cache = _INFERENCE_WEIGHTS[cell] = (key, _on_one_buffer(weights))
    return cache[1]


def _in_one_buffer(weights: list) -> bool:
    address = weights[0].data_ptr()
    for w in weights:
        if w.data_ptr() != address or not w.is_contiguous():
            return False
        address += w.numel() * w.element_size()
    return True


def _on_one_buffer(weights: list) -> list:
    flat = torch.cat([w.reshape(-1) for w in weights])
    return [piece.view(w.shape) for piece, w in zip(flat.split([w.numel() for w in weights]), weights)]


def _right_padding(mask: torch.Tensor):
    """`(lengths, host_lengths)` for a right-padded mask with no empty sequence, `(lengths, None)` if nothing is
    masked, or None otherwise. Reads the mask once from the device (the packed kernel needs host lengths)."""
    if mask.device.type == "meta" or torch.compiler.is_compiling():
        return None
    mask = mask.bool()
    lengths = mask.sum(1)
    steps = torch.arange(mask.shape[1], device=mask.device)
    right_padded = (mask == (steps < lengths[:, None])).all() & (lengths > 0).all()
    host = torch.cat([lengths, right_padded.long()[None]]).cpu()
    if not host[-1]:
        return None
    host_lengths = host[:-1]
    if bool((host_lengths == mask.shape[1]).all()):
        return lengths, None
    return lengths, host_lengths
