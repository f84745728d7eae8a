"""reuters.load_data: Keras's sequences and split; word index and label names."""

import json

import pytest

from kerasish.datasets import reuters
from tests.datasets.conftest import FIXTURES, KERAS_OUTPUTS
from tests.fixtures.datasets.make_datasets_fixtures import SCENARIOS


@pytest.mark.parametrize("scenario", [name for name, (module, _) in SCENARIOS.items() if module == "reuters"])
def test_matches_keras(server, scenario, assert_matches_keras):
    assert_matches_keras(scenario, reuters.load_data(**SCENARIOS[scenario][1]))


def test_get_word_index(server):
    assert reuters.get_word_index() == json.loads((FIXTURES / "files" / "reuters_word_index.json").read_text())


def test_get_label_names_matches_keras():
    assert reuters.get_label_names() == tuple(KERAS_OUTPUTS["reuters/label_names"])
    assert len(reuters.get_label_names()) == 46
