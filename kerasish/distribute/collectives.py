"""What the ranks exchange besides gradients: metric state, a shared seed, predictions, and the decision to stop."""

from __future__ import annotations

import torch
import torch.distributed as dist

from kerasish.distribute import environment


def sum_metric_states(metrics) -> None:
    """Adds up every rank's metric state in place, so each rank's `result()` is the metric over all ranks' data.

    Metric states are sums (totals and counts, confusion counts), so summing them gives exactly the number one
    process would compute on the whole data; averaging per-rank results would not.
    """
    variables = [v for metric in metrics for v in metric.variables]
    if not variables:
        return
    by_kind: dict = {}
    for v in variables:
        by_kind.setdefault((v.device, v.dtype), []).append(v)
    for group in by_kind.values():
        flat = torch.cat([v.detach().reshape(-1) for v in group])
        dist.all_reduce(flat, op=dist.ReduceOp.SUM)
        offset = 0
        for v in group:
            n = v.numel()
            with torch.no_grad():
                v.copy_(flat[offset: offset + n].view_as(v))
            offset += n


def shared_seed(device: torch.device) -> int:
    """A seed drawn on rank 0 and given to all ranks, so that every rank shuffles the data the same way."""
    seed = torch.randint(0, 2**31 - 1, (1,), dtype=torch.int64).to(device)
    dist.broadcast(seed, src=0)
    return int(seed.item())


def gather_batches(batches: list) -> list:
    """Every rank's list of per-batch outputs, interleaved back into the global batch order on every rank."""
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, batches)
    return [list(parts) for parts in zip(*gathered)]


# The hooks through which a callback can set `stop_training` in the middle of an epoch.
_TRAIN_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")


class StopVote:
    """Makes `model.stop_training` one decision for all ranks, so that they all leave `fit` after the same step.

    A rank that stops alone leaves the others waiting in the next gradient all-reduce, which then fails on every
    rank. So the ranks agree on the flag (an all-reduce of one number: any rank's stop stops all) at each epoch end,
    and after each batch only when some rank has a callback with train batch hooks (the progress bar, which only
    rank 0 shows, never stops): that is agreed once, when training begins, so that every rank runs the same
    collectives. A stop set mid-epoch without such a callback (by a custom `train_step`) takes effect at the epoch
    end. Outside distributed training the flag is read as it is.

    Args:
        model: The model being trained (its `stop_training` is read and set).
        callbacks: The run's `CallbackList`.
        device: This rank's device (where the flag is reduced: NCCL reduces GPU tensors only).
    """

    def __init__(self, model, callbacks, device: torch.device):
        self.model = model
        self.device = device
        self.distributed = environment.is_distributed()
        self.every_batch = self.distributed and self._any_rank(_may_stop_between_batches(callbacks))

    def after_batch(self) -> bool:
        """Whether every rank stops now, after a batch's callbacks ran."""
        if self.every_batch:
            return self._agree()
        return self.model.stop_training and not self.distributed

    def after_epoch(self) -> bool:
        """Whether every rank stops now, after the epoch's callbacks ran."""
        return self._agree() if self.distributed else self.model.stop_training

    def _agree(self) -> bool:
        self.model.stop_training = self._any_rank(self.model.stop_training)
        return self.model.stop_training

    def _any_rank(self, flag: bool) -> bool:
        flag = torch.tensor([int(bool(flag))], dtype=torch.int32, device=self.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())


def _may_stop_between_batches(callbacks) -> bool:
    from kerasish.callbacks import ProgbarLogger
    from kerasish.callbacks.callback_list import _overrides

    return any(_overrides(callback, hook) for callback in callbacks
               if not isinstance(callback, ProgbarLogger) for hook in _TRAIN_BATCH_HOOKS)
