"""The output tensor of a preprocessing layer that writes its parts in place (DenseFeatures)."""

from __future__ import annotations

import numpy as np
import torch

_NUMPY_DTYPES = {torch.float32: np.float32, torch.float64: np.float64, torch.float16: np.float16}


def output_buffer(rows: int, width: int, dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, bool]:
    """An uninitialised or zeroed `(rows, width)` tensor, and whether it holds zeros.

    On CPU the buffer comes zeroed from numpy (calloc: the kernel's zero pages, touched once when written, on the
    calling thread), which costs less than `torch.zeros`' fill and never wakes torch's thread pool for the large
    fill that most of a wide output (indicator columns) needs anyway.
    """
    if device.type == "cpu" and dtype in _NUMPY_DTYPES:
        return torch.from_numpy(np.zeros((rows, width), _NUMPY_DTYPES[dtype])), True
    return torch.empty((rows, width), dtype=dtype, device=device), False


def write_part(view: torch.Tensor, part: torch.Tensor) -> None:
    """`view.copy_(part)`; through numpy on CPU without autograd, where torch would split a large copy over its
    thread pool and stall whenever the machine is busy."""
    if (
        view.device.type == "cpu"
        and part.device.type == "cpu"
        and not (view.requires_grad or part.requires_grad)
        and view.dtype in _NUMPY_DTYPES
        and part.dtype in _NUMPY_DTYPES
    ):
        view.numpy()[...] = part.numpy()
    else:
        view.copy_(part)
