"""kerasish quickstart: define, fit, evaluate, save, reload and predict — the Keras way, on PyTorch.

Run: python examples/quickstart.py
"""

import os
import tempfile

import numpy as np

import kerasish as keras

keras.utils.set_random_seed(42)

# Generated data: 3 classes of points in 8 dimensions, separable but noisy.
num_classes, num_features = 3, 8
centers = np.random.normal(scale=2.0, size=(num_classes, num_features))
labels = np.random.randint(0, num_classes, size=3000)
features = (centers[labels] + np.random.normal(size=(3000, num_features))).astype("float32")
x_train, y_train = features[:2400], labels[:2400]
x_test, y_test = features[2400:], labels[2400:]

# Define: the functional API (Sequential and subclassing work the same way).
inputs = keras.Input(shape=(num_features,), name="features")
x = keras.layers.Dense(32, activation="relu")(inputs)
x = keras.layers.Dropout(0.1)(x)
outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="classifier")
model.summary()

# Fit and evaluate.
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=5, validation_split=0.1, verbose=2)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test loss {loss:.4f}, test accuracy {accuracy:.3f}")

# Save the architecture (JSON) and the weights (Keras's HDF5 layout), then reload both into a new model.
# The weights go to a temporary folder that is deleted once they are loaded back: give `save_weights` a path of
# your own to keep them.
with tempfile.TemporaryDirectory(prefix="quickstart-") as folder:
    weights_path = os.path.join(folder, "classifier.h5")
    model.save_weights(weights_path)
    print(f"saved the weights to {weights_path} ({os.path.getsize(weights_path) / 1024:.0f} KiB)")
    restored = keras.models.model_from_json(model.to_json())
    restored.load_weights(weights_path)
print(f"removed the temporary folder {folder}")

# Predict with the reloaded model: identical to the original.
predictions = restored.predict(x_test[:5], verbose=0)
assert np.allclose(predictions, model.predict(x_test[:5], verbose=0), atol=1e-6)
print("reloaded model predicts classes", predictions.argmax(axis=1), "for true classes", y_test[:5])
assert accuracy > 0.8, f"the model should learn this easy task (accuracy {accuracy:.3f})"
print(f"quickstart OK: trained to {accuracy:.1%} test accuracy, saved, reloaded and predicted.")
