"""Connectionist Temporal Classification: `ctc` and the `CTC` loss class."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from kerasish.losses.loss import as_tensor
from kerasish.losses.losses import LossFunctionWrapper


def ctc(y_true: Any, y_pred: Any) -> torch.Tensor:
    """CTC loss (negative log-likelihood of the label sequence) for each sequence in the batch.

    Class 0 is the blank, and labels are padded with 0 after their end; every sequence of logits uses all
    its time steps.

    Args:
        y_true: integer labels of shape `(batch, max_label_length)`, 0-padded.
        y_pred: logits of shape `(batch, time_steps, num_classes)`.

    Returns:
        Per-sequence losses of shape `(batch,)`.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.dim() != 2:
        raise ValueError(
            "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in integer "
            f"format, got y_true.shape={tuple(y_true.shape)}."
        )
    if y_pred.dim() != 3:
        raise ValueError(
            "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, num_classes)`, "
            f"got y_pred.shape={tuple(y_pred.shape)}."
        )
    # Half-precision logits are promoted to float32, as tf.nn.ctc_loss (and Keras) do.
    y_pred = y_pred.to(torch.promote_types(y_pred.dtype, torch.float32))
    labels = y_true.long()
    batch, time_steps = y_pred.shape[:2]
    log_probs = F.log_softmax(y_pred, dim=-1).transpose(0, 1)  # torch wants (time, batch, classes)
    input_lengths = torch.full((batch,), time_steps, dtype=torch.long, device=y_pred.device)
    label_lengths = (labels != 0).sum(dim=-1)
    # torch's kernel reads the lengths on the host (one device sync per call); it is still far cheaper than
    # running the forward recursion as a Python loop over time steps.
    return F.ctc_loss(log_probs, labels, input_lengths, label_lengths, blank=0, reduction="none")


class CTC(LossFunctionWrapper):
    """CTC loss, for sequence models whose outputs are not aligned with their labels (speech, handwriting).

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        loss = CTC()
        loss(torch.tensor([[1, 2, 0]]), torch.randn(1, 6, 4))  # labels [1, 2] against 6 steps of 4 classes
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "ctc", dtype: Any = None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)
