"""The budgeted probe that builds a model from an untrusted config before its weights take memory
(kerasish/saving/meta_probe.py). Loaders using it are tested end to end in test_untrusted_files.py."""

import numpy as np
import pytest
import torch

from kerasish.saving.meta_probe import MetaPastBudget, probe_then_build


def test_calls_stay_real_within_the_budget_and_go_to_meta_past_it():
    probe = MetaPastBudget(4000)
    with probe:
        small = torch.zeros(100)  # 400 bytes
        left = probe.remaining
        large = torch.ones(10_000)  # 40,000 bytes: past what is left
        derived = large * 2  # reads a meta tensor
        data = torch.as_tensor(np.arange(10_000, dtype="float32"))  # a conversion: the data already exists
    assert left == 3600 and not small.is_meta and small.sum().item() == 0
    assert large.is_meta and large.shape == (10_000,)
    assert derived.is_meta and derived.shape == (10_000,)
    assert not data.is_meta and data[-1].item() == 9999
    assert probe.used_meta


def test_a_build_within_the_budget_runs_once():
    calls, checked = [], []

    def build():
        calls.append(1)
        return _Model(torch.randn(10))

    model = probe_then_build(build, 1000, checked.append)
    assert len(calls) == 1 and checked == [] and not model.weight.is_meta


def test_a_build_past_the_budget_is_checked_then_rebuilt_drawing_what_one_build_would():
    calls, checked = [], []

    def build():
        calls.append(1)
        return _Model(torch.randn(10_000))

    torch.manual_seed(0)
    model = probe_then_build(build, 1000, lambda probe: checked.append(probe.weight.is_meta))
    torch.manual_seed(0)
    expected = torch.randn(10_000)
    assert len(calls) == 2 and checked == [True]
    assert torch.equal(model.weight, expected)


def test_a_check_that_refuses_stops_before_the_real_build():
    calls = []

    def refuse(probe):
        raise ValueError(f"the file has (4,), the config asks for {tuple(probe.weight.shape)}")

    def build():
        calls.append(1)
        return _Model(torch.zeros(10**9))  # 4 GB, never allocated

    with pytest.raises(ValueError, match=r"asks for \(1000000000,\)"):
        probe_then_build(build, 1000, refuse)
    assert len(calls) == 1


def test_a_build_that_fails_on_meta_tensors_asks_for_safe_mode_off():
    def build():
        weight = torch.zeros(10**6)
        weight.tolist()  # needs values, which a meta tensor does not have
        return _Model(weight)

    with pytest.raises(ValueError, match=r"more than the 1000 bytes.*safe_mode=False"):
        probe_then_build(build, 1000, lambda probe: None)


class _Model:
    """Anything with `compile` counts as a model."""

    def __init__(self, weight):
        self.weight = weight

    def compile(self):
        pass
