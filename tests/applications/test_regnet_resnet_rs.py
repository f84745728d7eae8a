"""RegNetX/Y and ResNetRS (tf.keras 2's families) against tf_keras 2.21's own models.

Fixtures (all written by tests/fixtures/applications/make_regnet_resnet_rs_fixtures.py with tf_keras 2.21):
- `regnet_resnet_rs.json.gz`: every constructor's manifest (layers, weight names and shapes, in the order of legacy
  `.h5` files) with and without top, the `get_file` call tf.keras makes for `weights="imagenet"`, and tf.keras's
  outputs of the small members for weights drawn from a seed (`application_cases.draw_weights`).
- `tiny_regnet.h5`, `tiny_regnet_notop.h5`, `tiny_resnet_rs_notop.h5`: legacy `.h5` files tf.keras wrote for small
  members built by its own builders, and their outputs; they load by path and, through a pre-filled Keras cache,
  as `weights="imagenet"`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import shutil

import numpy as np
import pytest
import torch

from kerasish import applications, config, layers, losses, models, utils
from kerasish.applications import application_model, regnet, resnet_rs
from kerasish.initializers import random_initializers
from tests.applications.application_cases import FIXTURES, check_outputs, describe, draw_input, set_drawn_weights


@functools.cache
def _cases() -> list[dict]:
    with gzip.open(os.path.join(FIXTURES, "regnet_resnet_rs.json.gz"), "rt", encoding="utf-8") as f:
        return json.load(f)["cases"]


def _params(select):
    return [
        pytest.param(index, id=f"{case['constructor']}-{case['kwargs']}")
        for index, case in enumerate(_cases())
        if select(case)
    ]


def _kwargs(case, **overrides) -> dict:
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    return {**kwargs, **overrides}


def _build(case, **overrides):
    # tf.keras's automatic names (`zero_padding2d`, `add_1`) and counters (`stem_1`, `1_head_gap`) start over in a
    # fresh session, as the fixture script builds each case.
    utils.clear_session(free_memory=False)
    return getattr(applications, case["constructor"])(**_kwargs(case, **overrides))


def _manifest(model) -> dict:
    # tf.keras 2 names the input `input_1` (kerasish, as Keras 3, `input_layer`); the fixture leaves it out.
    described = describe(model)
    described["layers"] = [entry for entry in described["layers"] if not entry.endswith(":InputLayer")]
    return described


@pytest.fixture
def fast_init(monkeypatch):
    """Skips drawing the truncated normal kernels (most of the build time): the manifests need shapes only."""
    monkeypatch.setattr(random_initializers, "_truncated_normal", lambda out, *args, **kwargs: out.zero_())


@pytest.mark.parametrize("index", _params(lambda case: "outputs" not in case))
def test_architecture_matches_tf_keras(index, fast_init):
    case = _cases()[index]
    model = _build(case, weights=None)
    assert _manifest(model) == {k: case[k] for k in ("name", "layers", "weights")}


@pytest.mark.parametrize("index", _params(lambda case: "outputs" in case))
def test_outputs_match_tf_keras(index):
    case = _cases()[index]
    model = _build(case)
    assert _manifest(model) == {k: case[k] for k in ("name", "layers", "weights")}
    check_outputs(model, case)


class _Fetched(Exception):
    pass


# kerasish fetches the file before building the model: these build nothing.
@pytest.mark.parametrize("index", _params(lambda case: "get_file" in case))
def test_imagenet_weights_come_from_tf_keras_origins(index, monkeypatch):
    case = _cases()[index]
    calls = []

    def record(fname=None, origin=None, **kwargs):
        calls.append([fname, origin, kwargs.get("cache_subdir", "datasets"), kwargs.get("file_hash")])
        raise _Fetched

    monkeypatch.setattr(application_model, "get_file", record)
    with pytest.raises(_Fetched):
        getattr(applications, case["constructor"])(**_kwargs(case, weights=case["kwargs"].get("weights", "imagenet")))
    assert calls == [case["get_file"]]


# --- tf.keras's own weight files -------------------------------------------------------------------------------


def tiny_regnet(**kwargs):
    """The fixture script's tiny RegNetY: stages of 1, 1, 2, 1 Y blocks, 10 classes."""
    utils.clear_session(free_memory=False)
    args = {"model_name": "regnettiny", "input_shape": (32, 32, 3), "classes": 10, **kwargs}
    return regnet.RegNet([1, 1, 2, 1], [8, 16, 24, 32], 8, "Y", 224, **args)


def tiny_resnet_rs(**kwargs):
    """The fixture script's tiny ResNetRS: block groups of 4, 8, 8, 16 filters (1, 2, 1, 1 blocks), 10 classes."""
    utils.clear_session(free_memory=False)
    block_args = [{"input_filters": f, "num_repeats": r} for f, r in ((4, 1), (8, 2), (8, 1), (16, 1))]
    args = {"model_name": "resnet-rs-tiny", "input_shape": (40, 40, 3), "classes": 10, "drop_connect_rate": 0.2}
    return resnet_rs.ResNetRS(50, block_args=block_args, **{**args, **kwargs})


# family -> (builder, fixture file stem, ImageNet file stem, input size)
TINY = {
    "regnet": (tiny_regnet, "tiny_regnet", "regnettiny", 32),
    "resnet_rs": (tiny_resnet_rs, "tiny_resnet_rs", "resnet-rs-tiny-i160", 40),
}


def _expected(stem: str) -> np.ndarray:
    with open(os.path.join(FIXTURES, "tiny_regnet_resnet_rs_outputs.json")) as f:
        return np.asarray(json.load(f)[stem]["outputs"], dtype="float32")


def _predict(model, size):
    with torch.no_grad():
        return np.asarray(model(torch.from_numpy(draw_input(size))))


# (family, include_top) of the committed files.
TINY_FILES = [("regnet", True), ("regnet", False), ("resnet_rs", False)]


@pytest.mark.parametrize(("family", "include_top"), TINY_FILES)
def test_loads_tf_keras_h5_files_by_path(family, include_top):
    build, file_stem, weights_stem, size = TINY[family]
    suffix = "" if include_top else "_notop"
    model = build(include_top=include_top, weights=os.path.join(FIXTURES, f"{file_stem}{suffix}.h5"))
    np.testing.assert_allclose(_predict(model, size), _expected(weights_stem + suffix), rtol=1e-4, atol=1e-5)


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    (home / "models").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def _prefill(home, family, include_top) -> tuple[str, bytes]:
    """Puts the tiny file where `get_file` looks for the ImageNet file; returns its name and contents."""
    _, file_stem, weights_stem, _ = TINY[family]
    suffix = "" if include_top else "_notop"
    source = os.path.join(FIXTURES, f"{file_stem}{suffix}.h5")
    shutil.copy(source, home / "models" / f"{weights_stem}{suffix}.h5")
    with open(source, "rb") as f:
        return f"{weights_stem}{suffix}.h5", f.read()


def test_regnet_imagenet_weights_from_the_keras_cache(keras_home, monkeypatch):
    include_top = False  # with top, ImageNet weights need 1000 classes; the tiny file has 10
    _, data = _prefill(keras_home, "regnet", include_top)
    other = hashlib.sha256(b"the other file").hexdigest()
    digest = hashlib.sha256(data).hexdigest()  # tf.keras checks RegNet files by sha256
    monkeypatch.setitem(regnet.WEIGHTS_HASHES, "tiny", (digest, other) if include_top else (other, digest))
    monkeypatch.setattr(application_model, "get_file", _offline(application_model.get_file))
    model = tiny_regnet(include_top=include_top, weights="imagenet")
    suffix = "" if include_top else "_notop"
    np.testing.assert_allclose(_predict(model, 32), _expected("regnettiny" + suffix), rtol=1e-4, atol=1e-5)


def test_resnet_rs_imagenet_weights_from_the_keras_cache(keras_home, monkeypatch):
    include_top = False
    file_name, data = _prefill(keras_home, "resnet_rs", include_top)
    monkeypatch.setitem(resnet_rs.WEIGHT_HASHES, file_name, hashlib.md5(data).hexdigest())
    monkeypatch.setattr(application_model, "get_file", _offline(application_model.get_file))
    model = tiny_resnet_rs(include_top=include_top, weights="imagenet")
    expected = _expected(file_name[: -len(".h5")])
    np.testing.assert_allclose(_predict(model, 40), expected, rtol=1e-4, atol=1e-5)


def _offline(get_file):
    """`get_file` with an origin nothing answers: only the cache can serve the file."""

    def wrapped(fname=None, origin=None, **kwargs):
        return get_file(fname, "http://127.0.0.1:9/" + os.path.basename(origin), **kwargs)

    return wrapped


def test_a_cached_file_with_the_wrong_hash_is_refused(keras_home, monkeypatch):
    _prefill(keras_home, "regnet", False)
    monkeypatch.setitem(regnet.WEIGHTS_HASHES, "tiny", ("0" * 64, "0" * 64))
    monkeypatch.setattr(application_model, "get_file", _offline(application_model.get_file))
    with pytest.raises(Exception, match="127.0.0.1"):  # the bad copy is not used: the download is tried again
        tiny_regnet(include_top=False, weights="imagenet")


# --- behaviour beyond the fixtures -----------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["resnet_rs"])  # tf.keras's RegNet normalizes the last axis: channels_last only
def test_channels_first_gives_the_channels_last_outputs(family):
    build, _, _, size = TINY[family]
    model = build(weights=None)
    set_drawn_weights(model)
    expected = _predict(model, size)
    weights = model.get_weights()
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")
    try:
        model_cf = build(weights=None, input_shape=(3, size, size))
        model_cf.set_weights(weights)
        with torch.no_grad():
            got = np.asarray(model_cf(torch.from_numpy(draw_input(size).transpose(0, 3, 1, 2).copy())))
    finally:
        config.set_image_data_format(previous)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("family", sorted(TINY))
@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_save_and_load_keep_the_outputs(family, extension, tmp_path):
    build, _, _, size = TINY[family]
    model = build(weights=None)
    set_drawn_weights(model)
    path = str(tmp_path / f"model{extension}")
    model.save(path)
    loaded = models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_allclose(_predict(loaded, size), _predict(model, size), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("family", sorted(TINY))
def test_fit_trains_every_weight(family):
    build, _, _, size = TINY[family]
    utils.set_random_seed(0)
    model = build(weights=None, classifier_activation=None)
    model.compile(optimizer="adam", loss=losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in model.get_weights()]
    x = np.random.RandomState(0).uniform(0, 255, (8, size, size, 3)).astype("float32")
    y = np.arange(8) % 10
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    after = model.get_weights()
    changed = [not np.array_equal(a, b) for a, b in zip(before, after, strict=True)]
    assert all(changed), [n for n, c in zip(model._weight_names(), changed, strict=True) if not c]


def test_regnet_top_returns_logits_as_tf_keras():
    # tf.keras checks `classifier_activation` but builds the head's Dense without it.
    model = tiny_regnet(weights=None)
    assert model.get_layer("1head_dense").get_config()["activation"] == "linear"
    set_drawn_weights(model)
    assert not np.allclose(_predict(model, 32).sum(axis=1), 1.0)


def test_resnet_rs_survival_dropout_layers_follow_depth():
    # drop_connect_rate * (group + 2) / (groups + 1), per block group; 0 leaves the layers out (ResNetRS50..152).
    model = tiny_resnet_rs(weights=None)
    rates = {layer.name: layer.rate for layer in model.layers if layer.name.endswith("_drop")}
    assert rates == pytest.approx(
        {
            "BlockGroup2__block_0__drop": 0.2 * 2 / 5,
            "BlockGroup3__block_0__drop": 0.2 * 3 / 5,
            "BlockGroup3__block_1__drop": 0.2 * 3 / 5,
            "BlockGroup4__block_0__drop": 0.2 * 4 / 5,
            "BlockGroup5__block_0__drop": 0.2 * 5 / 5,
        }
    )


def test_preprocess_input_is_the_identity():
    x = np.arange(12.0).reshape(1, 2, 2, 3)
    assert applications.regnet.preprocess_input(x) is x
    assert applications.resnet_rs.preprocess_input(x, data_format="channels_last") is x


def test_decode_predictions_reads_the_cached_class_index(keras_home, monkeypatch):
    from kerasish.applications import imagenet_utils

    shared = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "imagenet_class_index.json")
    shutil.copy(shared, keras_home / "models" / "imagenet_class_index.json")
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    preds = np.zeros((1, 1000), dtype="float32")
    preds[0, [1, 409]] = [0.25, 0.75]
    for module in (regnet, resnet_rs):
        decoded = module.decode_predictions(preds, top=2)
        assert [(wnid, label) for wnid, label, _ in decoded[0]] == [
            ("n02708093", "analog_clock"),
            ("n01443537", "goldfish"),
        ]


def _no_download(*args, **kwargs):
    raise AssertionError("nothing may be fetched before the arguments are checked")


@pytest.mark.parametrize(
    ("constructor", "kwargs", "match"),
    [
        ("RegNetX002", {"weights": "no/such/file.h5"}, "`weights` argument"),
        ("RegNetY002", {"classes": 10}, "`classes` should be 1000"),
        ("RegNetX002", {"weights": None, "pooling": "mean", "include_top": False}, "pooling"),
        ("RegNetX002", {"classifier_activation": "relu"}, "classifier_activation"),
        ("RegNetX002", {"weights": None, "input_shape": (16, 16, 3), "include_top": False}, "at least 32"),
        ("ResNetRS50", {"weights": "imagenet-i224"}, r"available \['imagenet-i160'\]"),
        ("ResNetRS152", {"weights": "imagenet-i192", "classes": 10}, "`classes` should be 1000"),
        ("ResNetRS101", {"weights": "imagenet", "classifier_activation": "sigmoid"}, "classifier_activation"),
    ],
)
def test_bad_arguments_raise_before_anything_is_fetched(constructor, kwargs, match, monkeypatch):
    monkeypatch.setattr(application_model, "get_file", _no_download)
    with pytest.raises(ValueError, match=match):
        getattr(applications, constructor)(**kwargs)


def test_regnet_blocks_check_their_filters():
    with pytest.raises(ValueError, match="are not equal for stride 1"):
        regnet.XBlock(16, 32, 8)(layers.Input((8, 8, 16)))
