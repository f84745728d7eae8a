"""Dataset tests run offline: the files of tests/fixtures/datasets/files (small files in the formats Keras
downloads) are served from a loopback HTTP server, `sources.SOURCES` points at it with the fixtures' hashes,
and KERAS_HOME is a temporary folder. Expected arrays come from real Keras 3.15 run on the same files
(tests/fixtures/datasets/make_datasets_fixtures.py wrote keras_outputs.npz)."""

import hashlib
import pathlib

import numpy as np
import pytest

from kerasish.datasets import sources
from tests.fixtures.datasets.http_server import LoopbackServer

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "datasets"
KERAS_OUTPUTS = dict(np.load(FIXTURES / "keras_outputs.npz", allow_pickle=False))


def fixture_hash(data: bytes, keras_hash: str | None) -> str | None:
    """The fixture's hash, in the algorithm Keras's hash for the real file uses (md5 or sha256), or None."""
    if keras_hash is None:
        return None
    return (hashlib.sha256 if len(keras_hash) == 64 else hashlib.md5)(data).hexdigest()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def server(keras_home, monkeypatch):
    files = {name: (FIXTURES / "files" / name).read_bytes() for name in sources.SOURCES}
    with LoopbackServer(files) as s:
        monkeypatch.setattr(
            sources,
            "SOURCES",
            {
                name: (s.url(name), fixture_hash(files[name], keras_hash))
                for name, (_, keras_hash) in sources.SOURCES.items()
            },
        )
        yield s


@pytest.fixture
def assert_matches_keras():
    """Checks `((x_train, y_train), (x_test, y_test))` against Keras's arrays for `scenario`: values, shapes, dtypes."""

    def check(scenario, result):
        (x_train, y_train), (x_test, y_test) = result
        for name, actual in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
            assert isinstance(actual, np.ndarray), name
            if f"{scenario}/{name}" in KERAS_OUTPUTS:
                expected = KERAS_OUTPUTS[f"{scenario}/{name}"]
                assert (actual.dtype, actual.shape) == (expected.dtype, expected.shape), name
                np.testing.assert_array_equal(actual, expected, err_msg=name)
                continue
            # Sequences: object arrays of lists of Python ints.
            values, lengths = KERAS_OUTPUTS[f"{scenario}/{name}.values"], KERAS_OUTPUTS[f"{scenario}/{name}.lengths"]
            expected = np.split(values, np.cumsum(lengths)[:-1]) if len(lengths) else []
            assert actual.dtype == object and actual.shape == (len(lengths),), name
            assert [list(x) for x in actual] == [list(x) for x in expected], name
            assert all(type(w) is int for x in actual for w in x), name

    return check
