import random

import numpy as np
import pytest
import torch

from kerasish.utils.rng_utils import get_random_seed, set_random_seed


def _draw():
    return random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()


def test_same_seed_same_numbers():
    set_random_seed(42)
    first = _draw()
    set_random_seed(42)
    assert _draw() == first
    set_random_seed(43)
    assert _draw() != first
    assert get_random_seed() == 43


def test_torch_generator_seeded_like_manual_seed():
    set_random_seed(7)
    ours = torch.randn(4)
    torch.manual_seed(7)
    torch.testing.assert_close(ours, torch.randn(4))


def test_seed_must_be_an_integer():
    with pytest.raises(ValueError, match="integer"):
        set_random_seed(1.5)
