"""tf.keras 2's RegNetX/RegNetY against tf.keras 2.21's manifests and outputs (tests/fixtures/applications/regnet.json,
made by make_applications_fixtures.py with tf_keras). tf.keras lists its graph ops (`x + skip`) as weightless
`TFOpLambda` layers, so the layers compared are those with weights, with their weights in the legacy .h5 order."""

from __future__ import annotations

import pytest

from tests.applications.application_cases import build, case_ids, cases, check_outputs, describe


def _with_weights(model) -> dict:
    description = describe(model)
    named = {layer.name: layer for layer in model.layers}
    description["layers"] = [entry for entry in description["layers"] if named[entry.split(":")[0]].weights]
    return description


@pytest.mark.parametrize("index", range(len(cases("regnet"))), ids=case_ids("regnet"))
def test_matches_tf_keras(index):
    case = cases("regnet")[index]
    model = build("regnet", case)
    assert _with_weights(model) == {k: case[k] for k in ("name", "layers", "weights")}
    if "outputs" in case:
        check_outputs(model, case)
