"""How a run of `fit`, `evaluate` or `predict` spreads over processes: the operations the loop needs, in one object.

The loop asks its strategy for the device, gives it the data sources to shard, the built model to wrap, the metric
states to reduce, the predictions to gather and the decision to stop. `LocalStrategy` (one process) leaves
everything as it is, so the loop has no distributed branches; `DataParallelStrategy` runs the same loop as one rank
of a process group, with DistributedDataParallel. `get_strategy()` picks the one this process was launched for.
"""

from __future__ import annotations

import torch

from kerasish.backend.common.tensors import default_device
from kerasish.distribute import collectives, environment
from kerasish.utils import tree


class LocalStrategy:
    """One process on one device: every operation leaves the data, the model and the metrics as they are."""

    is_chief = True  # this process prints, logs and writes files

    def __init__(self):
        self.device = default_device()

    def shard(self, iterators) -> None:
        """Gives this process its share of each data source (`EpochIterator`s): here, all of it."""

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        """The module the steps' forward pass goes through, once the model is built."""
        return module

    def reduce_metrics(self, metrics) -> None:
        """Makes the metric states those of the whole data (each process saw its share)."""

    def gather(self, outputs: list) -> list:
        """Every batch's predictions in the global batch order, from this process's share of each batch."""
        return outputs

    def stop_vote(self, model, may_stop_between_batches: bool) -> StopFlag:
        """What tells the loop to stop after a batch or an epoch (see `StopVote`)."""
        return StopFlag(model)


class DataParallelStrategy(LocalStrategy):
    """One rank of a process group: each global batch is split across the ranks, DistributedDataParallel averages
    the gradients during `backward`, and metric states are summed across ranks before they are read, so the logged
    numbers are those of one process on the whole data. Only rank 0 prints or writes files."""

    def __init__(self):
        self.device = environment.local_device()
        self.rank = environment.rank()
        self.world_size = environment.world_size()
        self.is_chief = self.rank == 0

    def shard(self, iterators) -> None:
        seed = collectives.shared_seed(self.device)  # every rank shuffles alike, then takes its part
        for iterator in iterators:
            iterator.adapter.distribute(self.rank, self.world_size, seed)

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        # DDP starts every rank from rank 0's weights, then averages the gradients across ranks in `backward`.
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids)

    def reduce_metrics(self, metrics) -> None:
        collectives.sum_metric_states(metrics)

    def gather(self, outputs: list) -> list:
        outputs = [tree.map_structure(lambda t: t.cpu(), o) for o in outputs]
        return [
            tree.pack_sequence_as(parts[0], [torch.cat(p) for p in zip(*(tree.flatten(o) for o in parts))])
            for parts in collectives.gather_batches(outputs)
        ]

    def stop_vote(self, model, may_stop_between_batches: bool) -> StopVote:
        return StopVote(model, self.device, may_stop_between_batches)


def get_strategy() -> LocalStrategy:
    """The strategy of this process: data parallel when it was launched as one rank of several (it joins the process
    group on first use), else local."""
    return DataParallelStrategy() if environment.maybe_initialize() else LocalStrategy()


class StopFlag:
    """One process: the loop stops when `model.stop_training` is set, after the batch or epoch that set it."""

    def __init__(self, model):
        self.model = model

    def after_batch(self) -> bool:
        return self.model.stop_training

    def after_epoch(self) -> bool:
        return self.model.stop_training


class StopVote:
    """Makes `model.stop_training` one decision for all ranks, so that they all leave `fit` after the same step.

    A rank that stops alone leaves the others waiting in the next gradient all-reduce, which then fails on every
    rank. So the ranks agree on the flag (an all-reduce of one number: any rank's stop stops all) at each epoch end,
    and after each batch only when some rank has a callback that may stop between batches (the progress bar, which
    only rank 0 shows, never stops): that is agreed once, when training begins, so that every rank runs the same
    collectives. A stop set mid-epoch without such a callback (by a custom `train_step`) takes effect at the epoch
    end.

    Args:
        model: The model being trained (its `stop_training` is read and set).
        device: This rank's device (where the flag is reduced: NCCL reduces GPU tensors only).
        may_stop_between_batches: Whether this rank has a callback with train batch hooks, other than the progress
            bar.
    """

    def __init__(self, model, device: torch.device, may_stop_between_batches: bool):
        self.model = model
        self.device = device
        self.every_batch = collectives.any_rank(may_stop_between_batches, device)

    def after_batch(self) -> bool:
        """Whether every rank stops now, after a batch's callbacks ran."""
        return self._agree() if self.every_batch else False

    def after_epoch(self) -> bool:
        """Whether every rank stops now, after the epoch's callbacks ran."""
        return self._agree()

    def _agree(self) -> bool:
        self.model.stop_training = collectives.any_rank(self.model.stop_training, self.device)
        return self.model.stop_training
