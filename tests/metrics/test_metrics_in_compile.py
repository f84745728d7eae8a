"""The new metrics through `compile(metrics=...)` and `evaluate`: by name and as objects, batch after batch, the
value `evaluate` reports equals the metric computed directly on all the predictions at once."""

import numpy as np
import pytest
import torch

import kerasish as keras

rng = np.random.default_rng(7)
X = rng.normal(size=(23, 4)).astype("float32")
Y = (rng.uniform(size=(23, 1)) < 0.5).astype("float32")
KERNEL = rng.normal(size=(4, 1)).astype("float32")


def test_evaluate_equals_the_metrics_computed_directly():
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    model.set_weights([KERNEL, np.zeros(1, "float32")])
    model.compile(
        optimizer="sgd",
        loss="binary_crossentropy",
        metrics=[
            "auc",
            keras.metrics.Precision(name="precision"),
            keras.metrics.Recall(thresholds=0.3, name="recall"),
            keras.metrics.AUC(curve="PR", name="pr_auc"),
            keras.metrics.TruePositives(name="true_positives"),
            keras.metrics.SpecificityAtSensitivity(0.5, name="specificity_at_sensitivity"),
            keras.metrics.F1Score(average="micro", threshold=0.5),
            keras.metrics.BinaryIoU(name="binary_io_u"),
            "hinge",
            "kld",
        ],
    )
    logs = model.evaluate(X, Y, batch_size=5, verbose=0, return_dict=True)  # five batches, the last of three
    assert sorted(logs) == sorted(
        [
            "loss",
            "auc",
            "precision",
            "recall",
            "pr_auc",
            "true_positives",
            "specificity_at_sensitivity",
            "f1_score",
            "binary_io_u",
            "hinge",
            "kld",
        ]
    )

    y_pred = torch.as_tensor(model.predict(X, verbose=0))
    y_true = torch.as_tensor(Y)
    direct = {
        "auc": keras.metrics.AUC(),
        "precision": keras.metrics.Precision(),
        "recall": keras.metrics.Recall(thresholds=0.3),
        "pr_auc": keras.metrics.AUC(curve="PR"),
        "true_positives": keras.metrics.TruePositives(),
        "specificity_at_sensitivity": keras.metrics.SpecificityAtSensitivity(0.5),
        "f1_score": keras.metrics.F1Score(average="micro", threshold=0.5),
        "binary_io_u": keras.metrics.BinaryIoU(),
        "hinge": keras.metrics.Hinge(),
        "kld": keras.metrics.KLDivergence(),
    }
    for name, metric in direct.items():
        metric.update_state(y_true, y_pred)
        assert logs[name] == pytest.approx(metric.result().item(), rel=1e-5, abs=1e-6), name
    # The predictions are spread out enough for the threshold metrics to mean something.
    assert 0.0 < logs["precision"] < 1.0 and 0.0 < logs["auc"] < 1.0
