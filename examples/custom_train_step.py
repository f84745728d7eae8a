"""A custom layer and a custom training step, written as Keras 3's PyTorch-backend guide writes them.

- `RandomFourierFeatures`-style layer `SineFeatures`: its own weights (`add_weight`), its computation in `ops`, and
  a `get_config` so it saves and loads.
- `RegressionModel.train_step`: forward, `self.compute_loss`, `backward`, `self.optimizer.apply`, then the
  metrics, by hand. `fit`, callbacks and the progress bar work as usual around it.

The data: y = sin(3x0) + 0.5 cos(2x1) + noise, which a linear model cannot fit but sine features can.

Run: python examples/custom_train_step.py   (KERASISH_EXAMPLE_FAST=1 shrinks the data and the epochs)
"""

import os
import tempfile

import numpy as np
import torch

import kerasish as keras
from kerasish import ops

FAST = os.environ.get("KERASISH_EXAMPLE_FAST") == "1"
keras.utils.set_random_seed(5)


@keras.saving.register_keras_serializable(package="examples")
class SineFeatures(keras.layers.Layer):
    """sin(x W + b) for a trainable W (in, units) and b (units,)."""

    def __init__(self, units: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), name="kernel", initializer=keras.initializers.RandomNormal(stddev=2.0)
        )
        self.bias = self.add_weight(
            shape=(self.units,), name="bias", initializer=keras.initializers.RandomUniform(-np.pi, np.pi)
        )

    def call(self, inputs):
        return ops.sin(ops.matmul(inputs, self.kernel) + self.bias)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="examples")
class RegressionModel(keras.Model):
    """A functional model with its own `train_step` (the guide's pattern: subclass Model, pass inputs/outputs)."""

    def train_step(self, data):
        x, y = data
        self.zero_grad()  # clear the gradients of the previous step
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)  # the compiled loss plus any layer losses
        loss.backward()
        trainable_weights = list(self.trainable_weights)
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def make_data(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1.5, 1.5, size=(count, 2)).astype("float32")
    y = np.sin(3 * x[:, 0]) + 0.5 * np.cos(2 * x[:, 1]) + rng.normal(scale=0.05, size=count)
    return x, y[:, None].astype("float32")


rng = np.random.default_rng(5)
x_train, y_train = make_data(500 if FAST else 4000, rng)
x_test, y_test = make_data(100 if FAST else 1000, rng)

inputs = keras.Input(shape=(2,))
features = SineFeatures(64)(inputs)
outputs = keras.layers.Dense(1)(features)
model = RegressionModel(inputs, outputs, name="sine_regression")
model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse", metrics=["mae"])
model.fit(x_train, y_train, batch_size=64, epochs=2 if FAST else 15, verbose=2)
mse, mae = model.evaluate(x_test, y_test, verbose=0)
baseline = float(np.mean((y_test - y_train.mean()) ** 2))
print(f"test MSE {mse:.4f} (predicting the mean: {baseline:.4f}), test MAE {mae:.4f}")

# Save and load: the registered classes are found by name, so load_model needs no custom_objects.
# The file goes to a temporary folder that is deleted once the model is loaded back: give `save` a path of your
# own to keep it.
with tempfile.TemporaryDirectory(prefix="custom_train_step-") as folder:
    path = os.path.join(folder, "sine_regression.keras")
    model.save(path)
    print(f"saved the model to {path} ({os.path.getsize(path) / 1024:.0f} KiB)")
    restored = keras.models.load_model(path)
print(f"removed the temporary folder {folder}")
assert isinstance(restored, RegressionModel)  # the reloaded model keeps its custom train_step
np.testing.assert_allclose(restored.predict(x_test[:5], verbose=0), model.predict(x_test[:5], verbose=0), atol=1e-6)

points = np.array([[0.5, 0.0], [-1.0, 1.0]], dtype="float32")
truth = np.sin(3 * points[:, 0]) + 0.5 * np.cos(2 * points[:, 1])
for point, predicted, expected in zip(points, restored.predict(points, verbose=0)[:, 0], truth):
    print(f"f({point[0]:+.1f}, {point[1]:+.1f}) = {predicted:+.3f} (true {expected:+.3f})")
if not FAST:
    assert mse < 0.05, f"the sine features should fit the function (test MSE {mse:.4f})"
print(f"custom_train_step OK: test MSE {mse:.4f} vs {baseline:.4f} for the mean; saved, reloaded, predicted.")
