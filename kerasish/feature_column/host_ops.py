"""Id arithmetic on the host in numpy, on a device in torch: the same code for both.

The ids of categorical columns (hashes, crosses, vocabulary positions) are small int64 element-wise work per batch,
with no gradient. On CPU it runs in numpy on zero-copy views of the tensors: numpy's per-op cost is a fraction of
torch's, and it never splits work over torch's intra-op thread pool, which on a machine busy with other work (a
training step, other jobs) stalls each small parallel op until a descheduled pool thread runs again. On a GPU the
same functions run in torch. Callers take `host(tensor)`, compute with operators and these helpers, and hand the
result back through `to_torch`.
"""

from __future__ import annotations

import numpy as np
import torch

# Tests set this to False to run the torch path (what a GPU runs) on CPU.
NUMPY_ON_CPU = True


def host(value: torch.Tensor):
    """A CPU tensor's zero-copy numpy view, or the tensor itself (on a device, or when numpy is switched off)."""
    if NUMPY_ON_CPU and value.device.type == "cpu" and not value.requires_grad and value.dtype != torch.bfloat16:
        return value.numpy()
    return value


def to_torch(value) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(value)) if isinstance(value, np.ndarray) else value


def where(condition, a, b):
    """`a` where `condition`, else `b`; either may be a Python number."""
    if isinstance(condition, np.ndarray):
        return np.where(condition, a, b)
    return torch.where(condition, a, b)


def full(shape: tuple, value: int, like):
    """An int64 array of `shape` filled with `value`, numpy or torch (on `like`'s device) as `like` is."""
    if isinstance(like, np.ndarray):
        return np.full(shape, value, np.int64)
    return torch.full(shape, value, dtype=torch.int64, device=like.device)


def ones_bool(like):
    if isinstance(like, np.ndarray):
        return np.ones(like.shape, bool)
    return torch.ones_like(like, dtype=torch.bool)


def arange(n: int, like):
    if isinstance(like, np.ndarray):
        return np.arange(n, dtype=np.int64)
    return torch.arange(n, device=like.device)
