"""Xception, InceptionV3 and InceptionResNetV2 against Keras 3.15's manifests and outputs
(tests/fixtures/applications/{xception,inception_v3,inception_resnet_v2}.json, made by
make_applications_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.applications.application_cases import build, cases, check_outputs, describe, parametrized


@pytest.mark.parametrize(("module", "index"), parametrized("xception", "inception_v3", "inception_resnet_v2"))
def test_matches_keras(module, index):
    case = cases(module)[index]
    model = build(module, case)
    assert describe(model) == {k: case[k] for k in ("name", "layers", "weights")}
    if "outputs" in case:
        check_outputs(model, case)
