"""kerasish.initializers: configs and deterministic values against Keras 3 (fixture made by
tests/fixtures/initializers/make_initializers_fixtures.py), random draws against their distributions."""

import json
import math
import os

import numpy as np
import pytest
import torch

from kerasish import config as kconfig
from kerasish import initializers

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "initializers", "initializers.json")
with open(FIXTURE) as f:
    KERAS = json.load(f)


@pytest.fixture(autouse=True)
def _seed_torch():
    # Unseeded initializers draw from torch's global RNG: seeding it keeps the statistical checks deterministic.
    torch.manual_seed(0)


def build(name):
    config = KERAS["serialized"][name]
    return initializers.deserialize(config)


@pytest.mark.parametrize("name", sorted(KERAS["serialized"]))
def test_serialize_matches_keras(name):
    keras_config = KERAS["serialized"][name]
    obj = build(name)
    assert type(obj).__name__ == keras_config["class_name"]
    expected = dict(keras_config)
    if name == "Identity":
        # Keras 3.15's Identity has no get_config and drops `gain`; kerasish keeps it so configs round-trip.
        expected["config"] = {"gain": 1.0}
    assert initializers.serialize(obj) == expected
    assert initializers.deserialize(initializers.serialize(obj)).get_config() == obj.get_config()


def test_configs_hold_every_init_argument():
    obj = initializers.VarianceScaling(3.0, "fan_avg", "uniform", seed=4, input_axes=[0], output_axes=[1])
    assert obj.get_config() == {
        "seed": 4,
        "scale": 3.0,
        "mode": "fan_avg",
        "distribution": "uniform",
        "input_axes": [0],
        "output_axes": [1],
    }
    assert initializers.Identity(gain=2.0).get_config() == {"gain": 2.0}
    assert initializers.Orthogonal.from_config({"gain": 0.5, "seed": 1}).gain == 0.5
    clone = initializers.HeNormal(seed=3, input_axes=[0], output_axes=[1]).clone()
    assert isinstance(clone, initializers.HeNormal) and clone.get_config()["input_axes"] == [0]


def test_names_and_aliases_match_keras():
    assert sorted(initializers.ALL_OBJECTS_DICT) == KERAS["names"]
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.OrthogonalInitializer is initializers.Orthogonal
    assert isinstance(initializers.get("uniform"), initializers.RandomUniform)
    assert isinstance(initializers.get("zero"), initializers.Zeros)


def test_compute_fans_matches_keras():
    for shape, fans in KERAS["fans"]:
        assert list(initializers.compute_fans(shape)) == fans
    assert list(initializers.compute_fans((2, 3, 4, 5), [0, 2], [1, 3])) == KERAS["fans_axes"]


def test_constant_values():
    torch.testing.assert_close(initializers.Zeros()((2, 3)), torch.zeros(2, 3))
    torch.testing.assert_close(initializers.Ones()((4,)), torch.ones(4))
    torch.testing.assert_close(initializers.Constant(3.5)((2, 2)), torch.tensor(KERAS["constant_2x2"]))
    torch.testing.assert_close(initializers.Identity(gain=2.0)((2, 3)), torch.tensor(KERAS["identity_2x3_gain2"]))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))
    value = initializers.Constant(np.float32(2.0))((3,), dtype="float64")
    assert value.dtype == torch.float64 and value.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("index", range(len(KERAS["stft"])))
def test_stft_matches_keras(index):
    case = KERAS["stft"][index]
    kernel = initializers.STFT(**case["kwargs"])((6, 1, 5))
    torch.testing.assert_close(kernel, torch.tensor(case["y"]), rtol=1e-5, atol=1e-6)


def test_stft_rejects_bad_arguments():
    with pytest.raises(ValueError, match="kaiserish"):
        initializers.STFT(window="kaiserish")
    with pytest.raises(ValueError, match="frame_length"):
        initializers.STFT(window=[1.0, 2.0])((6, 1, 5))


N_IN, N_OUT = 400, 2500  # one million draws: sample means/stds are good to about 0.1% of the scale


def _stats(x):
    x = x.double()
    return x.mean().item(), x.std().item(), x.min().item(), x.max().item()


@pytest.mark.parametrize(
    "name, fan",
    [("glorot_uniform", (N_IN + N_OUT) / 2), ("he_uniform", N_IN / 2), ("lecun_uniform", N_IN)],
)
def test_uniform_limits(name, fan):
    # glorot: sqrt(6 / (fan_in + fan_out)); he: sqrt(6 / fan_in); lecun: sqrt(3 / fan_in).
    limit = math.sqrt(3.0 / fan)
    mean, std, lo, hi = _stats(initializers.get(name)((N_IN, N_OUT)))
    assert -limit <= lo < -0.999 * limit and 0.999 * limit < hi <= limit
    assert abs(mean) < 0.003 * limit
    assert std == pytest.approx(limit / math.sqrt(3), rel=3e-3)


@pytest.mark.parametrize(
    "name, fan",
    [("glorot_normal", (N_IN + N_OUT) / 2), ("he_normal", N_IN / 2), ("lecun_normal", N_IN)],
)
def test_truncated_normal_scaling(name, fan):
    # The std after truncation is sqrt(scale / n); values stay within 2 std of the untruncated normal.
    target = math.sqrt(1.0 / fan)
    bound = 2 * target / 0.87962566103423978
    mean, std, lo, hi = _stats(initializers.get(name)((N_IN, N_OUT)))
    assert abs(mean) < 0.003 * target
    assert std == pytest.approx(target, rel=3e-3)
    assert -bound <= lo < -0.99 * bound and 0.99 * bound < hi <= bound


def test_variance_scaling_modes_and_conv_fans():
    # Conv2D kernel (3, 3, 16, 32): fan_in = 144, fan_out = 288.
    x = initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="untruncated_normal", seed=1)(
        (3, 3, 16, 32 * 64)
    )
    assert x.double().std().item() == pytest.approx(math.sqrt(2.0 / (288 * 64)), rel=5e-3)
    x = initializers.VarianceScaling(distribution="uniform", input_axes=[0], output_axes=[1])((4, 10, 10000))
    assert x.abs().max().item() == pytest.approx(math.sqrt(3.0 / 4), rel=1e-3)
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    for kwargs, word in [({"scale": 0.0}, "scale"), ({"mode": "fan"}, "fan"), ({"distribution": "cauchy"}, "cauchy")]:
        with pytest.raises(ValueError, match=word):
            initializers.VarianceScaling(**kwargs)


def test_plain_distributions():
    mean, std, lo, hi = _stats(initializers.RandomNormal(mean=1.0, stddev=0.5, seed=1)((1000, 1000)))
    assert mean == pytest.approx(1.0, abs=2e-3) and std == pytest.approx(0.5, rel=3e-3)
    mean, std, lo, hi = _stats(initializers.RandomUniform(-1.0, 2.0, seed=1)((1000, 1000)))
    assert -1.0 <= lo < -0.999 and 1.999 < hi <= 2.0 and mean == pytest.approx(0.5, abs=3e-3)
    mean, std, lo, hi = _stats(initializers.TruncatedNormal(mean=0.5, stddev=0.1, seed=1)((1000, 1000)))
    assert mean == pytest.approx(0.5, abs=3e-4) and std == pytest.approx(0.1 * 0.87962566, rel=3e-3)
    assert 0.3 <= lo < 0.302 and 0.698 < hi <= 0.7
    # Keras's defaults: stddev 0.05, limits +-0.05.
    assert initializers.RandomUniform()((1000,)).abs().max().item() <= 0.05
    assert initializers.RandomNormal()((100000,)).std().item() == pytest.approx(0.05, rel=2e-2)


def test_orthogonal():
    for shape in [(6, 6), (10, 4), (4, 10), (2, 3, 8)]:
        q = initializers.Orthogonal(gain=0.5, seed=3)(shape)
        assert q.shape == shape
        m = q.reshape(-1, shape[-1])
        gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        torch.testing.assert_close(gram, 0.25 * torch.eye(gram.shape[0]), atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="two-dimensional"):
        initializers.Orthogonal()((5,))


def test_seeds():
    shape = (3, 4)
    seeded = initializers.GlorotUniform(seed=7)
    # Keras: an initializer seeded with an int, or unseeded, gives the same values on every call.
    torch.testing.assert_close(seeded(shape), seeded(shape))
    torch.testing.assert_close(seeded(shape), initializers.GlorotUniform(seed=7)(shape))
    assert not torch.equal(seeded(shape), initializers.GlorotUniform(seed=8)(shape))
    unseeded = initializers.RandomNormal()
    torch.testing.assert_close(unseeded(shape), unseeded(shape))
    assert not torch.equal(initializers.RandomNormal()(shape), initializers.RandomNormal()(shape))
    # Unseeded draws follow torch's global RNG.
    torch.manual_seed(123)
    first = [initializers.HeNormal()(shape), initializers.Orthogonal()(shape)]
    torch.manual_seed(123)
    second = [initializers.HeNormal()(shape), initializers.Orthogonal()(shape)]
    for a, b in zip(first, second):
        torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match="seed"):
        initializers.RandomNormal(seed="1")


@pytest.mark.parametrize(
    "name",
    [
        "zeros",
        "ones",
        "constant",
        "identity",
        "random_normal",
        "random_uniform",
        "truncated_normal",
        "variance_scaling",
        "glorot_uniform",
        "orthogonal",
    ],
)
def test_dtypes_and_device(name):
    init = initializers.get(name)
    x = init((4, 4))
    assert x.dtype == torch.float32 and x.device.type == "cpu"
    for dtype, expected in [("float64", torch.float64), (torch.float16, torch.float16), ("bfloat16", torch.bfloat16)]:
        assert init((4, 4), dtype=dtype).dtype == expected
    kconfig.set_floatx("float64")
    try:
        assert init((4, 4)).dtype == torch.float64
    finally:
        kconfig.set_floatx("float32")


def test_random_initializers_reject_integer_dtypes():
    with pytest.raises(ValueError, match="int32"):
        initializers.GlorotUniform()((2, 2), dtype="int32")


def test_get():
    assert initializers.get(None) is None
    assert isinstance(initializers.get("glorot_uniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get(initializers.Zeros), initializers.Zeros)
    obj = initializers.get({"class_name": "RandomNormal", "config": {"mean": 1.0, "stddev": 2.0, "seed": 4}})
    assert (obj.mean, obj.stddev, obj.seed) == (1.0, 2.0, 4)
    # Keras 2 configs (no "module") load too.
    assert initializers.get({"class_name": "GlorotUniform", "config": {"seed": None}}).seed is None
    fn = lambda shape, dtype=None: torch.zeros(shape)  # noqa: E731
    assert initializers.get(fn) is fn
    with pytest.raises(ValueError, match="glorot_unifrom"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ValueError, match="7"):
        initializers.get(7)


def test_get_tensor_identifier():
    init = initializers.get(np.arange(6.0).reshape(2, 3))
    x = init((2, 3), dtype="float32")
    assert x.dtype == torch.float32 and x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        init((3, 2))
