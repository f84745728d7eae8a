"""A functional model with three inputs and two outputs: ranking support tickets (after Keras's functional API guide).

Each generated ticket has a title (token ids), a set of tags (multi-hot) and the customer's account age. The model
predicts its priority (a score in [0, 1], regression) and the department that should handle it (4 classes). Inputs
and outputs are named, so data, losses, metrics and predictions are all dicts keyed by those names.

Run: python examples/multi_input_multi_output.py   (KERASISH_EXAMPLE_FAST=1 shrinks the data and the epochs)
"""

import os
import tempfile

import numpy as np

import kerasish as keras
from kerasish import layers

FAST = os.environ.get("KERASISH_EXAMPLE_FAST") == "1"
keras.utils.set_random_seed(3)

VOCAB_SIZE, TITLE_LEN, NUM_TAGS, NUM_DEPARTMENTS = 100, 10, 12, 4


def make_tickets(count: int, rng: np.random.Generator) -> tuple[dict, dict]:
    """Tickets whose department shows in their title words and tags, and whose priority grows with urgent tags."""
    department = rng.integers(0, NUM_DEPARTMENTS, size=count)
    # Each department owns a block of 20 title words (ids 20..99); ids 1..19 are common to all.
    own_words = 20 + 20 * department[:, None] + rng.integers(0, 20, size=(count, 3))
    common_words = rng.integers(1, 20, size=(count, TITLE_LEN - 3))
    title = rng.permuted(np.concatenate([own_words, common_words], axis=1), axis=1)
    tags = (rng.random((count, NUM_TAGS)) < 0.15).astype("float32")
    tags[np.arange(count), department] = 1.0  # tags 0..3 name the department
    account_age = rng.random((count, 1)).astype("float32")
    urgent = tags[:, 4:8].sum(axis=1)  # tags 4..7 are urgent ones
    priority = (1 / (1 + np.exp(-(1.5 * urgent - 1.0 - account_age[:, 0])))).astype("float32")
    inputs = {"title": title, "tags": tags, "account_age": account_age}
    targets = {"priority": priority[:, None], "department": department}
    return inputs, targets


rng = np.random.default_rng(3)
x_train, y_train = make_tickets(500 if FAST else 4000, rng)
x_test, y_test = make_tickets(100 if FAST else 800, rng)

# Define: three named inputs, one shared representation, two named outputs.
title_input = keras.Input(shape=(TITLE_LEN,), dtype="int64", name="title")
tags_input = keras.Input(shape=(NUM_TAGS,), name="tags")
age_input = keras.Input(shape=(1,), name="account_age")
title_features = layers.GlobalAveragePooling1D()(layers.Embedding(VOCAB_SIZE, 16)(title_input))
features = layers.concatenate([title_features, tags_input, age_input])
hidden = layers.Dense(32, activation="relu")(features)
priority = layers.Dense(1, activation="sigmoid", name="priority")(hidden)
department = layers.Dense(NUM_DEPARTMENTS, activation="softmax", name="department")(hidden)
model = keras.Model(inputs=[title_input, tags_input, age_input], outputs=[priority, department], name="tickets")
model.summary()

# Fit: one loss per output (by name), weighted in the total; metrics per output.
model.compile(
    optimizer=keras.optimizers.Adam(0.01),
    loss={"priority": "mse", "department": "sparse_categorical_crossentropy"},
    loss_weights={"priority": 1.0, "department": 0.2},
    metrics={"priority": ["mae"], "department": ["accuracy"]},
)
model.fit(x_train, y_train, batch_size=64, epochs=2 if FAST else 10, validation_split=0.1, verbose=2)
results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
print("test results:", {name: round(value, 4) for name, value in results.items()})

# Save, load, predict: predictions come back as a list in the order of the model's outputs.
# The file goes to a temporary folder that is deleted once the model is loaded back: give `save` a path of your
# own to keep it.
with tempfile.TemporaryDirectory(prefix="multi_input_multi_output-") as folder:
    path = os.path.join(folder, "tickets.keras")
    model.save(path)
    print(f"saved the model to {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    restored = keras.models.load_model(path)
print(f"removed the temporary folder {folder}")
predicted_priority, predicted_department = restored.predict(x_test, verbose=0)
original_priority, _ = model.predict(x_test, verbose=0)
np.testing.assert_allclose(predicted_priority, original_priority, atol=1e-6)
for i in range(3):
    print(
        f"ticket {i}: priority {predicted_priority[i, 0]:.2f} (true {y_test['priority'][i, 0]:.2f}), "
        f"department {predicted_department[i].argmax()} (true {y_test['department'][i]})"
    )

department_accuracy = results["department_accuracy"]
priority_mae = results["priority_mae"]
if not FAST:
    assert department_accuracy > 0.95 and priority_mae < 0.05, results
print(
    f"multi_input_multi_output OK: department accuracy {department_accuracy:.1%}, priority MAE "
    f"{priority_mae:.3f}; saved to .keras, reloaded and predicted."
)
