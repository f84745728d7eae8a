"""`imagenet_utils.preprocess_input` against Keras 3.15 (tests/fixtures/applications/preprocessing.json, made by
make_applications_fixtures.py), the families' preprocessing modes, `decode_predictions` through a pre-filled Keras
cache (../shared/data/imagenet_class_index.json, checked by Keras's md5), and the input-shape checks."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
import torch

import kerasish
from kerasish import applications
from kerasish.applications import imagenet_utils
from tests.applications.application_cases import FIXTURES

CLASS_INDEX = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "imagenet_class_index.json")


def _preprocessing():
    with open(os.path.join(FIXTURES, "preprocessing.json")) as f:
        return json.load(f)


def _given(case):
    x = np.asarray(_preprocessing()["input"], dtype="float32")
    if case["data_format"] == "channels_first":
        x = np.transpose(x, (0, 3, 1, 2))
    return np.ascontiguousarray(x if case["rank"] == 4 else x[0])


CASES = _preprocessing()["cases"]
IDS = [f"{c['mode']}-{c['data_format']}-{c['rank']}d" for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_preprocess_numpy_matches_keras(case):
    x = _given(case)
    got = imagenet_utils.preprocess_input(x, data_format=case["data_format"], mode=case["mode"])
    np.testing.assert_allclose(got, np.asarray(case["output"]), rtol=1e-6, atol=1e-5)
    assert got.dtype == np.float32


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_preprocess_tensor_matches_keras_and_leaves_the_input(case):
    x = torch.from_numpy(_given(case))
    before = x.clone()
    got = imagenet_utils.preprocess_input(x, data_format=case["data_format"], mode=case["mode"])
    np.testing.assert_allclose(got.numpy(), np.asarray(case["output"]), rtol=1e-6, atol=1e-4)
    torch.testing.assert_close(x, before)


def test_preprocess_numpy_writes_over_a_float_input_as_keras_does():
    x = np.full((1, 2, 2, 3), 255.0, dtype="float32")
    out = imagenet_utils.preprocess_input(x, mode="tf")
    assert out is x and np.all(x == 1.0)


def test_preprocess_integer_images_become_float():
    x = np.full((1, 2, 2, 3), 255, dtype="uint8")
    out = imagenet_utils.preprocess_input(x, mode="torch")
    np.testing.assert_allclose(out[0, 0, 0], (1.0 - np.array([0.485, 0.456, 0.406])) / [0.229, 0.224, 0.225], 1e-6)
    assert x[0, 0, 0, 0] == 255


def test_preprocess_in_a_functional_graph():
    inputs = kerasish.Input((2, 2, 3))
    model = kerasish.Model(inputs, applications.vgg16.preprocess_input(inputs))
    x = np.random.RandomState(0).uniform(0, 255, (1, 2, 2, 3)).astype("float32")
    expected = imagenet_utils.preprocess_input(x.copy(), mode="caffe")
    np.testing.assert_allclose(model(torch.from_numpy(x)).detach().numpy(), expected, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize(
    ("module", "mode"),
    [
        ("vgg16", "caffe"),
        ("vgg19", "caffe"),
        ("resnet", "caffe"),
        ("resnet50", "caffe"),
        ("resnet_v2", "tf"),
        ("mobilenet", "tf"),
        ("mobilenet_v2", "tf"),
        ("densenet", "torch"),
        ("xception", "tf"),
        ("inception_v3", "tf"),
        ("inception_resnet_v2", "tf"),
        ("nasnet", "tf"),
    ],
)
def test_family_preprocessing_modes(module, mode):
    x = np.random.RandomState(1).uniform(0, 255, (1, 3, 3, 3)).astype("float32")
    got = getattr(applications, module).preprocess_input(x.copy())
    np.testing.assert_allclose(got, imagenet_utils.preprocess_input(x.copy(), mode=mode), rtol=1e-6)


@pytest.mark.parametrize("module", ["mobilenet_v3", "efficientnet", "efficientnet_v2", "convnext"])
def test_models_that_preprocess_themselves_leave_inputs_unchanged(module):
    x = np.arange(12.0).reshape(1, 2, 2, 3)
    assert getattr(applications, module).preprocess_input(x) is x


def test_preprocess_rejects_unknown_mode_and_format():
    x = np.zeros((1, 2, 2, 3), "float32")
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(x, mode="pytorch")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(x, data_format="NHWC")


@pytest.fixture
def class_index_cache(tmp_path, monkeypatch):
    """A Keras cache holding the class index, where `decode_predictions` looks before downloading."""
    home = tmp_path / "keras_home"
    (home / "models").mkdir(parents=True)
    shutil.copy(CLASS_INDEX, home / "models" / "imagenet_class_index.json")
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return home


def test_decode_predictions_reads_the_cached_class_index(class_index_cache):
    preds = np.zeros((2, 1000), dtype="float32")
    preds[0, [1, 7, 999]] = [0.2, 0.5, 0.3]
    preds[1, 409] = 1.0
    decoded = applications.resnet50.decode_predictions(preds, top=3)
    assert [label for _, label, _ in decoded[0]] == ["cock", "toilet_tissue", "goldfish"]
    assert decoded[0][0][0] == "n01514668" and decoded[0][0][2] == pytest.approx(0.5)
    assert decoded[1][0][:2] == ("n02708093", "analog_clock")
    assert len(decoded[1]) == 3


def test_decode_predictions_takes_tensors_and_checks_the_shape(class_index_cache):
    preds = torch.zeros(1, 1000)
    preds[0, 0] = 1.0
    assert applications.imagenet_utils.decode_predictions(preds, top=1) == [[("n01440764", "tench", 1.0)]]
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_obtain_input_shape_defaults_and_checks():
    f = imagenet_utils.obtain_input_shape
    assert f(None, 224, 32, "channels_last", require_flatten=True) == (224, 224, 3)
    assert f(None, 224, 32, "channels_last", require_flatten=False) == (None, None, 3)
    assert f(None, 299, 75, "channels_first", require_flatten=False) == (3, None, None)
    assert f((64, 80, 3), 224, 32, "channels_last", require_flatten=False) == (64, 80, 3)
    with pytest.raises(ValueError, match="at least 75x75"):
        f((64, 80, 3), 299, 75, "channels_last", require_flatten=False)
    with pytest.raises(ValueError, match="should be"):
        f((200, 200, 3), 224, 32, "channels_last", require_flatten=True, weights="imagenet")
    with pytest.raises(ValueError, match="3 channels"):
        f((64, 64, 1), 224, 32, "channels_last", require_flatten=False, weights="imagenet")


def test_correct_pad_matches_tensorflow_same_padding():
    assert imagenet_utils.correct_pad(kerasish.Input((32, 32, 3)), 3) == ((0, 1), (0, 1))
    assert imagenet_utils.correct_pad(kerasish.Input((33, 32, 3)), 5) == ((2, 2), (1, 2))
    assert imagenet_utils.correct_pad(kerasish.Input((None, None, 3)), (3, 3)) == ((0, 1), (0, 1))
