"""`utils.pad_sequences` against tf.keras 2's outputs (tests/fixtures/preprocessing/text_sequence.json)."""

import json
import pathlib

import numpy as np
import pytest

from kerasish import utils

FIXTURES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "preprocessing" / "text_sequence.json").read_text()
)


@pytest.mark.parametrize("name", sorted(FIXTURES["pad_sequences"]))
def test_pad_sequences_matches_tf_keras(name):
    case = FIXTURES["pad_sequences"][name]
    padded = utils.pad_sequences(case["sequences"], **case["kwargs"])
    assert str(padded.dtype) == case["dtype"]
    np.testing.assert_array_equal(padded, np.array(case["output"], dtype=case["dtype"]))


@pytest.mark.parametrize("name", sorted(FIXTURES["pad_sequences_strings"]))
def test_pad_sequences_strings_match_tf_keras(name):
    case = FIXTURES["pad_sequences_strings"][name]
    kwargs = dict(case["kwargs"], **({"dtype": object} if case["object_dtype"] else {}))
    padded = utils.pad_sequences(case["sequences"], **kwargs)
    assert str(padded.dtype) == case["dtype"]
    assert padded.tolist() == case["output"]


def test_pad_sequences_accepts_numpy_arrays_and_the_string_object_spelling():
    padded = utils.pad_sequences([np.array([3, 4, 5]), np.array([7])], maxlen=2, padding="post")
    np.testing.assert_array_equal(padded, [[4, 5], [7, 0]])
    # Keras turns away dtype="object" (it tests `dtype is not object`); any object dtype holds strings here.
    assert utils.pad_sequences([["a"], []], dtype="object", value="-").tolist() == [["a"], ["-"]]


def test_pad_sequences_maxlen_zero_and_no_sequences():
    assert utils.pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)
    assert utils.pad_sequences([]).shape == (0, 0)


def test_string_value_with_a_numeric_dtype_raises_keras_error():
    with pytest.raises(
        ValueError,
        match=r"`dtype` int32 is not compatible with `value`'s type: <class 'str'>\n"
        r"You should set `dtype=object` for variable length strings\.",
    ):
        utils.pad_sequences([[1, 2]], value="x")


@pytest.mark.parametrize(
    "sequences, dtype, match",
    [
        (
            [[300], [1, 2]],
            "uint8",
            r"uint8 cannot hold the values of the sequence at position 0: it takes values "
            r"in \[0, 255\], found values from 300 to 300",
        ),
        # NumPy would wrap these around silently (300 -> 44 in uint8).
        ([np.array([1]), np.array([300, 2])], "uint8", r"sequence at position 1: .* from 2 to 300"),
        ([[1], [np.int64(-1), 2]], "uint8", r"sequence at position 1: .* from -1 to 2"),
        ([np.array([2**40])], "int32", r"int32 cannot hold the values of the sequence at position 0"),
        ([[1.5], [2**70]], "int64", r"int64 cannot hold the values of the sequence at position 1"),
        ([[1], [2.5, float("nan")]], "int32", r"sequence at position 1: .* found values from nan to nan"),
        ([["a", "b"]], "int32", r"int32 cannot hold the values of the sequence at position 0"),
    ],
)
def test_dtype_that_cannot_hold_the_values_raises(sequences, dtype, match):
    with pytest.raises(ValueError, match=match):
        utils.pad_sequences(sequences, dtype=dtype)


@pytest.mark.parametrize("value", [-1, np.int64(-1), 256, float("inf")])
def test_value_that_does_not_fit_the_dtype_raises(value):
    with pytest.raises(ValueError, match=r"`dtype` uint8 cannot hold `value` "):
        utils.pad_sequences([[1]], dtype="uint8", value=value)


def test_numbers_into_string_and_float_dtypes_convert_as_keras():
    # As tf.keras 2 (and NumPy): numbers become their text; floats overflow to inf.
    padded = utils.pad_sequences([[1], [1, 2]], dtype="bytes", value=b"x")
    assert padded.tolist() == [[b"x", b"1"], [b"1", b"2"]]
    with np.errstate(over="ignore"):
        assert utils.pad_sequences([[1e40]], dtype="float32")[0, 0] == np.inf


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"padding": "middle"}, r'Padding type "middle" not understood'),
        ({"truncating": "both"}, r'Truncating type "both" not understood'),
        ({"maxlen": -1}, r"`maxlen` must be a non-negative integer. Received: maxlen=-1"),
    ],
)
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        utils.pad_sequences([[1, 2]], **kwargs)


def test_bad_sequences_raise_keras_errors():
    with pytest.raises(ValueError, match="`sequences` must be iterable."):
        utils.pad_sequences(iter([[1]]))
    with pytest.raises(ValueError, match="`sequences` must be a list of iterables. Found non-iterable: 3"):
        utils.pad_sequences([[1], 3])
    with pytest.raises(
        ValueError,
        match=r"Shape of sample \(3,\) of sequence at position 1 is different from "
        r"expected shape \(2,\)",
    ):
        utils.pad_sequences([[[1, 2]], [[1, 2, 3]]])
