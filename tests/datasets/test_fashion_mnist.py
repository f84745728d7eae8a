"""fashion_mnist.load_data: Keras's arrays from the four gzipped IDX files, cached where Keras caches them."""

from kerasish.datasets import fashion_mnist


def test_matches_keras(server, keras_home, assert_matches_keras):
    assert_matches_keras("fashion_mnist", fashion_mnist.load_data())
    assert sorted(p.name for p in (keras_home / "datasets" / "fashion-mnist").iterdir()) == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
