"""Image classification with a small convolutional network on generated images.

Each 16x16 grayscale image holds one noisy stroke, anywhere in the frame: a horizontal bar, a vertical bar or a
diagonal. Telling them apart needs local, position-independent features, which is what convolutions learn.
Images are `(batch, height, width, channels)`, Keras's default `channels_last` layout.

Run: python examples/image_classification.py   (KERASISH_EXAMPLE_FAST=1 shrinks the data and the epochs)
"""

import os
import tempfile

import numpy as np

import kerasish as keras
from kerasish import layers

FAST = os.environ.get("KERASISH_EXAMPLE_FAST") == "1"
keras.utils.set_random_seed(11)

SIZE, CLASS_NAMES = 16, ["horizontal", "vertical", "diagonal"]


def make_images(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` noisy images (count, SIZE, SIZE, 1) with a stroke of length 6..10 each, and their labels."""
    images = rng.normal(scale=0.3, size=(count, SIZE, SIZE)).astype("float32")
    labels = rng.integers(0, len(CLASS_NAMES), size=count)
    for image, label in zip(images, labels):
        length = rng.integers(6, 11)
        row, col = rng.integers(0, SIZE - length, size=2)
        steps = np.arange(length)
        if label == 0:
            image[row, col + steps] += 1.0
        elif label == 1:
            image[row + steps, col] += 1.0
        else:
            image[row + steps, col + steps] += 1.0
    return images[..., None], labels


rng = np.random.default_rng(11)
x_train, y_train = make_images(600 if FAST else 4000, rng)
x_test, y_test = make_images(100 if FAST else 800, rng)

model = keras.Sequential(
    [
        keras.Input(shape=(SIZE, SIZE, 1)),
        layers.Conv2D(16, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.GlobalAveragePooling2D(),
        layers.Dropout(0.2),
        layers.Dense(len(CLASS_NAMES), activation="softmax"),
    ],
    name="stroke_classifier",
)
model.summary()

model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=64, epochs=2 if FAST else 8, validation_split=0.1, verbose=2)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {loss:.4f}, test accuracy {accuracy:.3f}")

# The file goes to a temporary folder that is deleted once the model is loaded back: give `save` a path of your
# own to keep it.
with tempfile.TemporaryDirectory(prefix="image_classification-") as folder:
    path = os.path.join(folder, "stroke_classifier.keras")
    model.save(path)
    print(f"saved the model to {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    restored = keras.models.load_model(path)
print(f"removed the temporary folder {folder}")
probabilities = restored.predict(x_test[:6], verbose=0)
np.testing.assert_allclose(probabilities, model.predict(x_test[:6], verbose=0), atol=1e-6)
for predicted, true in zip(probabilities.argmax(axis=1), y_test[:6]):
    print(f"predicted {CLASS_NAMES[predicted]:>10}, true {CLASS_NAMES[true]}")
if not FAST:
    assert accuracy > 0.9, f"the CNN should learn to tell strokes apart (accuracy {accuracy:.3f})"
print(f"image_classification OK: {accuracy:.1%} test accuracy; saved to .keras, reloaded and predicted.")
