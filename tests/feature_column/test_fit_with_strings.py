"""A functional model on string and numeric features: fit, predict, save/load and JSON round trips.

Needs the integration of the data-side hook (`Input(dtype="string")` and strings -> Fingerprint64 ids in the data
adapters); skipped until then."""

import numpy as np
import pytest

import kerasish as keras
from kerasish import feature_column as fc
from kerasish.layers.preprocessing import DenseFeatures
from kerasish.trainers.data_adapters.array_data_adapter import to_torch


def _integrated() -> bool:
    try:
        keras.Input(shape=(1,), name="probe", dtype="string")
        to_torch(np.array(["a"]))
    except ValueError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _integrated(), reason="string inputs are not wired into Input/data adapters yet")


def make_data(n=256):
    rng = np.random.default_rng(0)
    city = np.array(["paris", "rome", "tokyo", "oslo"])[rng.integers(0, 4, n)].reshape(n, 1)
    age = rng.uniform(0, 90, (n, 1)).astype("float32")
    y = ((city[:, 0] == "rome") | (age[:, 0] > 60)).astype("float32")[:, None]
    return {"city": city, "age": age}, y


def make_model():
    age = fc.numeric_column("age", normalizer_fn=None)
    city = fc.categorical_column_with_vocabulary_list("city", ["paris", "rome", "tokyo"], num_oov_buckets=1)
    age_buckets = fc.bucketized_column(age, [18, 60])
    columns = [
        fc.indicator_column(city),
        fc.embedding_column(city, 4),
        age_buckets,
        fc.indicator_column(fc.crossed_column(["city", age_buckets], 20)),
    ]
    inputs = {"city": keras.Input(shape=(1,), name="city", dtype="string"), "age": keras.Input(shape=(1,), name="age")}
    outputs = keras.layers.Dense(1, activation="sigmoid")(DenseFeatures(columns)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    return model


def test_fit_predict_save_and_reload(tmp_path):
    x, y = make_data()
    model = make_model()
    history = model.fit(x, y, epochs=20, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(model(x).detach().numpy(), predictions, atol=1e-6)
    custom = {"DenseFeatures": DenseFeatures}
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras", custom_objects=custom)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), predictions, atol=1e-6)
    from_json = keras.models.model_from_json(model.to_json(), custom_objects=custom)
    from_json.set_weights(model.get_weights())
    np.testing.assert_allclose(from_json.predict(x, verbose=0), predictions, atol=1e-6)


def test_string_input_into_a_numeric_column_is_refused_at_graph_time():
    inputs = {"city": keras.Input(shape=(1,), name="city", dtype="string")}
    with pytest.raises(ValueError, match="Column 'city' expects numbers for feature 'city', got strings"):
        DenseFeatures([fc.numeric_column("city")])(inputs)
