"""cifar10.load_data: Keras's arrays from the tar.gz of Python 2 pickles, in both image data formats."""

from kerasish import config
from kerasish.datasets import cifar10


def test_matches_keras(server, keras_home, assert_matches_keras):
    assert_matches_keras("cifar10", cifar10.load_data())
    datasets = keras_home / "datasets"
    assert sorted(p.name for p in datasets.iterdir()) == [
        "cifar-10-batches-py-target",
        "cifar-10-batches-py-target_archive",
    ]
    assert (datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch").is_file()


def test_channels_first(server, assert_matches_keras):
    config.set_image_data_format("channels_first")
    try:
        assert_matches_keras("cifar10_channels_first", cifar10.load_data())
    finally:
        config.set_image_data_format("channels_last")
