"""The restricted unpickler: Keras's real dataset pickles load; a pickle that names any other callable is refused."""

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from kerasish.datasets import cifar, imdb, safe_pickle, sources
from tests.datasets.conftest import FIXTURES


class Payload:
    """Unpickling this calls `func(*args)`: what a tampered download would do."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def npz_with_object_array(path, array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x_train.npy", buffer.getvalue())


def test_object_arrays_load_as_numpy_loads_them():
    path = FIXTURES / "files" / "imdb.npz"
    arrays = safe_pickle.load_npz(path)
    with np.load(path, allow_pickle=True) as reference:
        assert sorted(arrays) == sorted(reference.files)
        for name in reference.files:
            assert arrays[name].dtype == reference[name].dtype and arrays[name].shape == reference[name].shape
            assert [list(np.atleast_1d(x)) for x in arrays[name]] == [list(np.atleast_1d(x)) for x in reference[name]]


def test_arrays_written_by_this_numpy_load_too(tmp_path):
    array = np.empty(2, dtype=object)
    array[0], array[1] = [1, 2, 3], [4]
    npz_with_object_array(tmp_path / "a.npz", array)
    assert [list(x) for x in safe_pickle.load_npz(tmp_path / "a.npz")["x_train"]] == [[1, 2, 3], [4]]


@pytest.mark.parametrize(
    "func, args", [(os.system, ("touch {marker}",)), (eval, ("open({marker!r}, 'w')",)), (np.save, ("{marker}", 1))]
)
def test_npz_naming_another_callable_is_refused_before_it_runs(tmp_path, func, args):
    marker = str(tmp_path / "pwned")
    array = np.empty(1, dtype=object)
    array[0] = Payload(func, *(a.format(marker=marker) if isinstance(a, str) else a for a in args))
    npz_with_object_array(tmp_path / "evil.npz", array)
    with pytest.raises(ValueError, match=r"Could not load `x_train.npy` from the dataset file .*evil.npz: refusing"):
        safe_pickle.load_npz(tmp_path / "evil.npz")
    assert not os.path.exists(marker) and not os.path.exists(marker + ".npy")


def test_tampered_cifar_batch_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({b"data": Payload(os.system, f"touch {marker}")}, protocol=3))
    with pytest.raises(ValueError, match=r"dataset file .*data_batch_1: refusing to load `(posix|nt)\.system`"):
        cifar.load_batch(tmp_path / "data_batch_1")
    assert not marker.exists()


def test_tampered_download_is_refused_by_load_data(server, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    array = np.empty(1, dtype=object)
    array[0] = Payload(os.system, f"touch {marker}")
    npz_with_object_array(tmp_path / "evil.npz", array)
    server.files["imdb.npz"] = (tmp_path / "evil.npz").read_bytes()
    # No hash to catch it (a mirror, say): the unpickler is what stops it.
    monkeypatch.setitem(sources.SOURCES, "imdb.npz", (sources.SOURCES["imdb.npz"][0], None))
    with pytest.raises(ValueError, match="refusing to load"):
        imdb.load_data()
    assert not marker.exists()
