"""tf.keras 2's loss and metric aliases, `losses.Reduction` and `reduction="auto"`, against tf.keras 2.21.

The fixture is written by tests/fixtures/losses/make_loss_alias_fixtures.py (tf_keras 2.21): every alias applied to
fixed data, and MeanSquaredError/MeanAbsoluteError/LogCosh with each `Reduction` key, with and without weights.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import losses, metrics

FIXTURE = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "losses" / "loss_alias_fixtures.json").read_text()
)
Y_TRUE = torch.tensor(FIXTURE["y_true"])
Y_PRED = torch.tensor(FIXTURE["y_pred"])


@pytest.mark.parametrize("qualified", sorted(FIXTURE["functions"]))
def test_alias_matches_tf_keras(qualified):
    module, alias = qualified.split(".")
    fn = getattr({"losses": losses, "metrics": metrics}[module], alias)
    np.testing.assert_allclose(fn(Y_TRUE, Y_PRED).numpy(), FIXTURE["functions"][qualified], rtol=1e-6, atol=1e-7)


def test_aliases_are_the_functions_and_resolve_by_name():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert metrics.kld is metrics.kullback_leibler_divergence is losses.kl_divergence
    assert losses.logcosh is losses.log_cosh
    assert losses.get("logcosh") is losses.log_cosh
    assert losses.get("KLD") is losses.kl_divergence


@pytest.mark.parametrize("case", sorted(FIXTURE["classes"]))
def test_reductions_match_tf_keras(case):
    class_name, reduction = case.split(".")
    expected = FIXTURE["classes"][case]
    loss = getattr(losses, class_name)(reduction=reduction)
    weights = torch.tensor(FIXTURE["sample_weight"])
    np.testing.assert_allclose(loss(Y_TRUE, Y_PRED).numpy(), expected["unweighted"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(
        loss(Y_TRUE, Y_PRED, sample_weight=weights).numpy(), expected["weighted"], rtol=1e-6, atol=1e-7
    )
    # "auto" is stored as what it means, so the config also loads in Keras 3 (which has no "auto").
    assert loss.get_config()["reduction"] == ("sum_over_batch_size" if reduction == "auto" else reduction)
    # tf.keras 2's config (reduction "auto", and the wrapped `fn`) loads.
    rebuilt = losses.deserialize({"class_name": class_name, "config": {"reduction": expected["config"]["reduction"]}})
    np.testing.assert_allclose(rebuilt(Y_TRUE, Y_PRED).numpy(), expected["unweighted"], rtol=1e-6, atol=1e-7)


def test_reduction_keys():
    assert losses.Reduction.all() == tuple(FIXTURE["reduction_all"])
    assert (losses.Reduction.AUTO, losses.Reduction.NONE) == ("auto", "none")
    assert (losses.Reduction.SUM, losses.Reduction.SUM_OVER_BATCH_SIZE) == ("sum", "sum_over_batch_size")
    losses.Reduction.validate("sum")
    with pytest.raises(ValueError, match="Invalid Reduction Key: mean"):
        losses.Reduction.validate("mean")
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_auto_reduction_in_compile():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(loss=losses.MeanSquaredError(reduction=losses.Reduction.AUTO))
    value = model.evaluate(Y_TRUE.numpy(), Y_PRED.numpy(), verbose=0)
    expected = float(((model.predict(Y_TRUE.numpy(), verbose=0) - Y_PRED.numpy()) ** 2).mean())
    assert value == pytest.approx(expected, rel=1e-5)
