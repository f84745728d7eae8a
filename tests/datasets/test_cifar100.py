"""cifar100.load_data: Keras's arrays for both label modes."""

import pytest

from kerasish.datasets import cifar100


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_matches_keras(server, label_mode, assert_matches_keras):
    assert_matches_keras(f"cifar100_{label_mode}", cifar100.load_data(label_mode=label_mode))


def test_unknown_label_mode_raises_before_downloading(server):
    with pytest.raises(ValueError, match='`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode=all.'):
        cifar100.load_data(label_mode="all")
    assert server.requests == []
