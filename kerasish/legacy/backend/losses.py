"""Keras 2's loss `K` functions beyond the cross-entropies of `functions.py`: the focal cross-entropies and CTC
(`ctc_batch_cost`, `ctc_decode`, `ctc_label_dense_to_sparse`), with tf.keras's conventions: CTC takes softmax
probabilities `(batch, time, classes)` and the last class is the blank."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import config, ops
from kerasish.backend.common.tensors import convert_to_tensors

__all__ = [
    "binary_focal_crossentropy",
    "categorical_focal_crossentropy",
    "ctc_batch_cost",
    "ctc_decode",
    "ctc_label_dense_to_sparse",
]


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False):
    """Binary cross-entropy scaled by `(1 - p_t) ** gamma` (`p_t`: the probability given to the true class), and
    by `alpha` for positives / `1 - alpha` for negatives when `apply_class_balancing`."""
    target, output = convert_to_tensors(target, output)
    probabilities = torch.sigmoid(output) if from_logits else output
    p_t = target * probabilities + (1 - target) * (1 - probabilities)
    focal = (1.0 - p_t) ** gamma * ops.binary_crossentropy(target, output, from_logits=from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1):
    """Categorical cross-entropy with each class's term scaled by `alpha * (1 - p) ** gamma`, summed over `axis`."""
    target, output = convert_to_tensors(target, output)
    if target.shape != output.shape:
        raise ValueError(
            f"categorical_focal_crossentropy: target and output must have the same shape; received "
            f"{tuple(target.shape)} and {tuple(output.shape)}."
        )
    if from_logits:
        output = torch.softmax(output, dim=axis)
    output = output / output.sum(dim=axis, keepdim=True)
    eps = config.epsilon()
    output = output.clamp(eps, 1.0 - eps)
    return (alpha * (1.0 - output) ** gamma * (-target * torch.log(output))).sum(dim=axis)


def ctc_label_dense_to_sparse(labels, label_lengths) -> torch.Tensor:
    """The first `label_lengths[b]` labels of each row of `labels` as a sparse COO tensor of `labels`' shape."""
    labels, label_lengths = convert_to_tensors(labels, label_lengths)
    label_lengths = label_lengths.to(labels.device).reshape(-1)
    keep = torch.arange(labels.shape[1], device=labels.device)[None, :] < label_lengths[:, None]
    indices = keep.nonzero().T
    return torch.sparse_coo_tensor(indices, labels[keep], tuple(labels.shape)).coalesce()


def _log_probabilities(y_pred: torch.Tensor) -> torch.Tensor:
    # tf.keras feeds log(p + epsilon) to TensorFlow's CTC kernels, which take it as logits.
    return torch.log(y_pred + config.epsilon())


def ctc_batch_cost(y_true, y_pred, input_length, label_length) -> torch.Tensor:
    """CTC loss per batch item, `(batch, 1)`.

    Args:
        y_true: `(batch, max_label_length)` integer labels.
        y_pred: `(batch, time, classes)` softmax outputs; the last class is the blank.
        input_length: `(batch, 1)` valid time steps of each item of `y_pred`.
        label_length: `(batch, 1)` labels of each item of `y_true`.
    """
    y_true, y_pred, input_length, label_length = convert_to_tensors(y_true, y_pred, input_length, label_length)
    log_probs = torch.log_softmax(_log_probabilities(y_pred).float(), dim=-1).transpose(0, 1)
    loss = F.ctc_loss(
        log_probs,
        y_true.long(),
        input_length.reshape(-1).long(),
        label_length.reshape(-1).long(),
        blank=y_pred.shape[-1] - 1,
        reduction="none",
        zero_infinity=False,
    )
    return loss.to(y_pred.dtype).unsqueeze(1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decodes softmax outputs `(batch, time, classes)` (the last class is the blank).

    Args:
        y_pred: the softmax outputs.
        input_length: `(batch,)` valid time steps per item.
        greedy: best-path decoding if True, else beam search.
        beam_width: the beam width of the beam search.
        top_paths: how many best sequences the beam search returns.

    Returns:
        `(decoded, log_prob)`: a list of `top_paths` (1 for greedy) `(batch, time)` int64 tensors holding the labels
        left-aligned and -1 after them, and `(batch, top_paths)` scores: the log probability of each sequence for
        the beam search, the negative sum of the best step's log probabilities for greedy.
    """
    y_pred, input_length = convert_to_tensors(y_pred, input_length)
    logits = _log_probabilities(y_pred)
    blank = y_pred.shape[-1] - 1
    strategy = "greedy" if greedy else "beam_search"
    decoded, log_prob = ops.ctc_decode(
        logits, input_length.reshape(-1), strategy, beam_width, top_paths, merge_repeated=True, mask_index=blank
    )
    if not greedy:  # TensorFlow's beam decoder also merges repeated labels of the chosen sequences
        decoded = _merge_repeated(decoded)
    return [path.long() for path in decoded], log_prob


def _merge_repeated(decoded: torch.Tensor) -> torch.Tensor:
    repeated = torch.zeros_like(decoded, dtype=torch.bool)
    repeated[..., 1:] = (decoded[..., 1:] == decoded[..., :-1]) & (decoded[..., 1:] >= 0)
    kept = torch.where(repeated, -1, decoded)
    order = torch.argsort((kept < 0).to(torch.int8), dim=-1, stable=True)
    return kept.gather(-1, order)
