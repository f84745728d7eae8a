"""Xception, InceptionV3 and InceptionResNetV2 against Keras 3.15's manifests and outputs
(tests/fixtures/applications/{xception,inception_v3,inception_resnet_v2}.json, made by
make_applications_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.applications.application_cases import build, case_ids, cases, check_outputs, describe

MODULES = ["xception", "inception_v3", "inception_resnet_v2"]
ALL = [(m, i) for m in MODULES for i in range(len(cases(m)))]


@pytest.mark.parametrize(("module", "index"), ALL, ids=[f"{m}-{c}" for m in MODULES for c in case_ids(m)])
def test_matches_keras(module, index):
    case = cases(module)[index]
    model = build(module, case)
    assert describe(model) == {k: case[k] for k in ("name", "layers", "weights")}
    if "outputs" in case:
        check_outputs(model, case)
