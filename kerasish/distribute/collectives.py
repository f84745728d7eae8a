"""What the ranks exchange besides gradients: metric state, a shared seed, predictions, and a flag any rank set."""

from __future__ import annotations

import torch
import torch.distributed as dist


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
                v.copy_(flat[offset : offset + n].view_as(v))
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


def any_rank(flag: bool, device: torch.device) -> bool:
    """Whether `flag` is set on any rank (an all-reduce of one number, on `device`: NCCL reduces GPU tensors only)."""
    flag = torch.tensor([int(bool(flag))], dtype=torch.int32, device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())
