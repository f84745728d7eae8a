"""Metrics against Keras 3.15: results after several updates, with and without sample weights, and after reset.

`metric_fixtures.json` was written by tests/fixtures/metrics/make_metric_fixtures.py with real Keras.
"""

import json
import pathlib

import pytest
import torch

from kerasish import metrics

FIXTURES = json.loads((pathlib.Path(__file__).parents[1] / "fixtures/metrics/metric_fixtures.json").read_text())
CASES = FIXTURES["cases"]


def _tensor(values, dtype):
    return torch.tensor(values, dtype=getattr(torch, dtype))


def _feed(metric, feed):
    args = [_tensor(a, d) for a, d in zip(feed["args"], feed["dtypes"])]
    sw = None if feed["sample_weight"] is None else torch.tensor(feed["sample_weight"])
    metric.update_state(*args, sample_weight=sw)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_keras(case):
    metric = getattr(metrics, case["class"])(**case["kwargs"])
    variables = metric.variables
    for feed, expected in zip(case["feeds"], case["results"]):
        _feed(metric, feed)
        result = metric.result()
        assert result.dim() == 0
        torch.testing.assert_close(result, torch.tensor(expected), rtol=2e-5, atol=2e-6)
    metric.reset_state()
    assert all(a is b for a, b in zip(variables, metric.variables))  # reset in place, no reallocation
    torch.testing.assert_close(metric.result(), torch.tensor(case["after_reset"]))
    _feed(metric, case["feeds"][0])
    torch.testing.assert_close(metric.result(), torch.tensor(case["after_reset_update"]), rtol=2e-5, atol=2e-6)
