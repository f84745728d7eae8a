"""A compiled tf.keras 2 model saved whole (.h5) loads compiled, evaluates as tf.keras did, and resumes training with
the saved Adam state (tf.keras 2.11+ optimizers: "Custom>Adam", no learning-rate variable; metrics written as
MeanMetricWrapper configs). Fixture: tests/fixtures/saving/tf_keras_compiled/make_compiled_fixtures.py (TF 2.17,
tf_keras)."""

import os

import numpy as np

import kerasish as keras

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "saving", "tf_keras_compiled")


def test_compiled_tf_keras_2_model_loads_evaluates_and_resumes():
    expected = np.load(os.path.join(HERE, "expected.npz"))
    model = keras.models.load_model(os.path.join(HERE, "compiled.h5"))
    loss, accuracy = model.evaluate(expected["x"], expected["y"], verbose=0)
    np.testing.assert_allclose([loss, accuracy], [expected["loss"], expected["accuracy"]], rtol=1e-5)
    assert int(model.optimizer.iterations) == 2
    model.fit(expected["x"], expected["y"], epochs=1, shuffle=False, verbose=0)
    for i, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, expected[f"w{i}"], rtol=1e-4, atol=1e-5)
