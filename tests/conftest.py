"""Suite-wide isolation: global settings a test (or a docs block) changes do not leak into the next test."""

import pytest
import torch

from kerasish import mixed_precision
from kerasish.distribute import launcher


@pytest.fixture(autouse=True)
def _reset_global_policy():
    yield
    mixed_precision.set_global_policy(None)


@pytest.fixture(autouse=True)
def _launch_ddp_ranks_as_a_fresh_process_would(monkeypatch):
    """`fit(distribute="ddp")` forks its ranks unless another thread runs or CUDA started. Threads that earlier tests
    leave behind (a TensorBoard writer of an interrupted fit, multiprocessing's fd-sharing thread started by a
    collection-time check) would make every later launch spawn: seconds per rank, more load on the machine, and not
    the path a user's fresh script takes. Tests of the spawn path ask for it themselves."""

    def as_in_a_fresh_process():
        fork = "fork" in torch.multiprocessing.get_all_start_methods() and not torch.cuda.is_initialized()
        return "fork" if fork else "spawn"

    monkeypatch.setattr(launcher, "_start_method", as_in_a_fresh_process)
