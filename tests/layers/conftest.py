"""Shared helpers for the layer tests: Keras's reference forwards from tests/fixtures/layers/layer_fixtures.json
(written by tests/fixtures/layers/make_layer_fixtures.py with Keras 3.15, JAX backend)."""

import json
import os

import pytest

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers", "layer_fixtures.json")


@pytest.fixture(scope="session")
def keras_layer_case():
    """`keras_layer_case(name)` -> {"args", "weights", "inputs", "outputs"} of one recorded Keras layer call."""
    with open(FIXTURES) as f:
        cases = {case["name"]: case for case in json.load(f)["layers"]}
    return cases.__getitem__
