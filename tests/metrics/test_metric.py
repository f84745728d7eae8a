"""The Metric base class, the reduction metrics' edge cases, and metrics.get/serialize/deserialize."""

import pytest
import torch

from kerasish import losses, metrics


class BinaryTruePositives(metrics.Metric):
    def __init__(self, name="binary_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = (y_true.bool() & y_pred.bool()).float()
        if sample_weight is not None:
            values = values * sample_weight
        self.true_positives.add_(values.sum())

    def result(self):
        return self.true_positives.clone()


def test_custom_metric_call_updates_then_returns_result():
    m = BinaryTruePositives()
    assert m(torch.tensor([1, 1, 0]), torch.tensor([1, 0, 1])).item() == 1.0
    assert m(torch.tensor([1, 1]), torch.tensor([1, 1]), sample_weight=torch.tensor([0.5, 2.0])).item() == 3.5
    m.reset_state()
    assert m.result().item() == 0.0
    assert m.get_config() == {"name": "binary_true_positives", "dtype": "float32"}


class Stateless(metrics.Metric):
    """A metric with no state of its own, to test `add_variable` from the outside."""

    def update_state(self, *args, **kwargs):
        pass

    def result(self):
        return torch.zeros(())


def test_metric_base_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        metrics.Metric(name="m")


def test_add_variable_shapes_initializers_and_aggregations():
    m = Stateless(name="m")
    a = m.add_variable((2, 3), initializer="ones", name="a")
    b = m.add_variable(4, initializer=2.5, dtype="float64", aggregation="mean", name="b")
    c = m.add_variable((2,), initializer=lambda shape, dtype=None: torch.arange(2.0), aggregation="none")
    assert a.shape == (2, 3) and a.dtype == torch.float32 and bool((a == 1).all())
    assert b.dtype == torch.float64 and bool((b == 2.5).all())
    assert c.tolist() == [0.0, 1.0]
    assert all(x is y for x, y in zip(m.variables, [a, b, c], strict=True))
    assert m.variable_names == ["a", "b", "variable_2"]
    assert m.variable_aggregations == ["sum", "mean", "none"]
    m.reset_state()
    assert all(bool((v == 0).all()) for v in (a, b, c))
    with pytest.raises(ValueError, match="aggregation"):
        m.add_variable((), aggregation="max")


def test_forgetting_super_init_is_reported():
    class Broken(Stateless):
        def __init__(self):
            self.x = 1

    with pytest.raises(RuntimeError, match="super"):
        Broken().add_variable(())


def test_to_moves_state_and_rebinds_attributes():
    m = metrics.Mean()
    m.update_state(torch.tensor([1.0, 2.0]))
    m.to("meta")
    assert m.total.device.type == "meta" and m.count.device.type == "meta"
    assert all(v.device.type == "meta" for v in m.variables)
    assert m.variables[0] is m.total and m.variables[1] is m.count


def test_state_follows_the_inputs_device():
    m = metrics.Sum()
    m.update_state(torch.ones(3, device="meta"))
    assert m.total.device.type == "meta"


def test_sub_metrics_contribute_variables():
    class Pair(Stateless):
        def __init__(self):
            super().__init__(name="pair")
            self.first = metrics.Mean(name="first")
            self.second = metrics.Sum(name="second")

    pair = Pair()
    assert len(pair.variables) == 3 and pair.variable_names == ["total", "count", "total"]
    pair.first.update_state(torch.tensor([4.0]))
    pair.reset_state()
    assert pair.first.count.item() == 0.0


def test_mean_without_updates_is_zero_and_sum_result_is_a_copy():
    assert metrics.Mean().result().item() == 0.0
    s = metrics.Sum()
    s.update_state(torch.tensor([1.0, 2.0]))
    r = s.result()
    s.update_state(torch.tensor([10.0]))
    assert r.item() == 3.0 and s.result().item() == 13.0


def test_mean_accepts_python_values():
    m = metrics.Mean()
    m.update_state([1.0, 3.0, 5.0, 7.0], sample_weight=[1, 1, 0, 0])
    assert m.result().item() == 2.0
    m.update_state(4.0)
    assert m.result().item() == pytest.approx(8.0 / 3.0)


def test_mean_metric_wrapper_direction_and_config_round_trip():
    m = metrics.MeanMetricWrapper(losses.mean_squared_error, name="mse_wrapper")
    assert m._direction == "down"
    config = metrics.serialize(m)
    assert config["config"]["fn"]["config"] == "mean_squared_error"
    restored = metrics.deserialize(config)
    y_true, y_pred = torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 1.0]])
    torch.testing.assert_close(restored(y_true, y_pred), m(y_true, y_pred))
    wrapped = metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.9)
    assert metrics.MeanMetricWrapper.from_config(wrapped.get_config())._fn_kwargs == {"threshold": 0.9}


def test_get_resolves_like_keras():
    expected = {
        "accuracy": metrics.Accuracy,
        "mae": metrics.MeanAbsoluteError,
        "MSE": metrics.MeanSquaredError,
        "mean_squared_error": metrics.MeanSquaredError,
        "binary_accuracy": metrics.BinaryAccuracy,
        "categorical_accuracy": metrics.CategoricalAccuracy,
        "sparse_categorical_accuracy": metrics.SparseCategoricalAccuracy,
        "top_k_categorical_accuracy": metrics.TopKCategoricalAccuracy,
        "binary_crossentropy": metrics.BinaryCrossentropy,
        "bce": metrics.BinaryCrossentropy,
        "Mean": metrics.Mean,
        "sum": metrics.Sum,
        "root_mean_squared_error": metrics.RootMeanSquaredError,
    }
    for name, cls in expected.items():
        assert type(metrics.get(name)) is cls, name
    assert metrics.get("mae").name == "mean_absolute_error"
    assert metrics.get(None) is None
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    got = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.7}})
    assert isinstance(got, metrics.BinaryAccuracy) and got.threshold == 0.7
    with pytest.raises(ValueError, match="Unknown metric: 'acc'"):
        metrics.get("acc")  # Keras leaves "acc" to the trainer too


def test_serialize_matches_keras_shape():
    m = metrics.SparseTopKCategoricalAccuracy(k=3)
    assert metrics.serialize(m) == {
        "module": "keras.metrics",
        "class_name": "SparseTopKCategoricalAccuracy",
        "config": {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 3},
        "registered_name": None,
    }
    assert metrics.deserialize(metrics.serialize(metrics.accuracy_metrics.accuracy)) is (
        metrics.accuracy_metrics.accuracy
    )
    assert isinstance(metrics.deserialize("accuracy"), metrics.Accuracy)


def test_sparse_top_k_from_sorted_ids():
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    m.update_state(torch.tensor([3, 1, 0]), torch.tensor([[3, 0, 1], [0, 2, 1], [4, 0, 2]]))
    assert m.result().item() == pytest.approx(2 / 3)
    assert m.get_config()["from_sorted_ids"] is True


def test_top_k_counts_ties_as_hits():
    # Keras's in_top_k ranks a label by how many scores are strictly greater.
    out = metrics.sparse_top_k_categorical_accuracy(torch.tensor([2]), torch.tensor([[0.5, 0.5, 0.5]]), k=1)
    assert out.tolist() == [1.0]


def test_metric_float64():
    m = metrics.Mean(dtype="float64")
    m.update_state(torch.tensor([1.0, 2.0]))
    assert m.result().dtype == torch.float64 and m.dtype == "float64"


@pytest.mark.parametrize(
    "metric, args",
    [
        (metrics.Mean(), (torch.ones(4, 3),)),
        (metrics.BinaryAccuracy(), (torch.ones(4, 1), torch.ones(4, 1))),
        (metrics.CategoricalAccuracy(), (torch.ones(4, 3), torch.ones(4, 3))),
        (metrics.SparseCategoricalAccuracy(), (torch.ones(4, dtype=torch.long), torch.ones(4, 3))),
        (metrics.SparseTopKCategoricalAccuracy(k=2), (torch.ones(4, dtype=torch.long), torch.ones(4, 3))),
        (metrics.MeanSquaredError(), (torch.ones(4, 3), torch.ones(4, 3))),
        (metrics.RootMeanSquaredError(), (torch.ones(4, 3), torch.ones(4, 3))),
        (
            metrics.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
            (torch.ones(4, dtype=torch.long), torch.ones(4, 3)),
        ),
    ],
)
def test_update_and_result_never_read_values_back(metric, args):
    # Meta tensors have no data: any host read (.item(), bool(), .tolist()) would raise.
    args = [a.to("meta") for a in args]
    metric.update_state(*args, sample_weight=torch.ones(4, device="meta"))
    assert metric.result().device.type == "meta"


def test_keras_style_custom_metric_with_assign_and_assign_add():
    import kerasish as keras

    class TruePositives(keras.metrics.Metric):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.tp = self.add_variable(shape=(), initializer="zeros", name="tp")
            self.seen = self.add_variable(shape=(), initializer="zeros", name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true, y_pred = torch.as_tensor(y_true), torch.as_tensor(y_pred)
            self.tp.assign(self.tp + (y_true * (y_pred > 0.5)).sum())
            self.seen.assign_add(y_true.numel())

        def result(self):
            return self.tp.value / self.seen

    metric = TruePositives()
    metric.update_state([1.0, 0.0, 1.0], [0.9, 0.8, 0.2])
    metric.update_state([1.0], [0.7])
    assert float(metric.result()) == pytest.approx(2.0 / 4.0)
    assert [v.path for v in metric.variables] == [f"{metric.name}/tp", f"{metric.name}/seen"]
    metric.reset_state()
    assert float(metric.tp) == 0.0
