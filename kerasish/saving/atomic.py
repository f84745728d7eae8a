"""Atomic file writes: a crash mid-save, or a power loss after it, leaves the previous file or the new one, whole."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import socket
from collections.abc import Iterator


@contextlib.contextmanager
def atomic_write(filepath: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary path beside `filepath`; when the block succeeds it replaces `filepath` in one step.

    The caller creates and closes the temporary file inside the block (its mode sets the permissions: h5py's and
    open()'s follow the umask, unlike mkstemp's 0600). Then the file is synced to disk before the rename and the
    folder after it, so a power loss never leaves an empty or partial file under the final name. On any failure
    the temporary file is removed and `filepath` is untouched; a temporary left by a killed process is removed by
    the next save of the same file.

    A symlink is written through: its target gets the new content and the link stays a link. The temporary name
    is derived from a hash of the file name, so it fits the file system's name limit whatever the name's length.

    Example:
        with atomic_write("w.h5") as tmp, h5py.File(tmp, "x") as f:
            f["x"] = 1
    """
    path = os.path.realpath(os.fspath(filepath))
    folder, name = os.path.split(path)
    os.makedirs(folder, exist_ok=True)
    prefix = _temporary_prefix(name)
    _remove_stale_temporaries(folder, prefix)
    tmp_path = os.path.join(folder, f"{prefix}{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp_path
        _sync_file(tmp_path)
        os.replace(tmp_path, path)
        _sync_folder(folder)
    finally:
        if os.path.exists(tmp_path):
            os.remove(tmp_path)


def _temporary_prefix(name: str) -> str:
    """`.<hash of the name>.<hash of the host>.`: the same for every save of one file from one machine. The pid
    that follows tells whether the writer still runs; the host keeps a save from removing the temporary of a live
    writer on another machine that shares the folder (a pid means nothing across machines)."""
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    return f".{digest}.{host}."


def _remove_stale_temporaries(folder: str, prefix: str) -> None:
    for entry in os.listdir(folder):
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid = entry[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _is_running(int(pid)):
            with contextlib.suppress(FileNotFoundError):  # another save removed it first
                os.remove(os.path.join(folder, entry))


def _is_running(pid: int) -> bool:
    if os.name == "nt":  # os.kill would terminate the process there: never remove on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _sync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: str) -> None:
    """Makes the rename itself durable: the folder's entry now names the new file."""
    if not hasattr(os, "O_DIRECTORY"):  # Windows cannot open a folder; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP):  # file systems that cannot sync a folder say so
            raise
    finally:
        os.close(fd)
