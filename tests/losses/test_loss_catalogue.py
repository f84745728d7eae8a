"""The whole `keras.losses` catalogue against Keras 3.15.

Every `Loss` class is also checked through the `cases` of loss_fixtures.json in test_losses.py (each reduction,
sample weights of several shapes); here: the lowercase functions called directly, masks carried on `y_pred` as
`_keras_mask`, configs as `keras.losses.serialize` writes them, and the names `keras.losses.get` resolves. All
fixtures were written by tests/fixtures/losses/make_loss_fixtures.py with real Keras (JAX backend).
"""

import json
import pathlib
import warnings

import pytest
import torch

from kerasish import losses

FIXTURES = json.loads((pathlib.Path(__file__).parents[1] / "fixtures/losses/loss_fixtures.json").read_text())
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"]
# Keras 3.15's CosineSimilarity and Huber leave `axis` and `delta` out of their configs (so a round trip through
# Keras resets them); kerasish writes them too. Keras's constructors accept them, so Keras can read these configs.
EXTRA_CONFIG_KEYS = {"CosineSimilarity": {"axis": -1}, "Huber": {"delta": 1.0}}


def _labels(case):
    dtype = torch.int32 if case["y_true_dtype"].startswith("int") else torch.float32
    return torch.tensor(case["y_true"], dtype=dtype)


def _kwargs(case):
    # JSON turns tuples into lists; Keras's axis arguments take either.
    return {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}


@pytest.mark.parametrize("case", FIXTURES["functions"], ids=[c["id"] for c in FIXTURES["functions"]])
def test_function_matches_keras(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        out = getattr(losses, case["fn"])(_labels(case), torch.tensor(case["y_pred"]), **_kwargs(case))
    expected = torch.tensor(case["expected"])
    assert out.shape == expected.shape
    torch.testing.assert_close(out, expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("case", FIXTURES["masked"], ids=[c["id"] for c in FIXTURES["masked"]])
def test_keras_mask_on_y_pred_matches_keras(case):
    sw = None if case["sample_weight"] is None else torch.tensor(case["sample_weight"])
    for reduction in REDUCTIONS:
        y_pred = torch.tensor(case["y_pred"])
        y_pred._keras_mask = torch.tensor(case["mask"])
        loss = getattr(losses, case["class"])(reduction=reduction, **_kwargs(case))
        out = loss(_labels(case), y_pred, sample_weight=sw)
        torch.testing.assert_close(out, torch.tensor(case["expected"][reduction]), rtol=2e-5, atol=2e-5, msg=reduction)


@pytest.mark.parametrize("class_name", sorted(FIXTURES["configs"]))
def test_default_config_is_keras_config(class_name):
    keras_config = FIXTURES["configs"][class_name]
    ours = losses.serialize(getattr(losses, class_name)())
    expected = dict(keras_config, config={**keras_config["config"], **EXTRA_CONFIG_KEYS.get(class_name, {})})
    assert ours == expected
    # Keras's own config (without the extra keys) loads too.
    restored = losses.deserialize(keras_config)
    assert type(restored) is getattr(losses, class_name)


NON_DEFAULT = {
    "MeanSquaredError": {},
    "MeanAbsoluteError": {},
    "MeanAbsolutePercentageError": {},
    "MeanSquaredLogarithmicError": {},
    "CosineSimilarity": {"axis": 1},
    "Huber": {"delta": 0.3},
    "LogCosh": {},
    "Hinge": {},
    "SquaredHinge": {},
    "CategoricalHinge": {},
    "KLDivergence": {},
    "Poisson": {},
    "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1, "axis": 1},
    "BinaryFocalCrossentropy": {
        "apply_class_balancing": True,
        "alpha": 0.4,
        "gamma": 1.0,
        "from_logits": True,
        "label_smoothing": 0.2,
        "axis": 0,
    },
    "CategoricalCrossentropy": {"from_logits": True, "label_smoothing": 0.3, "axis": 1},
    "CategoricalFocalCrossentropy": {
        "alpha": 0.5,
        "gamma": 3.0,
        "from_logits": True,
        "label_smoothing": 0.1,
        "axis": 1,
    },
    "CategoricalGeneralizedCrossEntropy": {"q": 0.7},
    "SparseCategoricalCrossentropy": {"from_logits": True, "ignore_class": 255},
    "Dice": {"axis": (1, 2)},
    "Tversky": {"alpha": 0.2, "beta": 0.8, "axis": (1, 2)},
    "Circle": {"gamma": 32.0, "margin": 0.1, "remove_diagonal": False},
    "CTC": {},
}


def test_every_class_is_covered():
    assert set(NON_DEFAULT) == set(FIXTURES["configs"])


@pytest.mark.parametrize("class_name", sorted(NON_DEFAULT))
def test_config_round_trip(class_name):
    cls = getattr(losses, class_name)
    loss = cls(name="custom", reduction="sum", dtype="float64", **NON_DEFAULT[class_name])
    config = loss.get_config()
    assert config == {"name": "custom", "reduction": "sum", **NON_DEFAULT[class_name]}
    restored = cls.from_config(json.loads(json.dumps(config)))  # through JSON, as a saved model would be
    assert type(restored) is cls
    assert restored.name == "custom" and restored.reduction == "sum"
    assert {k: tuple(v) if isinstance(v, list) else v for k, v in restored.get_config().items()} == config
    serialized = json.loads(json.dumps(losses.serialize(loss)))
    assert losses.deserialize(serialized).get_config().keys() == config.keys()


@pytest.mark.parametrize("name", sorted(FIXTURES["aliases"]))
def test_get_resolves_every_keras_name(name):
    obj = losses.get(name)
    expected = FIXTURES["aliases"][name]
    if expected[0].isupper():
        assert type(obj).__name__ == expected and isinstance(obj, losses.Loss)
    else:
        assert obj is getattr(losses, expected)


@pytest.mark.parametrize(
    "name,function",
    [("logcosh", "log_cosh"), ("huber_loss", "huber"), ("kullback_leibler_divergence", "kl_divergence")],
)
def test_tf_keras_2_names_still_resolve(name, function):
    assert losses.get(name) is getattr(losses, function)


def test_default_names_match_keras():
    for class_name, config in FIXTURES["configs"].items():
        assert getattr(losses, class_name)().name == config["config"]["name"]


def test_hinge_keeps_non_binary_labels():
    # {0, 1} labels become {-1, 1}; labels with any other value are used as given.
    y_pred = torch.tensor([[0.3, -0.8]])
    torch.testing.assert_close(losses.hinge(torch.tensor([[0.0, 1.0]]), y_pred), torch.tensor([(1.3 + 1.8) / 2]))
    torch.testing.assert_close(losses.hinge(torch.tensor([[-1.0, 1.0]]), y_pred), torch.tensor([(1.3 + 1.8) / 2]))
    torch.testing.assert_close(losses.hinge(torch.tensor([[0.0, 0.5]]), y_pred), torch.tensor([(1.0 + 1.4) / 2]))


def test_label_smoothing_formulas():
    y_true, logits = torch.tensor([[0.0, 1.0, 0.0]]), torch.tensor([[1.0, 2.0, -1.0]])
    cce = losses.categorical_crossentropy(y_true, logits, from_logits=True, label_smoothing=0.3)
    smoothed = y_true * 0.7 + 0.3 / 3
    torch.testing.assert_close(cce, -(smoothed * torch.log_softmax(logits, -1)).sum(-1))
    bce = losses.binary_crossentropy(y_true, logits, from_logits=True, label_smoothing=0.3)
    smoothed = y_true * 0.7 + 0.15
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, smoothed, reduction="none").mean(-1)
    torch.testing.assert_close(bce, expected)


def test_cosine_similarity_of_zero_vector_is_zero_and_finite_gradient():
    y_pred = torch.zeros(2, 3, requires_grad=True)
    out = losses.CosineSimilarity()(torch.ones(2, 3), y_pred)
    out.backward()
    assert out.item() == 0.0 and torch.isfinite(y_pred.grad).all()


def test_log_cosh_is_finite_for_large_errors():
    out = losses.log_cosh(torch.tensor([[0.0]]), torch.tensor([[200.0]]))
    torch.testing.assert_close(out, torch.tensor([200.0 - 0.6931472]))


def test_ctc_gradient_matches_torch():
    logits = torch.randn(2, 7, 5, requires_grad=True)
    labels = torch.tensor([[1, 2, 0], [4, 4, 3]])
    losses.CTC()(labels, logits).backward()
    ref = logits.detach().clone().requires_grad_(True)
    torch.nn.functional.ctc_loss(
        ref.log_softmax(-1).transpose(0, 1), labels, torch.tensor([7, 7]), torch.tensor([2, 3]), reduction="none"
    ).mean().backward()
    torch.testing.assert_close(logits.grad, ref.grad)


def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match="q"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="y_true.shape"):
        losses.ctc(torch.zeros(2, 3, 1), torch.zeros(2, 4, 3))
    with pytest.raises(ValueError, match="y_pred.shape"):
        losses.ctc(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_focal_crossentropy(torch.zeros(2, 3), torch.zeros(2, 3), axis=True)
    with pytest.raises(ValueError, match="same shape"):
        losses.binary_focal_crossentropy(torch.zeros(2, 3), torch.zeros(2, 4))


META_CASES = [
    (losses.MeanAbsolutePercentageError(), (4, 3), (4, 3)),
    (losses.MeanSquaredLogarithmicError(), (4, 3), (4, 3)),
    (losses.CosineSimilarity(), (4, 3), (4, 3)),
    (losses.Huber(), (4, 3), (4, 3)),
    (losses.LogCosh(), (4, 3), (4, 3)),
    (losses.Hinge(), (4, 3), (4, 3)),
    (losses.SquaredHinge(), (4, 3), (4, 3)),
    (losses.CategoricalHinge(), (4, 3), (4, 3)),
    (losses.KLDivergence(), (4, 3), (4, 3)),
    (losses.Poisson(), (4, 3), (4, 3)),
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True, from_logits=True, label_smoothing=0.1), (4, 3), (4, 3)),
    (losses.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=0.1), (4, 3), (4, 3)),
    (losses.CategoricalGeneralizedCrossEntropy(), (4,), (4, 3)),
    (losses.Dice(axis=(1,)), (4, 3), (4, 3)),
    (losses.Tversky(axis=(1,)), (4, 3), (4, 3)),
    (losses.Circle(), (4,), (4, 3)),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("loss, true_shape, pred_shape", META_CASES, ids=[type(c[0]).__name__ for c in META_CASES])
def test_loss_never_reads_values_back(loss, true_shape, pred_shape, reduction):
    # Meta tensors have no data: any host read (.item(), bool(), .tolist()) would raise.
    loss.reduction = reduction
    y_true, y_pred = torch.ones(true_shape, device="meta"), torch.ones(pred_shape, device="meta")
    assert loss(y_true, y_pred).device.type == "meta"
    assert loss(y_true, y_pred, sample_weight=torch.ones(4, device="meta")).device.type == "meta"
