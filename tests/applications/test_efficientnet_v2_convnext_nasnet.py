"""EfficientNetV2 (B0-B3, S, M, L), ConvNeXt and NASNet against Keras 3.15's manifests and outputs
(tests/fixtures/applications/{efficientnet_v2,convnext,nasnet}.json, made by make_applications_fixtures.py)."""

from __future__ import annotations

import re

import pytest

from tests.applications.application_cases import build, cases, check_outputs, describe, parametrized


def _layer_and_weight(path: str) -> str:
    """`layer/weight` of a weight path. Keras's variable paths put the weights of layers inside ConvNeXt's
    Sequential blocks under the block's name (`convnext_tiny_stem/convnext_tiny_stem_conv/kernel`), and number
    unnamed variables (LayerScale's) across the session (`variable_17`); kerasish names weights `layer/weight`
    and numbers unnamed ones within their layer. Files see neither difference (legacy .h5 loads by layer order,
    .weights.h5 by structure), so both are left out of the comparison."""
    layer, weight = path.split("/")[-2:]
    return f"{layer}/{re.sub(r'^variable(_[0-9]+)?$', 'variable', weight)}"


@pytest.mark.parametrize(("module", "index"), parametrized("efficientnet_v2", "convnext", "nasnet"))
def test_matches_keras(module, index):
    case = cases(module)[index]
    model = build(module, case)
    got, expected = describe(model), {k: case[k] for k in ("name", "layers", "weights")}
    for description in (got, expected):
        description["weights"] = [[_layer_and_weight(path), shape] for path, shape in description["weights"]]
    assert got == expected
    if "outputs" in case:
        check_outputs(model, case)
