"""Fuzz tests: mutated configs and damaged files fed to every loader.

Each outcome must be a clean exception (a ValueError saying what is wrong, whatever a layer's constructor made of
the damage) or a model; never a crash, a hang, another exception type, or code from the input running (checked
with a marker file that the payloads would create).
"""

import json
import os
import zipfile

import h5py
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import kerasish as keras

CLEAN = ValueError
# No shrinking: a failure is reported as found, which keeps a failing run as short as a passing one.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _model():
    inputs = keras.Input((3,), name="x")
    h = keras.layers.Dense(4, activation="relu")(inputs)
    inner = keras.Sequential([keras.layers.Dense(2), keras.layers.BatchNormalization()], name="inner")
    return keras.Model(inputs, keras.layers.Dense(1)(inner(h)))


BASE_CONFIG = json.loads(_model().to_json())
X = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)

# ---- configs -----------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _containers(node, found=None):
    """Every dict and list inside `node` (node included), to pick a mutation site from."""
    found = [] if found is None else found
    if isinstance(node, (dict, list)):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, found)
    return found


@st.composite
def mutated_configs(draw):
    config = json.loads(json.dumps(BASE_CONFIG))
    for _ in range(draw(st.integers(1, 3))):
        sites = _containers(config)
        site = sites[draw(st.integers(0, len(sites) - 1))]
        keys = list(site) if isinstance(site, dict) else list(range(len(site)))
        op = draw(st.sampled_from(["delete", "replace", "class_name", "nest"]))
        if not keys or op == "class_name":
            if isinstance(site, dict):
                site["class_name"] = draw(st.text(max_size=20) | st.sampled_from(["Dense", "Functional", "Lambda"]))
            continue
        key = keys[draw(st.integers(0, len(keys) - 1))]
        if op == "delete":
            del site[key]
        elif op == "replace":
            site[key] = draw(json_values)
        else:
            site[key] = [[[[site[key]]]]]
    return config


def _check_model_or_clean_error(build):
    try:
        model = build()
    except CLEAN:
        return
    # A mutation that still describes a model gives a working model.
    assert hasattr(model, "predict")


@FUZZ
@given(mutated_configs())
def test_mutated_json_configs_give_a_model_or_a_clean_error(config):
    _check_model_or_clean_error(lambda: keras.models.model_from_json(json.dumps(config)))


@FUZZ
@given(mutated_configs())
def test_mutated_yaml_configs_give_a_model_or_a_clean_error(config):
    _check_model_or_clean_error(lambda: keras.models.model_from_yaml(yaml.safe_dump(config)))


@FUZZ
@given(st.text(max_size=200))
def test_random_text_is_refused_cleanly(text):
    for loader in (keras.models.model_from_json, keras.models.model_from_yaml):
        with pytest.raises(CLEAN):
            loader(text)


@pytest.mark.parametrize("depth", [50, 100_000])
def test_deep_nesting_is_refused_cleanly(depth):
    nested = "[" * depth + "]" * depth
    for loader in (keras.models.model_from_json, keras.models.model_from_yaml):
        with pytest.raises(CLEAN):
            loader(nested)
        with pytest.raises(CLEAN):
            loader(json.dumps({"class_name": "Sequential", "config": {"layers": json.loads("[" * 50 + "]" * 50)}}))


@FUZZ
@given(mutated_configs())
def test_mutated_configs_in_a_keras_archive_give_a_model_or_an_error_naming_the_file(
    tmp_path_factory, saved_files, config
):
    path = tmp_path_factory.mktemp("config") / "m.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", saved_files["weights_only_archive_member"])
    _check_loads_or_refuses("keras", path)


def test_deeply_nested_configs_in_files_are_refused(tmp_path):
    path = tmp_path / "m.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="m.keras"):
        keras.models.load_model(path)


def _python_tag_payloads(marker):
    command = f"touch {marker}"
    return [
        f"!!python/object/apply:os.system [{command!r}]",
        f"!!python/object/apply:subprocess.call [[touch, {marker}]]",
        f"!!python/object/new:os.system [{command!r}]",
        "!!python/name:os.system",
        "!!python/module:os",
    ]


@FUZZ
@given(st.data())
def test_yaml_python_tags_anywhere_are_refused_and_nothing_runs(tmp_path_factory, data):
    marker = tmp_path_factory.mktemp("yaml") / "ran"
    text = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).to_yaml()
    lines = text.splitlines()
    payload = data.draw(st.sampled_from(_python_tag_payloads(marker)))
    # Put the payload in the value position of a random `key: value` line.
    candidates = [i for i, line in enumerate(lines) if ": " in line]
    i = data.draw(st.sampled_from(candidates))
    key = lines[i].split(": ", 1)[0]
    lines[i] = f"{key}: {payload}"
    with pytest.raises(ValueError):
        keras.models.model_from_yaml("\n".join(lines))
    assert not marker.exists()


# ---- files -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, np.ones((2, 1), "float32"), verbose=0)
    paths = {
        "keras": folder / "m.keras",
        "h5": folder / "m.h5",
        "weights_h5": folder / "m.weights.h5",
        "legacy_weights": folder / "w.h5",
    }
    model.save(paths["keras"])
    model.save(paths["h5"])
    model.save_weights(paths["weights_h5"])
    model.save_weights(paths["legacy_weights"])
    files = {kind: path.read_bytes() for kind, path in paths.items()}
    uncompiled = folder / "uncompiled.keras"
    _model().save(uncompiled)
    with zipfile.ZipFile(uncompiled) as z:
        files["weights_only_archive_member"] = z.read("model.weights.h5")
    return files


def _load(kind, path):
    if kind in ("keras", "h5"):
        return keras.models.load_model(path)
    model = _model()
    model.load_weights(path)
    return model


def _check_loads_or_refuses(kind, path):
    try:
        model = _load(kind, path)
    except ValueError as e:
        # The error names the file, so a user knows which one is damaged.
        assert os.path.basename(path) in str(e)
        return
    assert hasattr(model, "predict")


@FUZZ
@given(st.sampled_from(["keras", "h5", "weights_h5", "legacy_weights"]), st.floats(0, 1, exclude_max=True))
def test_truncated_files_are_refused_with_an_error_naming_the_file(tmp_path_factory, saved_files, kind, fraction):
    content = saved_files[kind]
    path = (
        tmp_path_factory.mktemp("cut")
        / {"keras": "m.keras", "h5": "m.h5", "weights_h5": "m.weights.h5", "legacy_weights": "w.h5"}[kind]
    )
    path.write_bytes(content[: int(len(content) * fraction)])
    with pytest.raises(ValueError) as error:
        _load(kind, path)
    assert path.name in str(error.value)


@FUZZ
@given(st.sampled_from(["keras", "h5", "weights_h5", "legacy_weights"]), st.data())
def test_bit_flips_give_a_model_or_an_error_naming_the_file(tmp_path_factory, saved_files, kind, data):
    content = bytearray(saved_files[kind])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(content) - 1))
        content[position] ^= 1 << data.draw(st.integers(0, 7))
    path = (
        tmp_path_factory.mktemp("flip")
        / {"keras": "m.keras", "h5": "m.h5", "weights_h5": "m.weights.h5", "legacy_weights": "w.h5"}[kind]
    )
    path.write_bytes(bytes(content))
    _check_loads_or_refuses(kind, path)


@pytest.mark.parametrize(
    "content", [b"", b"not a model at all", b"\x89HDF\r\n\x1a\n" + b"\0" * 64, b"PK\x03\x04" + b"\0" * 64]
)
@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5"])
def test_non_model_files_are_refused_with_an_error_naming_the_file(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=name):
        keras.models.load_model(path)
    with pytest.raises(ValueError, match=name):
        _model().load_weights(path)


def test_a_zip_without_weights_or_with_a_damaged_member_is_refused(tmp_path, saved_files):
    original = tmp_path / "m.keras"
    original.write_bytes(saved_files["keras"])
    with zipfile.ZipFile(original) as z:
        members = {name: z.read(name) for name in z.namelist()}
    no_weights = tmp_path / "no_weights.keras"
    with zipfile.ZipFile(no_weights, "w") as z:
        z.writestr("config.json", members["config.json"])
    with pytest.raises(ValueError, match="no_weights.keras"):
        _model().load_weights(no_weights)
    bad_weights = tmp_path / "bad_weights.keras"
    with zipfile.ZipFile(bad_weights, "w") as z:
        z.writestr("config.json", members["config.json"])
        z.writestr("model.weights.h5", b"garbage")
    for load in (keras.models.load_model, lambda p: _model().load_weights(p)):
        with pytest.raises(ValueError, match="bad_weights.keras"):
            load(bad_weights)


# ---- nothing runs, nothing changes ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_lambda_bytecode_in_a_file_does_not_run_in_safe_mode(tmp_path, suffix):
    marker = tmp_path / "ran"
    function = eval(f"lambda x: __import__('pathlib').Path({str(marker)!r}).touch() or x")  # noqa: S307
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Lambda(function)(inputs))
    marker.unlink()  # building the model called the function once
    model.save(tmp_path / f"m{suffix}")
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(tmp_path / f"m{suffix}")
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["weights_h5", "legacy_weights", "keras"])
def test_a_shape_mismatch_names_the_layer_and_both_shapes_and_assigns_nothing(tmp_path, saved_files, kind):
    path = tmp_path / {"keras": "m.keras", "weights_h5": "m.weights.h5", "legacy_weights": "w.h5"}[kind]
    path.write_bytes(saved_files[kind])
    inputs = keras.Input((3,), name="x")
    h = keras.layers.Dense(4, activation="relu")(inputs)
    inner = keras.Sequential([keras.layers.Dense(2), keras.layers.BatchNormalization()], name="inner")
    model = keras.Model(inputs, keras.layers.Dense(5)(inner(h)))  # the last layer does not fit
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"\(2, 5\).*\(2, 1\)") as error:
        model.load_weights(path)
    assert "dense" in str(error.value)
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def test_soft_and_external_links_in_a_keras3_weights_file_are_refused(tmp_path, saved_files):
    path = tmp_path / "m.weights.h5"
    path.write_bytes(saved_files["weights_h5"])
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["k"] = np.zeros((3, 4), "float32")
    with h5py.File(path, "a") as f:
        group = f["layers/dense/vars"]
        del group["0"]
        group["0"] = h5py.ExternalLink(str(other), "k")
    with pytest.raises(ValueError, match="m.weights.h5"):
        _model().load_weights(path)
