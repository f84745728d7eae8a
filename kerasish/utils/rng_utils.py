"""Seeding every random number generator kerasish programs use."""

from __future__ import annotations

import random

import numpy as np
import torch

_GLOBAL_RANDOM_SEED: int | None = None


def set_random_seed(seed: int) -> None:
    """Sets all random seeds: Python's `random`, NumPy and torch (CPU and every CUDA device).

    Calling it with the same seed before building and training a model makes the run repeat exactly,
    except for nondeterministic GPU kernels (see `torch.use_deterministic_algorithms`).

    Args:
        seed: Integer, the random seed to use.

    Example:

    >>> set_random_seed(1337)
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r} (of type {type(seed)})")
    global _GLOBAL_RANDOM_SEED
    _GLOBAL_RANDOM_SEED = seed
    random.seed(seed)
    np.random.seed(seed)
    # Seeds the CPU generator and those of all CUDA devices (lazily, for devices not yet initialised).
    torch.manual_seed(seed)


def get_random_seed() -> int | None:
    """The seed last given to `set_random_seed`, or `None` if it was never called."""
    return _GLOBAL_RANDOM_SEED
