"""Preprocessing layers inside functional models: string inputs through `fit`, and adapted state that survives
save/load and JSON round trips."""

import numpy as np

import kerasish as keras
from kerasish import layers


def make_data(n=256):
    rng = np.random.default_rng(0)
    city = np.array(["paris", "rome", "tokyo", "oslo"])[rng.integers(0, 4, n)].reshape(n, 1)
    user = rng.integers(0, 10**6, (n, 1))
    age = rng.uniform(0, 90, (n, 1)).astype("float32")
    y = ((city[:, 0] == "rome") | (age[:, 0] > 60)).astype("float32")[:, None]
    return {"city": city, "user": user, "age": age}, y


def make_model(x):
    city_lookup = layers.StringLookup(output_mode="one_hot", name="city_lookup")
    city_lookup.adapt(x["city"])
    age_norm = layers.Normalization(name="age_norm")
    age_norm.adapt(x["age"])
    age_bins = layers.Discretization(num_bins=4, output_mode="one_hot", name="age_bins")
    age_bins.adapt(x["age"])
    inputs = {
        "city": keras.Input(shape=(1,), name="city", dtype="string"),
        "user": keras.Input(shape=(1,), name="user", dtype="int64"),
        "age": keras.Input(shape=(1,), name="age"),
    }
    user = layers.Hashing(num_bins=64, output_mode="one_hot", name="user_hash")(inputs["user"])
    cross = layers.HashedCrossing(num_bins=16, output_mode="one_hot", name="cross")([inputs["city"], inputs["user"]])
    features = layers.Concatenate()(
        [city_lookup(inputs["city"]), age_norm(inputs["age"]), age_bins(inputs["age"]), user, cross]
    )
    model = keras.Model(inputs, layers.Dense(1, activation="sigmoid")(features))
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    return model


def test_fit_on_strings_then_save_and_reload(tmp_path):
    x, y = make_data()
    model = make_model(x)
    history = model.fit(x, y, epochs=15, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(model(x).detach().numpy(), predictions, atol=1e-6)
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    assert reloaded.get_layer("city_lookup").get_vocabulary() == model.get_layer("city_lookup").get_vocabulary()
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), predictions, atol=1e-6)
    from_json = keras.models.model_from_json(model.to_json())
    from_json.set_weights(model.get_weights())
    np.testing.assert_allclose(from_json.predict(x, verbose=0), predictions, atol=1e-6)


def test_string_lookup_into_embedding_on_strings():
    lookup = layers.StringLookup(vocabulary=["a", "b", "c"], mask_token="")
    inputs = keras.Input(shape=(3,), dtype="string")
    model = keras.Model(inputs, layers.Embedding(5, 2)(lookup(inputs)))
    out = model.predict(np.array([["a", "", "zz"]]), verbose=0)
    table = model.layers[-1].get_weights()[0]
    np.testing.assert_allclose(out[0], table[[2, 0, 1]], atol=1e-6)
