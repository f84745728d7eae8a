"""A click-through model on a table of mixed features, with TensorFlow-style feature columns.

Each generated row is an ad impression: the user's age and income, their city and device (strings), and their user
id (one of thousands, as a string). Whether they clicked depends on young iOS users, the city, and each user's own
taste. The model sees the raw table: `DenseFeatures` turns it into a vector with

- a numeric column (income) and a bucketized one (age in 5 buckets),
- a vocabulary list (city, one OOV bucket for unseen cities) as a one-hot indicator and as a learnt embedding,
- a hashed id (user, 100,000 hash buckets) as an embedding with sparse gradients: Adam updates only the rows a
  batch touches, so a step costs what the batch uses, not the table's size,
- a crossed column (device x age bucket), hashed into 32 buckets.

Strings never reach torch: the data loader turns them into their FarmHash Fingerprint64 ids, and the columns compute
TensorFlow's bucket ids from those.

Run: python examples/structured_data.py   (KERASISH_EXAMPLE_FAST=1 shrinks the data and the epochs)
"""

import os
import tempfile

import numpy as np

import kerasish as keras
from kerasish import feature_column as fc

FAST = os.environ.get("KERASISH_EXAMPLE_FAST") == "1"
keras.utils.set_random_seed(7)

CITIES = ["paris", "rome", "oslo", "lima", "kyiv", "baku", "quito", "hanoi"]
CITY_EFFECT = dict(zip(CITIES, [0.8, -0.6, 0.0, 0.5, -0.9, 0.3, -0.3, 0.6]))
DEVICES = ["ios", "android", "web"]
NUM_USERS = 500 if FAST else 2000


def make_table(count: int, rng: np.random.Generator, taste: np.ndarray) -> tuple[dict, np.ndarray]:
    """`count` impressions as a dict of (count, 1) columns, and whether each was clicked."""
    user = rng.integers(0, NUM_USERS, count)
    age = rng.uniform(18, 80, count).round()
    income = rng.lognormal(0.0, 0.5, count).round(3)
    city = np.array(CITIES + ["tokyo"])[rng.choice(9, count, p=[0.12] * 8 + [0.04])]  # tokyo is out of vocabulary
    device = np.array(DEVICES)[rng.integers(0, 3, count)]
    logit = (
        2.0 * ((device == "ios") & (age < 35))
        + np.vectorize(lambda c: CITY_EFFECT.get(c, 0.0))(city)
        + 0.3 * (income - 1.0)
        + taste[user]
        - 0.8
    )
    clicked = (rng.uniform(size=count) < 1 / (1 + np.exp(-logit))).astype("float32")
    table = {
        "age": age,
        "income": income,
        "city": city,
        "device": device,
        "user_id": np.char.add("user", user.astype(str)),
    }
    return {name: column.reshape(-1, 1) for name, column in table.items()}, clicked.reshape(-1, 1)


rng = np.random.default_rng(7)
taste = rng.normal(0.0, 1.5, NUM_USERS)  # each user's own liking for ads: only the user embedding can learn it
x_train, y_train = make_table(4000 if FAST else 30000, rng, taste)
x_test, y_test = make_table(1000 if FAST else 10000, rng, taste)

# Define: feature columns over the raw features, DenseFeatures in a functional model with string inputs.
age_buckets = fc.bucketized_column(fc.numeric_column("age"), boundaries=[25, 35, 50, 65])
city = fc.categorical_column_with_vocabulary_list("city", CITIES, num_oov_buckets=1)
device = fc.categorical_column_with_vocabulary_list("device", DEVICES)
user = fc.categorical_column_with_hash_bucket("user_id", hash_bucket_size=100_000)
columns = [
    fc.numeric_column("income"),
    age_buckets,
    fc.indicator_column(city),
    fc.embedding_column(city, dimension=4),
    fc.embedding_column(user, dimension=8, sparse=True),
    fc.indicator_column(fc.crossed_column([device, age_buckets], hash_bucket_size=32)),
]
inputs = {
    "age": keras.Input(shape=(1,), name="age"),
    "income": keras.Input(shape=(1,), name="income"),
    **{name: keras.Input(shape=(1,), name=name, dtype="string") for name in ("city", "device", "user_id")},
}
features = keras.layers.DenseFeatures(columns, name="features")(inputs)
hidden = keras.layers.Dense(32, activation="relu")(features)
model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(hidden), name="click_model")
model.summary()

# Fit and evaluate (Adam takes the user table's sparse gradients row by row).
model.compile(
    optimizer=keras.optimizers.Adam(0.01),
    loss="binary_crossentropy",
    metrics=["accuracy", keras.metrics.AUC(name="auc")],
)
table = next(w for w in model.get_layer("features").weights if w.shape[0] == 100_000)  # the user embeddings
before = table.detach().clone()
model.fit(x_train, y_train, batch_size=256, epochs=2 if FAST else 3, validation_split=0.1, verbose=2)
rows_moved = int((table.detach() != before).any(dim=1).sum())
loss, accuracy, auc = model.evaluate(x_test, y_test, verbose=0)
print(
    f"test loss {loss:.4f}, accuracy {accuracy:.3f}, AUC {auc:.3f}; "
    f"{rows_moved:,} of {table.shape[0]:,} user-table rows were ever updated"
)

# Save the whole model (columns, vocabularies, tables, optimizer state) and load it back.
# The file goes to a temporary folder that is deleted once the model is loaded back: give `save` a path of your
# own to keep it.
with tempfile.TemporaryDirectory(prefix="structured_data-") as folder:
    path = os.path.join(folder, "click_model.keras")
    model.save(path)
    print(f"saved the model to {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    restored = keras.models.load_model(path)
print(f"removed the temporary folder {folder}")
sample = {name: column[:16] for name, column in x_test.items()}
np.testing.assert_allclose(restored.predict(sample, verbose=0), model.predict(sample, verbose=0), atol=1e-6)

# Predict on two hand-written impressions: a young iOS user in Paris, an older web user in Kyiv.
rows = {
    "age": np.array([[24.0], [70.0]]),
    "income": np.array([[1.2], [0.8]]),
    "city": np.array([["paris"], ["kyiv"]]),
    "device": np.array([["ios"], ["web"]]),
    "user_id": np.array([["user1"], ["user2"]]),
}
scores = restored.predict(rows, verbose=0)[:, 0]
print(f"P(click): young iOS user in Paris {scores[0]:.3f}, older web user in Kyiv {scores[1]:.3f}")
if not FAST:
    assert auc > 0.75, f"the model should learn the click pattern (AUC {auc:.3f})"
    assert scores[0] > scores[1]
assert rows_moved <= NUM_USERS, "the sparse update must touch only the rows of users seen in training"
print(
    f"structured_data OK: AUC {auc:.3f}, accuracy {accuracy:.1%}; {rows_moved:,} of {table.shape[0]:,} "
    f"embedding rows trained; saved to .keras, reloaded, same predictions."
)
