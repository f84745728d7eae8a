"""Sequence classification with an LSTM over padded, masked token sequences.

Each generated "review" is a run of neutral tokens of random length with one sentiment token in it ("great" or
"awful"); the label says which. Sequences are padded with 0 at the end, and `Embedding(mask_zero=True)` tells the
LSTM to skip the padding, so the same review padded to any length gets the same prediction.

Run: python examples/text_classification.py   (KERASISH_EXAMPLE_FAST=1 shrinks the data and the epochs)
"""

import os
import tempfile

import numpy as np

import kerasish as keras

FAST = os.environ.get("KERASISH_EXAMPLE_FAST") == "1"
keras.utils.set_random_seed(7)

VOCAB_SIZE, MAX_LEN = 50, 20
PAD, GREAT, AWFUL = 0, 1, 2  # token ids; 3..49 are neutral words


def make_reviews(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` reviews of 4..MAX_LEN tokens, zero-padded to MAX_LEN, and their labels (1 = positive)."""
    tokens = np.zeros((count, MAX_LEN), dtype="int64")
    labels = rng.integers(0, 2, size=count)
    for i in range(count):
        length = rng.integers(4, MAX_LEN + 1)
        tokens[i, :length] = rng.integers(3, VOCAB_SIZE, size=length)
        tokens[i, rng.integers(0, length)] = GREAT if labels[i] else AWFUL
    return tokens, labels.astype("float32")


rng = np.random.default_rng(7)
x_train, y_train = make_reviews(256 if FAST else 2000, rng)
x_test, y_test = make_reviews(64 if FAST else 500, rng)

# Define: variable-length input (None), a masking embedding, an LSTM that reads the mask.
model = keras.Sequential(
    [
        keras.Input(shape=(None,), dtype="int64"),
        keras.layers.Embedding(VOCAB_SIZE, 16, mask_zero=True),
        keras.layers.LSTM(32),
        keras.layers.Dense(1, activation="sigmoid"),
    ],
    name="review_classifier",
)
model.summary()

# Fit and evaluate.
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=1 if FAST else 4, validation_split=0.1, verbose=2)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {loss:.4f}, test accuracy {accuracy:.3f}")

# Save the whole model (architecture, weights, optimizer state) and load it back.
# The file goes to a temporary folder that is deleted once the model is loaded back: give `save` a path of your
# own to keep it.
with tempfile.TemporaryDirectory(prefix="text_classification-") as folder:
    path = os.path.join(folder, "review_classifier.keras")
    model.save(path)
    print(f"saved the model to {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    restored = keras.models.load_model(path)
print(f"removed the temporary folder {folder}")
np.testing.assert_allclose(restored.predict(x_test[:8], verbose=0), model.predict(x_test[:8], verbose=0), atol=1e-6)

# Masking at work: the same reviews with ten more padding tokens get the same predictions.
longer = np.pad(x_test[:8], ((0, 0), (0, 10)))
np.testing.assert_allclose(restored.predict(longer, verbose=0), restored.predict(x_test[:8], verbose=0), atol=1e-5)

# Predict on two hand-written reviews.
reviews = np.array([[5, 9, GREAT, 14, PAD, PAD], [7, AWFUL, 30, 12, 8, PAD]])
scores = restored.predict(reviews, verbose=0)[:, 0]
print(f"P(positive) for a 'great' review: {scores[0]:.3f}, for an 'awful' review: {scores[1]:.3f}")
if not FAST:
    assert accuracy > 0.9, f"the LSTM should learn this task (accuracy {accuracy:.3f})"
print(f"text_classification OK: {accuracy:.1%} test accuracy; saved to .keras, reloaded, padding ignored.")
