"""FeatureSpace against Keras 3's: the same adapted state and encodings for the same data, a functional model built
on it that computes the same, saving, configs and errors.

The reference numbers come from Keras 3.15.1 on TensorFlow 2.17.1 (Keras's FeatureSpace needs tf.data):
tests/fixtures/feature_space/make_feature_space_fixtures.py wrote tests/fixtures/feature_space/keras3.json, and
`make_space` below builds the same space.
"""

import io
import json
import pathlib
import zipfile

import h5py
import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.layers.preprocessing.feature_space import Cross, Feature, FeatureSpace
from kerasish.saving import keras3_format

FIXTURE = json.loads((pathlib.Path(__file__).parents[1] / "fixtures/feature_space/keras3.json").read_text())


def _arrays(raw: dict) -> dict:
    def array(values):
        if isinstance(values[0], float):
            return np.asarray(values, "float32")
        return np.asarray(values, "int32") if isinstance(values[0], int) else np.asarray(values)

    return {name: array(values) for name, values in raw.items()}


DATA, TEST = _arrays(FIXTURE["data"]), _arrays(FIXTURE["test"])


def make_space(output_mode="concat", int_outputs=False, hashed_strings=True):
    mode = "int" if int_outputs else "one_hot"
    features = {
        "plain": FeatureSpace.float(name="plain"),
        "scaled": FeatureSpace.float_rescaled(scale=0.5, offset=1.0, name="scaled"),
        "normed": "float_normalized",
        "binned": FeatureSpace.float_discretized(num_bins=4, output_mode=mode, name="binned"),
        "color": FeatureSpace.string_categorical(output_mode=mode, name="color"),
        "size": FeatureSpace.integer_categorical(max_tokens=5, output_mode=mode, name="size"),
        "city": FeatureSpace.string_hashed(num_bins=8, output_mode=mode, name="city"),
        "user": FeatureSpace.integer_hashed(num_bins=16, output_mode=mode, name="user"),
    }
    crosses = [FeatureSpace.cross(("color", "size"), crossing_dim=16, output_mode=mode), ("city", "size")]
    if not hashed_strings:
        del features["city"]
        crosses = crosses[:1]
    return FeatureSpace(features=features, crosses=crosses, crossing_dim=8, output_mode=output_mode)


def test_adapted_state_matches_keras():
    space = make_space()
    space.adapt(DATA)
    np.testing.assert_allclose(space.preprocessors["normed"].mean.numpy(), np.ravel(FIXTURE["normed_mean"]), rtol=1e-6)
    np.testing.assert_allclose(space.preprocessors["binned"].bin_boundaries, FIXTURE["binned_boundaries"], rtol=1e-6)
    assert space.preprocessors["color"].get_vocabulary() == FIXTURE["color_vocabulary"]
    assert space.preprocessors["size"].get_vocabulary() == FIXTURE["size_vocabulary"]


def test_concat_output_matches_keras():
    space = make_space()
    space.adapt(DATA)
    train, test = space(DATA), space(TEST)
    assert train.dtype == torch.float32 and tuple(train.shape) == (100, 66)
    np.testing.assert_allclose(train.numpy(), FIXTURE["concat_train"], atol=1e-6)
    np.testing.assert_allclose(test.numpy(), FIXTURE["concat_test"], atol=1e-6)
    single = space({name: values[0] for name, values in TEST.items()})  # scalars: one sample, no batch axis
    np.testing.assert_allclose(single.numpy(), FIXTURE["concat_single"], atol=1e-6)
    # (batch, 1) columns, lists and torch tensors give the same encoding.
    columns = {name: values.reshape(-1, 1) for name, values in TEST.items()}
    np.testing.assert_allclose(space(columns).numpy(), FIXTURE["concat_test"], atol=1e-6)
    mixed = {name: torch.as_tensor(v) if v.dtype.kind != "U" else v.tolist() for name, v in TEST.items()}
    np.testing.assert_allclose(space(mixed).numpy(), FIXTURE["concat_test"], atol=1e-6)


def test_dict_output_with_int_features_matches_keras():
    space = make_space(output_mode="dict", int_outputs=True)
    space.adapt(DATA)
    out = space(TEST)
    assert list(out) == list(FIXTURE["dict_test"])  # features sorted by name, then crosses sorted by name
    for name, expected in FIXTURE["dict_test"].items():
        np.testing.assert_allclose(out[name].numpy(), expected, atol=1e-6, err_msg=name)
    assert not out["color"].is_floating_point() and out["city_X_size"].is_floating_point()


def test_adapt_on_batches_and_tables_equals_adapt_on_a_dict():
    reference = make_space()
    reference.adapt(DATA)
    batches = [{name: values[i : i + 32] for name, values in DATA.items()} for i in range(0, 100, 32)]
    batched = make_space()
    batched.adapt(batches)

    class Table:  # what kerasish reads of a pandas DataFrame
        def items(self):
            return DATA.items()

        def to_dict(self):
            return dict(DATA)

    tabled = make_space()
    tabled.adapt(Table())
    for space in (batched, tabled):
        np.testing.assert_allclose(space(TEST).numpy(), reference(TEST).numpy(), atol=1e-6)


def test_functional_model_on_the_space_fits_saves_and_reloads(tmp_path):
    space = make_space(hashed_strings=False)
    train = {name: values for name, values in DATA.items() if name != "city"}
    test = {name: values for name, values in TEST.items() if name != "city"}
    space.adapt(train)
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    assert sorted(inputs) == sorted(train) and tuple(encoded.shape) == (None, 50)
    encoder = keras.Model(inputs, encoded)
    columns = {name: values.reshape(-1, 1) for name, values in test.items()}
    np.testing.assert_allclose(encoder.predict(columns, verbose=0), space(test).numpy(), atol=1e-6)

    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(encoded))
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    y = (DATA["color"] == "red").astype("float32")[:, None]
    history = model.fit({name: v.reshape(-1, 1) for name, v in train.items()}, y, epochs=10, batch_size=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(reloaded.predict(columns, verbose=0), model.predict(columns, verbose=0), atol=1e-6)


def test_string_hashed_feature_in_a_model_equals_the_eager_space():
    space = FeatureSpace({"city": FeatureSpace.string_hashed(num_bins=8, name="city")})
    encoder = keras.Model(space.get_inputs(), space.get_encoded_features())
    np.testing.assert_allclose(
        encoder.predict({"city": TEST["city"].reshape(-1, 1)}, verbose=0), space({"city": TEST["city"]}).numpy()
    )


def test_save_writes_config_and_statistics(tmp_path):
    space = make_space()
    space.adapt(DATA)
    space.save(tmp_path / "space.keras")
    # What loading the archive does: the config (built, so marked adapted), then the statistics.
    with zipfile.ZipFile(tmp_path / "space.keras") as z:
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
    reloaded = keras.layers.deserialize(config, custom_objects={"FeatureSpace": FeatureSpace})
    with h5py.File(io.BytesIO(weights), "r") as f:
        keras3_format.read_weights_group(f, reloaded, "space.keras")
    assert isinstance(reloaded, FeatureSpace)
    np.testing.assert_allclose(reloaded(TEST).numpy(), FIXTURE["concat_test"], atol=1e-6)


def test_config_round_trip_keeps_vocabularies_and_bins():
    space = make_space(output_mode="dict", int_outputs=True)
    space.adapt(DATA)
    config = json.loads(json.dumps(space.get_config()))
    clone = FeatureSpace.from_config(config)
    assert clone.preprocessors["color"].get_vocabulary() == FIXTURE["color_vocabulary"]
    assert clone.preprocessors["binned"].bin_boundaries == space.preprocessors["binned"].bin_boundaries
    assert [c.name for c in clone.crosses] == ["color_X_size", "city_X_size"]
    with pytest.raises(ValueError, match="adapt"):  # the normalization statistics are weights, not config
        clone(TEST)


def test_reads_a_keras_3_config():
    space = FeatureSpace.from_config(FIXTURE["config"])
    kinds = {name: (type(f.preprocessor).__name__, f.dtype, f.output_mode) for name, f in space.features.items()}
    assert kinds == {
        "plain": ("Identity", "float32", "float"),
        "scaled": ("Rescaling", "float32", "float"),
        "normed": ("Normalization", "float32", "float"),
        "binned": ("Discretization", "float32", "one_hot"),
        "color": ("StringLookup", "string", "one_hot"),
        "size": ("IntegerLookup", "int32", "one_hot"),
        "city": ("Hashing", "string", "one_hot"),
        "user": ("Hashing", "int32", "one_hot"),
    }
    assert [(c.feature_names, c.crossing_dim) for c in space.crosses] == [
        (("color", "size"), 16),
        (("city", "size"), 8),
    ]
    assert space.preprocessors["scaled"].scale == 0.5


def test_string_shortcuts_use_the_space_defaults():
    space = FeatureSpace(
        {
            "a": "float_discretized",
            "b": "string_hashed",
            "c": "integer_hashed",
            "d": "float",
            "e": "float_rescaled",
            "f": "integer_categorical",
        },
        hashing_dim=5,
        num_discretization_bins=3,
    )
    assert space.preprocessors["a"].num_bins == 3
    assert space.preprocessors["b"].num_bins == 5 and space.preprocessors["c"].num_bins == 5
    assert space.preprocessors["a"].name == "a_preprocessor"
    assert isinstance(space.features["d"], Feature)
    assert isinstance(FeatureSpace.cross(("a", "b"), 4), Cross)


def test_float_features_and_fixed_bins_need_no_adapt():
    space = FeatureSpace({"x": "float", "y": FeatureSpace.float_discretized(num_bins=None, bin_boundaries=[0.0, 1.0])})
    out = space({"x": np.array([2.0, 3.0]), "y": np.array([-1.0, 0.5])})
    np.testing.assert_allclose(out.numpy(), [[2, 1, 0, 0], [3, 0, 1, 0]])


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match="invalid type for feature 'a'"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match=r"not in `features`: \['zz'\]"):
        FeatureSpace({"a": "float"}, crosses=[("a", "zz")])
    with pytest.raises(ValueError, match="cannot concatenate feature 'a'"):
        FeatureSpace({"a": FeatureSpace.string_categorical(output_mode="int")})
    space = FeatureSpace({"a": "float_normalized", "s": "string_categorical"})
    with pytest.raises(ValueError, match="call `.adapt"):
        space({"a": np.array([1.0]), "s": np.array(["x"])})
    with pytest.raises(ValueError, match="no feature 's'"):
        space.adapt({"a": np.array([1.0])})
    with pytest.raises(ValueError, match="feature 'a' has dtype 'float32', got strings"):
        space.adapt({"a": np.array(["1"]), "s": np.array(["x"])})
    space.adapt({"a": np.array([1.0, 3.0]), "s": np.array(["x", "y"])})
    with pytest.raises(ValueError, match="only be called with a dict"):
        space(np.array([1.0]))
    with pytest.raises(ValueError, match="feature 's' has dtype 'string', got numbers"):
        space({"a": np.array([1.0]), "s": np.array([3])})
