"""boston_housing.load_data: Keras's shuffle and split."""

import pytest

from kerasish.datasets import boston_housing
from tests.fixtures.datasets.make_datasets_fixtures import SCENARIOS


@pytest.mark.parametrize("scenario", ["boston_housing", "boston_housing_split"])
def test_matches_keras(server, scenario, assert_matches_keras):
    assert_matches_keras(scenario, boston_housing.load_data(**SCENARIOS[scenario][1]))


@pytest.mark.parametrize("test_split", [1, -0.1])
def test_bad_test_split_raises_before_downloading(server, test_split):
    with pytest.raises(ValueError, match=f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1"):
        boston_housing.load_data(test_split=test_split)
    assert server.requests == []
