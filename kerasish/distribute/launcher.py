"""`fit(distribute="ddp", devices=N)`: runs the same `fit` in N processes on this machine, one per device.

The processes are forked when that is safe (so models, data and callbacks defined in a notebook need not be
picklable), spawned otherwise (then, as with any spawned process, a script must guard its entry point with
`if __name__ == "__main__":`). Each joins the process group as torchrun would have it join; rank 0's trained
weights, optimizer state and History come back into the caller's model. If a rank fails, the others are stopped and
its traceback is raised here; if the caller's process dies, its ranks die with it.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback

import torch
import torch.multiprocessing as mp

from kerasish.distribute import environment

_RESULT = "result.pt"
_FIRST_FAILURE = "first_failure.txt"


def resolve_devices(devices) -> int:
    """`devices` as a process count: an int, or "auto" for every GPU (two CPU processes without GPUs)."""
    if devices in (None, "auto"):
        return torch.cuda.device_count() if torch.cuda.is_available() else 2
    if isinstance(devices, bool) or not isinstance(devices, int) or devices < 1:
        raise ValueError(f'`devices` must be a positive int or "auto"; received {devices!r}.')
    if torch.cuda.is_available() and devices > torch.cuda.device_count():
        raise ValueError(f"devices={devices} but this machine has {torch.cuda.device_count()} GPU(s).")
    return devices


def should_launch(distribute, devices) -> bool:
    """Whether `fit(distribute=..., devices=...)` launches ranks of its own: it asks for more than one device, and
    this process is not already one rank of a launched group (then `fit` trains as that rank)."""
    if distribute is None and devices is None:
        return False
    if distribute not in (None, "ddp"):
        raise ValueError(f'`distribute` must be "ddp" or None; received {distribute!r}.')
    return (
        resolve_devices(devices) > 1
        and not environment.maybe_initialize()
        and environment.launched_environment() is None
    )


def launch_fit(model, devices, fit_kwargs: dict):
    """Trains `model` with `fit(**fit_kwargs)` in `devices` processes; returns rank 0's History."""
    count = resolve_devices(devices)
    start_method = _start_method()
    with tempfile.TemporaryDirectory(prefix="kerasish-ddp-") as folder:
        # Spawned ranks get plain pickled bytes: torch.multiprocessing's own pickler would put the tensors in shared
        # memory, so that every rank trained the same weights (and metric states) at once.
        payload = (model, fit_kwargs) if start_method == "fork" else pickle.dumps((model, fit_kwargs))
        lines = mp.get_context(start_method).SimpleQueue()  # other ranks' output, printed by rank 0 (see _RankLines)
        try:
            mp.start_processes(
                _run_rank,
                args=(count, _free_port(), payload, folder, os.getpid(), lines),
                nprocs=count,
                join=True,
                start_method=start_method,
            )
        except mp.ProcessRaisedException as error:
            cause = _first_failure(folder) or f"a rank:\n{error}"
            raise RuntimeError(f"Distributed training failed on {cause}") from None
        except mp.ProcessExitedException as error:
            raise RuntimeError(f"Distributed training failed: {error}") from None
        result = torch.load(os.path.join(folder, _RESULT), map_location="cpu", weights_only=False)
    return _adopt(model, result)


def _start_method() -> str:
    """Fork when it is safe: it needs nothing pickled, so notebook-defined models and data work. A process with
    other threads running (a TensorBoard writer, a data loader) or with CUDA started cannot fork safely (a lock held
    by another thread stays locked in the child), so it spawns, which pickles the model, data and callbacks."""
    if "fork" in mp.get_all_start_methods() and not torch.cuda.is_initialized() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _run_rank(rank: int, world_size: int, port: int, payload, folder: str, parent: int, lines) -> None:
    _die_with_parent(parent)
    relay = _share_the_terminal(rank, world_size, lines)
    forked = not isinstance(payload, bytes)
    model, fit_kwargs = payload if forked else pickle.loads(payload)
    # OpenMP's thread pool does not survive a fork (a forked rank's first parallel op can hang), so forked ranks run
    # on one thread, as torch's DataLoader workers do; spawned ranks share the cores.
    torch.set_num_threads(1 if forked else max(1, (os.cpu_count() or 1) // world_size))
    os.environ.update(
        {
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "WORLD_SIZE": str(world_size),
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
        }
    )
    environment.maybe_initialize()
    try:
        history = model.fit(**fit_kwargs)
        if rank == 0:
            optimizer = {}
            if model.optimizer is not None and model.optimizer.built:
                model.optimizer.save_own_variables(optimizer)
            result = {
                "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                "optimizer": optimizer,
                "history": history.history,
                "epoch": history.epoch,
                "params": history.params,
            }
            torch.save(result, os.path.join(folder, _RESULT + ".tmp"))
            os.replace(os.path.join(folder, _RESULT + ".tmp"), os.path.join(folder, _RESULT))
    except BaseException:
        _record_first_failure(folder, rank)
        torch.distributed.destroy_process_group()  # at once: the other ranks may never reach a barrier
        raise
    else:
        environment.leave_process_group()
    finally:
        relay.close()


def _share_the_terminal(rank: int, world_size: int, lines):
    """Rank 0 draws the progress bar; what the other ranks print (their callbacks' lines, warnings) goes to rank 0,
    which prints it, prefixed with the rank, on lines of its own above the bar, so the two never interleave."""
    if rank == 0:
        return _Relay(lines, senders=world_size - 1)
    sys.stdout, sys.stderr = _RankLines(lines, rank, sys.stdout), _RankLines(lines, rank, sys.stderr)
    return sys.stdout


class _RankLines:
    """A rank's stdout/stderr: whole lines, prefixed `[rank N]`, sent to rank 0's `_Relay`."""

    def __init__(self, lines, rank: int, original):
        self._lines, self._rank, self._original, self._pending = lines, rank, original, ""

    def write(self, text: str) -> int:
        self._pending += text
        *complete, self._pending = self._pending.split("\n")
        for line in complete:
            self._lines.put(f"[rank {self._rank}] {line}")
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        """Sends what is left, then says this rank is done (stdout and stderr share one queue and one goodbye)."""
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, _RankLines) and stream._pending:
                stream._lines.put(f"[rank {stream._rank}] {stream._pending}")
                stream._pending = ""
        self._lines.put(None)
        sys.stdout, sys.stderr = self._original, getattr(sys.stderr, "_original", sys.stderr)


class _Relay:
    """Rank 0's thread that prints the other ranks' lines above the bar until every one of them said goodbye."""

    def __init__(self, lines, senders: int):
        self._lines, self._senders = lines, senders
        self._thread = threading.Thread(target=self._run, name="kerasish-rank-lines", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from kerasish.utils.progbar import write_line

        done = 0
        while done < self._senders:
            line = self._lines.get()
            if line is None:
                done += 1
            else:
                write_line(line)

    def close(self) -> None:
        self._thread.join(timeout=10.0)  # the others finish with rank 0; a rank that died sends nothing more


def _record_first_failure(folder: str, rank: int) -> None:
    """Keeps the traceback of the first rank to fail. Its failure makes the others fail in turn (their peer left the
    collective they wait in), and the launcher, which may look only once several have ended, reports the cause."""
    try:
        fd = os.open(os.path.join(folder, _FIRST_FAILURE), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:  # another rank failed before this one
        return
    with os.fdopen(fd, "w") as f:
        f.write(f"rank {rank}:\n{traceback.format_exc()}")


def _first_failure(folder: str) -> str | None:
    try:
        with open(os.path.join(folder, _FIRST_FAILURE)) as f:
            return f.read()
    except FileNotFoundError:  # the rank failed before training began
        return None


def _die_with_parent(parent: int) -> None:
    """Ends this rank when the process that launched it dies.

    The launcher stops its ranks when one fails, but a launcher killed outright cannot (SIGKILL; or a shell script's
    background job, which ignores SIGINT, killed with its script): its ranks would train on as orphans, holding
    their devices. On Linux the kernel kills the rank when its parent dies; elsewhere a thread watches for the rank
    being handed to a new parent.
    """
    if not _set_parent_death_signal(signal.SIGKILL):
        threading.Thread(target=_watch_parent, args=(parent,), name="kerasish-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was set up: nobody would send it
        os._exit(1)


def _set_parent_death_signal(signum: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    pr_set_pdeathsig = 1
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):  # no prctl in this C library
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _adopt(model, result: dict):
    """Loads rank 0's results into the caller's model; returns the History it trained with."""
    from kerasish.callbacks import History

    model.load_state_dict(result["state_dict"])
    if result["optimizer"]:
        if not model.optimizer.built:
            model.optimizer.build(model._collect_train_params())
        model.optimizer.load_own_variables(result["optimizer"])
    history = History()
    history.set_model(model)
    history.history, history.epoch, history.params = result["history"], result["epoch"], result["params"]
    model.history = history
    return history


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
