"""EfficientNetV2 (B0-B3, S, M, L), ConvNeXt and NASNet against Keras 3.15's manifests and outputs
(tests/fixtures/applications/{efficientnet_v2,convnext,nasnet}.json, made by make_applications_fixtures.py)."""

from __future__ import annotations

import re

import pytest

from tests.applications.application_cases import build, case_ids, cases, check_outputs, describe

MODULES = ["efficientnet_v2", "convnext", "nasnet"]
ALL = [(m, i) for m in MODULES for i in range(len(cases(m)))]


@pytest.mark.parametrize(("module", "index"), ALL, ids=[f"{m}-{c}" for m in MODULES for c in case_ids(m)])
def test_matches_keras(module, index):
    case = cases(module)[index]
    model = build(module, case)
    expected = {k: case[k] for k in ("name", "layers", "weights")}
    # Keras's variable paths put the weights of layers inside ConvNeXt's Sequential blocks under the block's name
    # (`convnext_tiny_stem/convnext_tiny_stem_conv/kernel`); kerasish names every weight `layer/weight`. Files do
    # not see the difference (legacy .h5 loads by layer order, .weights.h5 by structure), so the last two parts
    # are compared.
    # LayerScale's weight has no name: Keras numbers unnamed variables across the session (`variable_17`),
    # kerasish within the layer (`variable`), so the number is left out.
    expected["weights"] = [[_layer_and_weight(path), shape] for path, shape in expected["weights"]]
    got = describe(model)
    got["weights"] = [[_layer_and_weight(path), shape] for path, shape in got["weights"]]
    assert got == expected


def _layer_and_weight(path: str) -> str:
    layer, weight = path.split("/")[-2:]
    return f"{layer}/{re.sub(r'^variable(_[0-9]+)?$', 'variable', weight)}"
    if "outputs" in case:
        check_outputs(model, case)
