"""Reading the pickles inside Keras's dataset files without letting a tampered file run code.

CIFAR's batches are Python 2 pickles, and imdb.npz and reuters.npz hold ragged sequences as object arrays, which
NumPy can only store as pickles (Keras 3.15 reads them with a restricted unpickler too). A pickle may
name any importable callable (`os.system`) and call it while loading, so `pickle.load` or
`np.load(allow_pickle=True)` on a downloaded file trusts whoever served it. Rebuilding these files needs only
NumPy's array constructors (plus the dicts, lists, ints and strings pickle builds without any global), so
`RestrictedUnpickler` allows those three globals and refuses everything else.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from typing import IO, Any

import numpy as np

# NumPy's array-rebuilding function, found where this NumPy keeps it (numpy.core before 2.0, numpy._core after).
_reconstruct = np.empty(0).__reduce__()[0]

# (module, name) a pickle may refer to -> the object it gets. Files written under NumPy 1 say `numpy.core`.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays, dicts, lists and scalars, and refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load `{module}.{name}`: a dataset file holds only NumPy arrays, lists and scalars"
            ) from None


def load_pickle(path: str | os.PathLike, encoding: str = "ASCII") -> Any:
    """Loads a pickle file with `RestrictedUnpickler` (`encoding="bytes"` for Python 2 pickles)."""
    with open(path, "rb") as f:
        try:
            return RestrictedUnpickler(f, encoding=encoding).load()
        except pickle.UnpicklingError as e:
            raise ValueError(f"Could not load the dataset file {os.fspath(path)}: {e}") from e


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Loads every array of an `.npz` file, as `np.load(path, allow_pickle=True)` would, but safely.

    Numeric arrays are read with pickling off; object arrays through `RestrictedUnpickler`.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            with archive.open(member) as raw:
                buffer = io.BytesIO(raw.read())
            try:
                arrays[member[: -len(".npy")]] = _read_npy(buffer)
            except pickle.UnpicklingError as e:
                raise ValueError(f"Could not load `{member}` from the dataset file {os.fspath(path)}: {e}") from e
    return arrays


def _read_npy(fp: IO[bytes]) -> np.ndarray:
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        _, _, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):
        # Version 3 differs from 2 only in allowing UTF-8 in the header; the layout is the same.
        _, _, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise pickle.UnpicklingError(f"unsupported .npy format version {version}")
    if not dtype.hasobject:
        fp.seek(0)
        return np.lib.format.read_array(fp, allow_pickle=False)
    # An object array is stored as a pickle of the whole array, right after the header.
    array = RestrictedUnpickler(fp).load()
    if not isinstance(array, np.ndarray):
        raise pickle.UnpicklingError(f"expected a pickled NumPy array, found a {type(array).__name__}")
    return array
