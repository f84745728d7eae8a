"""VGG16/19, ResNet50/101/152 and ResNet50V2/101V2/152V2 against Keras 3.15's manifests and outputs
(tests/fixtures/applications/{vgg16,vgg19,resnet,resnet_v2}.json, made by make_applications_fixtures.py)."""

from __future__ import annotations

import pytest

from tests.applications.application_cases import build, cases, check_outputs, describe, parametrized


@pytest.mark.parametrize(("module", "index"), parametrized("vgg16", "vgg19", "resnet", "resnet_v2"))
def test_matches_keras(module, index):
    case = cases(module)[index]
    model = build(module, case)
    assert describe(model) == {k: case[k] for k in ("name", "layers", "weights")}
    if "outputs" in case:
        check_outputs(model, case)
