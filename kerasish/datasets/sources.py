"""Where Keras's datasets come from: Keras's own URLs, cache names and hashes, so the cache is shared with Keras."""

from __future__ import annotations

from kerasish.utils.file_utils import get_file

_KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# File name -> (origin, sha256 or md5 hash, or None where Keras checks none).
SOURCES: dict[str, tuple[str, str | None]] = {
    "mnist.npz": (_KERAS_DATASETS + "mnist.npz", "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    "train-labels-idx1-ubyte.gz": (_KERAS_DATASETS + "train-labels-idx1-ubyte.gz", None),
    "train-images-idx3-ubyte.gz": (_KERAS_DATASETS + "train-images-idx3-ubyte.gz", None),
    "t10k-labels-idx1-ubyte.gz": (_KERAS_DATASETS + "t10k-labels-idx1-ubyte.gz", None),
    "t10k-images-idx3-ubyte.gz": (_KERAS_DATASETS + "t10k-images-idx3-ubyte.gz", None),
    "cifar-10-python.tar.gz": (
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    ),
    "cifar-100-python.tar.gz": (
        "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
        "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
    ),
    "imdb.npz": (_KERAS_DATASETS + "imdb.npz", "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "imdb_word_index.json": (_KERAS_DATASETS + "imdb_word_index.json", "bfafd718b763782e994055a2d397834f"),
    "reuters.npz": (
        _KERAS_DATASETS + "reuters.npz",
        "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    ),
    "reuters_word_index.json": (_KERAS_DATASETS + "reuters_word_index.json", "4d44cc38712099c9e383dc6e5f11a921"),
    "boston_housing.npz": (
        _KERAS_DATASETS + "boston_housing.npz",
        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    ),
    "california_housing.npz": (
        _KERAS_DATASETS + "california_housing.npz",
        "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f",
    ),
}


def fetch(source: str, fname: str | None = None, **kwargs) -> str:
    """Returns the cached path of one of `SOURCES`, downloading it first if needed.

    Args:
        source: A key of `SOURCES`.
        fname: Name in the cache (the `path` argument of `load_data`); `source` when `None`.
        **kwargs: Other `get_file` arguments (`cache_subdir`, `extract`).
    """
    origin, file_hash = SOURCES[source]
    return get_file(fname=fname or source, origin=origin, file_hash=file_hash, **kwargs)
