"""imdb.load_data: Keras's sequences (shuffle, offsets, vocabulary limits, maxlen) and word index."""

import json

import pytest

from kerasish.datasets import imdb
from tests.datasets.conftest import FIXTURES
from tests.fixtures.datasets.make_datasets_fixtures import SCENARIOS


@pytest.mark.parametrize("scenario", [name for name, (module, _) in SCENARIOS.items() if module == "imdb"])
def test_matches_keras(server, scenario, assert_matches_keras):
    assert_matches_keras(scenario, imdb.load_data(**SCENARIOS[scenario][1]))


def test_nb_words_is_keras_2s_num_words(server):
    with pytest.warns(UserWarning, match="`nb_words` argument in `load_data` has been renamed `num_words`"):
        (x_old, _), _ = imdb.load_data(nb_words=20)
    (x_new, _), _ = imdb.load_data(num_words=20)
    assert [list(x) for x in x_old] == [list(x) for x in x_new]
    with pytest.raises(TypeError, match="Unrecognized keyword arguments: {'nb_word': 20}"):
        imdb.load_data(nb_word=20)


def test_maxlen_that_keeps_nothing_raises(server):
    with pytest.raises(ValueError, match="After filtering for sequences shorter than maxlen=2, no sequence was kept"):
        imdb.load_data(maxlen=2)


def test_get_word_index(server, keras_home):
    assert imdb.get_word_index() == json.loads((FIXTURES / "files" / "imdb_word_index.json").read_text())
    assert (keras_home / "datasets" / "imdb_word_index.json").is_file()
