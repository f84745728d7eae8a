"""`preprocessing.text` against tf.keras 2's outputs (tests/fixtures/preprocessing/text_sequence.json)."""

import collections
import json
import pathlib
import warnings

import numpy as np
import pytest

import kerasish as keras
from kerasish.preprocessing import text

FIXTURES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "preprocessing" / "text_sequence.json").read_text()
)
TOKENIZER_CASES = FIXTURES["tokenizer"]


def fitted(case):
    tokenizer = text.Tokenizer(**case["kwargs"])
    tokenizer.fit_on_texts(case["texts"])
    return tokenizer


def pairs(mapping):
    """A dict's items as JSON writes them (lists, string keys), sorted."""
    return sorted([str(key), value] for key, value in mapping.items())


@pytest.mark.parametrize("name", sorted(TOKENIZER_CASES))
def test_tokenizer_vocabulary_matches_tf_keras(name):
    case = TOKENIZER_CASES[name]
    tokenizer = fitted(case)
    assert [list(item) for item in tokenizer.word_counts.items()] == case["word_counts"]
    assert [list(item) for item in tokenizer.word_index.items()] == case["word_index"]
    assert tokenizer.index_word == {index: word for word, index in case["word_index"]}
    assert pairs(tokenizer.word_docs) == pairs(dict(case["word_docs"]))
    assert sorted(map(list, tokenizer.index_docs.items())) == case["index_docs"]
    assert tokenizer.document_count == case["document_count"]


@pytest.mark.parametrize("name", sorted(TOKENIZER_CASES))
def test_tokenizer_conversions_match_tf_keras(name):
    case = TOKENIZER_CASES[name]
    tokenizer = fitted(case)
    assert tokenizer.texts_to_sequences(case["queries"]) == case["sequences"]
    assert list(tokenizer.texts_to_sequences_generator(case["queries"])) == case["sequences"]
    assert tokenizer.sequences_to_texts(case["sequences"] + [[0, 1, 2, 3, 999]]) == case["texts_back"]
    for mode, expected in case["matrices"].items():
        matrix = tokenizer.texts_to_matrix(case["queries"], mode=mode)
        assert matrix.dtype == np.float64
        np.testing.assert_array_equal(matrix, expected, err_msg=mode)


def test_fit_on_sequences_and_sequences_to_matrix_match_tf_keras():
    case = FIXTURES["fit_on_sequences"]
    tokenizer = text.Tokenizer(num_words=7)
    tokenizer.fit_on_sequences(case["sequences"])
    assert tokenizer.document_count == case["document_count"]
    assert sorted(map(list, tokenizer.index_docs.items())) == case["index_docs"]
    for mode, expected in case["matrices"].items():
        np.testing.assert_array_equal(tokenizer.sequences_to_matrix(case["sequences"], mode=mode), expected)


def test_word_docs_follow_first_occurrence():
    # tf.keras fills word_docs in a set's order (it changes with the hash salt); kerasish in reading order.
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(["b a b c", "c d"])
    assert list(tokenizer.word_docs) == ["b", "a", "c", "d"]


@pytest.mark.parametrize("name", sorted(TOKENIZER_CASES))
def test_to_json_round_trip_keeps_vocabulary_and_outputs(name):
    case = TOKENIZER_CASES[name]
    tokenizer = fitted(case)
    assert list(tokenizer.get_config()) == case["config_keys"]
    payload = json.loads(tokenizer.to_json())
    assert list(payload) == case["json_keys"]
    assert payload["class_name"] == "Tokenizer"

    restored = text.tokenizer_from_json(tokenizer.to_json())
    assert list(restored.word_counts.items()) == list(tokenizer.word_counts.items())
    assert restored.word_index == tokenizer.word_index
    assert restored.index_word == tokenizer.index_word
    assert dict(restored.index_docs) == dict(tokenizer.index_docs)
    assert restored.get_config() == tokenizer.get_config()
    assert restored.texts_to_sequences(case["queries"]) == case["sequences"]
    np.testing.assert_array_equal(restored.texts_to_matrix(case["queries"], "tfidf"), case["matrices"]["tfidf"])


def test_restored_tokenizer_keeps_fitting():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(["a b", "b"])
    restored = text.tokenizer_from_json(tokenizer.to_json())
    restored.fit_on_texts(["c b"])  # tf.keras's restored tokenizer raises a KeyError here: its counters are dicts.
    tokenizer.fit_on_texts(["c b"])
    assert restored.get_config() == tokenizer.get_config()
    assert restored.word_index == {"b": 1, "a": 2, "c": 3}


def test_tokenizer_from_tf_keras_json():
    # Written by tf_keras 2.21: Tokenizer(oov_token="<unk>").fit_on_texts(["Hi there", "hi"]).to_json()
    keras2_json = (
        '{"class_name": "Tokenizer", "config": {"num_words": null, "filters": "!\\"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~'
        '\\t\\n", "lower": true, "split": " ", "char_level": false, "oov_token": "<unk>", "document_count": 2, '
        '"word_counts": "{\\"hi\\": 2, \\"there\\": 1}", "word_docs": "{\\"hi\\": 2, \\"there\\": 1}", '
        '"index_docs": "{\\"2\\": 2, \\"3\\": 1}", "index_word": "{\\"1\\": \\"<unk>\\", \\"2\\": \\"hi\\", '
        '\\"3\\": \\"there\\"}", "word_index": "{\\"<unk>\\": 1, \\"hi\\": 2, \\"there\\": 3}"}}'
    )
    tokenizer = text.tokenizer_from_json(keras2_json)
    assert tokenizer.filters == text.DEFAULT_FILTERS
    assert tokenizer.texts_to_sequences(["Hi you there"]) == [[2, 1, 3]]
    assert tokenizer.index_docs == {2: 2, 3: 1}
    assert tokenizer.sequences_to_texts([[3, 2, 7]]) == ["there hi <unk>"]


def test_tokenizer_from_json_rejects_other_json():
    with pytest.raises(ValueError, match=r"expects the JSON of `Tokenizer.to_json\(\)`"):
        text.tokenizer_from_json('{"num_words": 3}')


def test_tokenizer_errors():
    with pytest.raises(ValueError, match=r"Specify a dimension \(`num_words` argument\), or fit on some text"):
        text.Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="Fit the Tokenizer on some data before using tfidf mode."):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match=r"Unknown vectorization mode: 'onehot'"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[]], mode="onehot")
    with pytest.raises(TypeError, match=r"Unrecognized keyword arguments: \{'num_word': 3\}"):
        text.Tokenizer(num_word=3)


def test_nb_words_warns_as_keras():
    with pytest.warns(UserWarning, match=r"The `nb_words` argument in `Tokenizer` has been renamed `num_words`."):
        tokenizer = text.Tokenizer(nb_words=4)
    assert tokenizer.num_words == 4


def test_tokenizer_emits_no_deprecation_warning():
    # tf.keras 2 documents these tools as deprecated but warns only for `nb_words`.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tokenizer = text.Tokenizer()
        tokenizer.fit_on_texts(["a b"])
        text.text_to_word_sequence("a b")
        text.hashing_trick("a b", 5, "md5")


def test_analyzer_replaces_the_word_splitter():
    tokenizer = text.Tokenizer(analyzer=lambda s: s.split("|"))
    tokenizer.fit_on_texts(["x|Y|x", "Y"])
    assert tokenizer.word_index == {"x": 1, "Y": 2}
    assert tokenizer.texts_to_sequences(["Y|x|z"]) == [[2, 1]]


def test_fit_on_a_generator():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(line for line in ["a b", "b"])
    assert tokenizer.word_index == {"b": 1, "a": 2}
    assert isinstance(tokenizer.word_counts, collections.OrderedDict)


@pytest.mark.parametrize("index", range(len(FIXTURES["text_to_word_sequence"])))
def test_text_to_word_sequence_matches_tf_keras(index):
    case = FIXTURES["text_to_word_sequence"][index]
    assert text.text_to_word_sequence(case["text"], **case["kwargs"]) == case["words"]


@pytest.mark.parametrize("index", range(len(FIXTURES["hashing_trick_md5"])))
def test_hashing_trick_md5_matches_tf_keras(index):
    case = FIXTURES["hashing_trick_md5"][index]
    assert text.hashing_trick(case["text"], case["n"], hash_function="md5") == case["indices"]


def test_hashing_trick_default_and_one_hot_use_python_hash():
    # Python salts str hashes per process, so these are compared with `hash` in this process, not a fixture.
    words = ["the", "cat", "sat", "on", "the", "mat"]
    expected = [hash(word) % 12 + 1 for word in words]
    assert text.hashing_trick("The cat sat on the mat.", 13) == expected
    assert text.one_hot("The cat sat on the mat.", 13) == expected
    assert text.hashing_trick("A b", 5, hash_function=len) == [len("a") % 4 + 1, len("b") % 4 + 1]
    assert text.one_hot("a-b", 7, analyzer=lambda s: s.split("-")) == [hash("a") % 6 + 1, hash("b") % 6 + 1]


def test_hashing_trick_needs_room_for_an_index():
    with pytest.raises(ValueError, match=r"\(n >= 2\). Received: n=1"):
        text.hashing_trick("a", 1, hash_function="md5")


def test_keras_paths():
    assert "preprocessing" in keras.__all__
    assert keras.preprocessing.text.Tokenizer is text.Tokenizer
    for name in ("tokenizer_from_json", "text_to_word_sequence", "one_hot", "hashing_trick"):
        assert getattr(keras.preprocessing.text, name) is getattr(text, name)
