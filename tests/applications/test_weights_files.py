"""Loading Keras's own weight files into applications, and `weights="imagenet"` through `get_file`.

- `tiny_resnet.h5` (tf.keras 2's legacy layout, the layout of Keras's ImageNet files) and `tiny_resnet.weights.h5`
  (Keras 3) hold the weights of a two-stage ResNet built by Keras's own `ResNet` builder, with Keras's outputs in
  `tiny_resnet_outputs.json` (all written by tests/fixtures/applications/make_applications_fixtures.py).
- `imagenet_files.json`: the `get_file` call Keras 3.15 makes for every constructor with `weights="imagenet"`
  (recorded by the same script); kerasish must ask for the same file, origin, cache folder and hash.
- `weights="imagenet"` end to end: a loopback HTTP server serves the tiny file as a family's ImageNet file (the
  family's hash table points at its md5), which lands in `$KERAS_HOME/models/` and loads. No network.
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest
import torch

from kerasish import applications, utils
from kerasish.applications import application_model, resnet
from tests.applications.application_cases import FIXTURES, draw_input
from tests.fixtures.datasets.http_server import LoopbackServer


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def tiny_resnet(**kwargs):
    """The fixture script's tiny ResNet: stages of 2 and 1 v1 blocks, 10 classes."""

    def stack_fn(x):
        x = resnet.stack_residual_blocks_v1(x, 8, 2, stride1=1, name="conv2")
        return resnet.stack_residual_blocks_v1(x, 16, 1, name="conv3")

    utils.clear_session(free_memory=False)
    args = {"include_top": True, "input_shape": (32, 32, 3), "classes": 10, "name": "tiny_resnet", **kwargs}
    return resnet.ResNet(stack_fn, False, True, **args)


def expected_outputs():
    with open(os.path.join(FIXTURES, "tiny_resnet_outputs.json")) as f:
        return np.asarray(json.load(f)["outputs"], dtype="float32")


def predict(model):
    with torch.no_grad():
        return np.asarray(model(torch.from_numpy(draw_input(32))))


@pytest.mark.parametrize("file_name", ["tiny_resnet.h5", "tiny_resnet.weights.h5"])
def test_loads_keras_weight_files_by_path(file_name):
    model = tiny_resnet(weights=os.path.join(FIXTURES, file_name))
    np.testing.assert_allclose(predict(model), expected_outputs(), rtol=1e-4, atol=1e-5)


def test_imagenet_weights_download_once_into_the_keras_cache(keras_home, monkeypatch):
    with open(os.path.join(FIXTURES, "tiny_resnet_notop.h5"), "rb") as f:
        data = f.read()
    md5 = hashlib.md5(data).hexdigest()
    file_name = "tiny_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with LoopbackServer({file_name: data}) as server:
        monkeypatch.setattr(resnet, "BASE_WEIGHTS_PATH", server.url(""))
        monkeypatch.setitem(resnet.WEIGHTS_HASHES, "tiny", ("unused", md5))
        for _ in range(2):
            model = tiny_resnet(weights="imagenet", weights_name="tiny", include_top=False)
        assert server.requests == [file_name]  # the second model reads the cache
    assert (keras_home / "models" / file_name).exists()
    # The no-top file holds the full model's weights but the classifier's.
    reference = tiny_resnet(weights=os.path.join(FIXTURES, "tiny_resnet.h5"))
    assert len(model.get_weights()) == len(reference.get_weights()) - 2
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_imagenet_file_with_a_wrong_hash_is_refused(keras_home, monkeypatch):
    with open(os.path.join(FIXTURES, "tiny_resnet_notop.h5"), "rb") as f:
        data = f.read()
    file_name = "tiny_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with LoopbackServer({file_name: data}) as server:
        monkeypatch.setattr(resnet, "BASE_WEIGHTS_PATH", server.url(""))
        monkeypatch.setitem(resnet.WEIGHTS_HASHES, "tiny", ("0" * 32, "0" * 32))
        with pytest.raises(ValueError, match="hash"):
            tiny_resnet(weights="imagenet", weights_name="tiny", include_top=False)
    assert not (keras_home / "models" / file_name).exists()


class _Fetched(Exception):
    pass


def _imagenet_cases():
    with open(os.path.join(FIXTURES, "imagenet_files.json")) as f:
        return json.load(f)


@pytest.mark.parametrize("case", _imagenet_cases(), ids=lambda c: f"{c['constructor']}-{c['kwargs']}")
def test_imagenet_weights_come_from_keras_origins(case, monkeypatch):
    calls = []

    def record(fname=None, origin=None, **kwargs):
        calls.append([fname, origin, kwargs.get("cache_subdir", "datasets"), kwargs.get("file_hash")])
        raise _Fetched

    monkeypatch.setattr(application_model, "get_file", record)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    with pytest.raises(_Fetched):
        getattr(applications, case["constructor"])(weights="imagenet", **kwargs)
    assert calls == [case["get_file"]]
