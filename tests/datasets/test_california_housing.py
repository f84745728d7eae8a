"""california_housing.load_data: both versions, Keras's shuffle and split."""

import pytest

from kerasish.datasets import california_housing
from tests.fixtures.datasets.make_datasets_fixtures import SCENARIOS


@pytest.mark.parametrize("scenario", ["california_housing", "california_housing_small", "california_housing_split"])
def test_matches_keras(server, scenario, assert_matches_keras):
    assert_matches_keras(scenario, california_housing.load_data(**SCENARIOS[scenario][1]))


def test_bad_arguments_raise_before_downloading(server):
    with pytest.raises(ValueError, match="Argument `version` must be one of 'small', 'large'. Received: version=tiny"):
        california_housing.load_data(version="tiny")
    with pytest.raises(ValueError, match="Invalid `test_split` argument: 1.5"):
        california_housing.load_data(test_split=1.5)
    assert server.requests == []
