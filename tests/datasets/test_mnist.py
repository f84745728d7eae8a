"""mnist.load_data: Keras's arrays, from Keras's cache file."""

import shutil

import numpy as np

from kerasish.datasets import mnist, sources
from tests.datasets.conftest import FIXTURES, fixture_hash


def test_matches_keras(server, keras_home, assert_matches_keras):
    assert_matches_keras("mnist", mnist.load_data())
    assert (keras_home / "datasets" / "mnist.npz").is_file()
    assert server.requests == ["mnist.npz"]
    assert_matches_keras("mnist", mnist.load_data())  # from the cache
    assert server.requests == ["mnist.npz"]


def test_reads_a_file_that_keras_already_downloaded(keras_home, monkeypatch, assert_matches_keras):
    # The file sits where Keras keeps it; the origin is unreachable, so nothing is downloaded.
    (keras_home / "datasets").mkdir(parents=True)
    shutil.copy(FIXTURES / "files" / "mnist.npz", keras_home / "datasets" / "mnist.npz")
    data = (FIXTURES / "files" / "mnist.npz").read_bytes()
    monkeypatch.setitem(sources.SOURCES, "mnist.npz", ("http://127.0.0.1:9/mnist.npz", fixture_hash(data, "0" * 64)))
    assert_matches_keras("mnist", mnist.load_data())


def test_path_names_the_cached_file(server, keras_home):
    (x_train, _), _ = mnist.load_data(path="my_mnist.npz")
    assert (keras_home / "datasets" / "my_mnist.npz").is_file()
    assert x_train.dtype == np.uint8 and x_train.shape == (6, 28, 28)
