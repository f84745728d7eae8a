"""tf.keras 2's MeanRelativeError, MeanTensor and `metrics.experimental.PyMetric` against tf.keras 2.21.

The fixture is written by tests/fixtures/metrics/make_metrics_extra_fixtures.py (tf_keras 2.21): each metric fed
fixed batches, its result after every update and its config; a PyMetric through `evaluate` with sample weights.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import metrics

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "metrics" / "metrics_extra_fixtures.json").read_text()
)


@pytest.mark.parametrize("name", sorted(FIXTURE["mean_relative_error"]))
def test_mean_relative_error_matches_tf_keras(name):
    case = FIXTURE["mean_relative_error"][name]
    metric = metrics.MeanRelativeError(normalizer=case["normalizer"])
    for (y_true, y_pred, weight), expected in zip(case["updates"], case["results"]):
        metric.update_state(y_true, y_pred, sample_weight=weight)
        assert float(metric.result()) == pytest.approx(expected, rel=1e-6)
    config = metric.get_config()
    assert set(config) == set(case["config"])
    np.testing.assert_allclose(config["normalizer"], case["config"]["normalizer"])
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    y_true, y_pred, weight = case["updates"][0]
    rebuilt.update_state(y_true, y_pred, sample_weight=weight)
    assert float(rebuilt.result()) == pytest.approx(case["results"][0], rel=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0


@pytest.mark.parametrize("name", sorted(FIXTURE["mean_tensor"]))
def test_mean_tensor_matches_tf_keras(name):
    case = FIXTURE["mean_tensor"][name]
    metric = metrics.MeanTensor()
    assert metric.total is None
    for (values, weight), expected in zip(case["updates"], case["results"]):
        metric.update_state(values, sample_weight=weight)
        np.testing.assert_allclose(metric.result().numpy(), expected, rtol=1e-6, atol=1e-7)
    assert metric.get_config() == case["config"]
    assert [tuple(v.shape) for v in metric.variables] == [np.shape(case["results"][0])] * 2


def test_mean_tensor_shape_and_errors():
    metric = metrics.MeanTensor(dtype="float64", shape=(1, 4))
    np.testing.assert_array_equal(metric.result().numpy(), np.zeros((1, 4)))
    assert metric.result().dtype == torch.float64
    metric.update_state([[0, 1, 2, 3]])
    metric.update_state([[4, 5, 6, 7]])
    np.testing.assert_array_equal(metric.result().numpy(), [[2, 3, 4, 5]])
    with pytest.raises(ValueError, match=r"same shape.*\(1, 4\).*\(4,\)"):
        metric.update_state([1, 2, 3, 4])
    with pytest.raises(ValueError, match="does not have any value yet"):
        metrics.MeanTensor().result()
    metric.reset_state()
    np.testing.assert_array_equal(metric.result().numpy(), np.zeros((1, 4)))


class ListMean(metrics.experimental.PyMetric):
    """The fixture's PyMetric: the weighted mean absolute error, accumulated in Python lists."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        assert y_true.device.type == "cpu" and not y_pred.requires_grad  # host tensors, outside the graph
        errors = np.abs(y_true.numpy() - y_pred.numpy()).mean(axis=-1)
        weights = np.ones_like(errors) if sample_weight is None else sample_weight.numpy().reshape(errors.shape)
        self.errors.extend((errors * weights).tolist())
        self.sample_weights.extend(weights.tolist())

    def reset_state(self):
        self.errors = []
        self.sample_weights = []

    def result(self):
        return sum(self.errors) / sum(self.sample_weights)


def test_py_metric_in_evaluate_matches_tf_keras():
    case = FIXTURE["py_metric"]
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")]
    )
    model.compile(loss="mse", weighted_metrics=[ListMean(name="list_mean")])
    x, y, weights = (np.asarray(case[k], dtype="float32") for k in ("x", "y", "sample_weight"))
    result = model.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0, return_dict=True)
    assert result["list_mean"] == pytest.approx(case["evaluate"]["list_mean"], rel=1e-5)
    assert result["loss"] == pytest.approx(case["evaluate"]["loss"], rel=1e-5)


def test_py_metric_standalone():
    metric = ListMean()
    assert metric.name == "list_mean" and metric.errors == []  # __init__ ran reset_state
    value = metric(torch.tensor([[1.0, 2.0]]), torch.tensor([[2.0, 4.0]], requires_grad=True))
    assert value.dtype == torch.float32 and float(value) == pytest.approx(1.5)
    metric.reset_state()
    assert metric.errors == []
    with pytest.raises(TypeError, match="reset_state"):
        metrics.experimental.PyMetric()
