"""The distributed environment `fit` runs in: which process this is, how many there are, and on which device.

A process group is joined automatically when the process was launched for it: by torchrun (`RANK`,
`WORLD_SIZE`, `LOCAL_RANK`, `MASTER_ADDR`, `MASTER_PORT`), by SLURM (`SLURM_PROCID`, `SLURM_NTASKS`,
`SLURM_LOCALID`, with `MASTER_ADDR`/`MASTER_PORT` set by the job script), or by `fit(distribute="ddp", devices=N)`,
which launches its processes with torchrun's variables. NCCL is used on CUDA, gloo on CPU.
"""

from __future__ import annotations

import atexit
import datetime
import os

import torch
import torch.distributed as dist

from kerasish.backend.common.tensors import default_device

# How long a rank waits for the others (joining the group, or in a collective) before failing instead of hanging.
TIMEOUT = datetime.timedelta(seconds=int(os.environ.get("KERASISH_DIST_TIMEOUT", "300")))
# How long a rank waits at exit for the others: long enough for rank 0 to write its files after the last step, short
# enough that a rank leaving on an error (its peers stuck in a collective) is not held up for long.
EXIT_BARRIER_TIMEOUT = datetime.timedelta(seconds=30)


def is_distributed() -> bool:
    """Whether this process trains as one rank of several (a process group with more than one member)."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def is_chief() -> bool:
    """Whether this process is rank 0: the one that prints, logs and writes files."""
    return rank() == 0


def launched_environment() -> dict | None:
    """`{"rank", "world_size", "local_rank"}` when torchrun or SLURM launched this process for a group, else None."""
    env = os.environ
    if "RANK" in env and "WORLD_SIZE" in env:
        values = (env["RANK"], env["WORLD_SIZE"], env.get("LOCAL_RANK", env["RANK"]))
    elif "SLURM_PROCID" in env and "SLURM_NTASKS" in env and "MASTER_ADDR" in env:
        values = (env["SLURM_PROCID"], env["SLURM_NTASKS"], env.get("SLURM_LOCALID", "0"))
    else:
        return None
    rank_, size, local = (int(v) for v in values)
    if size < 2:
        return None
    return {"rank": rank_, "world_size": size, "local_rank": local}


def device_for(local_rank: int) -> torch.device:
    """The device a rank trains on: its own GPU (by local rank) when there are GPUs, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def maybe_initialize() -> bool:
    """Joins the process group this process was launched for, once; returns whether training is distributed."""
    if is_distributed():
        return True
    launched = launched_environment()
    if launched is None or not dist.is_available():
        return False
    if not dist.is_initialized():
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        if "MASTER_PORT" not in os.environ:
            raise ValueError(
                "Distributed launch detected (RANK/WORLD_SIZE or SLURM variables) but MASTER_PORT is not "
                "set: export MASTER_ADDR and MASTER_PORT (torchrun sets both)."
            )
        use_cuda = torch.cuda.is_available()
        if use_cuda:
            torch.cuda.set_device(device_for(launched["local_rank"]))
        dist.init_process_group(
            "nccl" if use_cuda else "gloo", rank=launched["rank"], world_size=launched["world_size"], timeout=TIMEOUT
        )
        atexit.register(leave_process_group)
    return is_distributed()


def leave_process_group() -> None:
    """At exit: wait for the other ranks (at most `EXIT_BARRIER_TIMEOUT`), then destroy the group. A gloo rank that
    exits while a peer is still talking to it aborts after its work is done ("terminate called without an active
    exception", a failed torchrun job): measured here in a quarter of the exits of a plain torch script with one
    all_reduce, destroying the group or not, and in none of 40 with a barrier first. The wait is bounded so that a
    rank leaving on an error is not held up by peers that will never arrive."""
    if not dist.is_initialized():
        return
    if dist.get_backend() == "gloo":
        try:
            dist.monitored_barrier(timeout=EXIT_BARRIER_TIMEOUT)
        except RuntimeError:  # a peer gone or late: leave anyway
            pass
    dist.destroy_process_group()


def local_device() -> torch.device:
    """This rank's device (the default device when not distributed)."""
    launched = launched_environment()
    if launched is not None:
        return device_for(launched["local_rank"])
    return default_device()
