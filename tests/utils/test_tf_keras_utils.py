"""tf.keras 2's `utils.to_ordinal`, `utils.warmstart_embedding_matrix` and `utils.legacy` / `legacy.saving`.

Fixtures: tests/fixtures/utils/make_tf_keras_utils_fixtures.py (tf_keras 2.21: to_ordinal cases, a warm-started
matrix with a Constant initializer) and tests/fixtures/saving/make_legacy_serialization_fixtures.py (Keras 3.15's
`keras.legacy.saving.serialize_keras_object` on the classes defined below).
"""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import utils

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
UTILS = json.loads((FIXTURES / "utils" / "tf_keras_utils.json").read_text())
LEGACY = json.loads((FIXTURES / "saving" / "legacy_serialization.json").read_text())


@pytest.mark.parametrize("name", sorted(UTILS["ordinal"]))
def test_to_ordinal_matches_tf_keras(name):
    case = UTILS["ordinal"][name]
    out = utils.to_ordinal(case["y"], num_classes=case["num_classes"], dtype=case["dtype"])
    assert str(out.dtype) == case["out_dtype"]
    np.testing.assert_array_equal(out, case["out"])


def test_warmstart_embedding_matrix_matches_tf_keras(tmp_path):
    case = UTILS["warmstart"]
    base = np.asarray(case["base_embeddings"], dtype="float32")
    new = keras.initializers.Constant(np.asarray(case["new_embeddings"], dtype="float32"))
    out = utils.warmstart_embedding_matrix(case["base_vocabulary"], case["new_vocabulary"], base, new)
    np.testing.assert_array_equal(out.numpy(), case["out"])
    # A vocabulary file and the default uniform initializer: shared rows copied, new ones in [-0.05, 0.05].
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(case["new_vocabulary"]))
    out = utils.warmstart_embedding_matrix(case["base_vocabulary"], str(path), torch.tensor(base))
    np.testing.assert_array_equal(out[:5].numpy(), np.asarray(case["out"])[:5])
    assert out.shape == (7, 3) and bool((out[5:].abs() <= 0.05).all())
    with pytest.raises(ValueError, match="does not exist"):
        utils.warmstart_embedding_matrix(case["base_vocabulary"], str(tmp_path / "missing.txt"), base)
    with pytest.raises(ValueError, match="one row per term"):
        utils.warmstart_embedding_matrix(["a"], ["a"], base)


def double(x):
    return 2 * x


class Inner:
    def __init__(self, size=3):
        self.size = size

    def get_config(self):
        return {"size": self.size}


class Outer:
    def __init__(self, factor, fn, inner, label="outer", sizes=(1, 2)):
        self.factor, self.fn, self.inner, self.label, self.sizes = factor, fn, inner, label, list(sizes)

    def get_config(self):
        return {"factor": self.factor, "fn": self.fn, "inner": self.inner, "label": self.label, "sizes": self.sizes}


def test_legacy_serialize_matches_keras():
    serialize = keras.legacy.saving.serialize_keras_object
    assert serialize is utils.legacy.serialize_keras_object
    assert serialize(Outer(2.5, double, Inner(4))) == LEGACY["outer"]
    assert serialize(Inner()) == LEGACY["inner"]
    assert serialize(double) == LEGACY["function"]
    assert serialize(None) is None
    assert serialize(keras.losses.MeanSquaredError(reduction="sum")) == LEGACY["loss"]
    assert serialize(keras.constraints.MaxNorm(3.0, axis=1)) == LEGACY["constraint"]
    with pytest.raises(ValueError, match="get_config"):
        serialize(3)


def test_legacy_deserialize():
    deserialize = keras.legacy.saving.deserialize_keras_object
    module_objects = {"Outer": Outer, "Inner": Inner, "double": double}
    outer = deserialize(LEGACY["outer"], module_objects=module_objects)
    assert isinstance(outer, Outer) and outer.fn is double and isinstance(outer.inner, Inner)
    assert (outer.factor, outer.inner.size, outer.sizes) == (2.5, 4, [1, 2])
    assert deserialize("double", module_objects=module_objects) is double
    assert isinstance(deserialize("Inner", custom_objects={"Inner": Inner}), Inner)
    loss = deserialize(LEGACY["loss"], module_objects={"MeanSquaredError": keras.losses.MeanSquaredError})
    assert float(loss(torch.ones(2, 2), torch.zeros(2, 2))) == 2.0  # "sum" reduction of per-sample means
    with pytest.raises(ValueError, match="Unknown object: 'Outer'"):
        deserialize(LEGACY["outer"], module_objects={})
    with pytest.raises(ValueError, match="Improper config format"):
        deserialize({"config": {}}, module_objects=module_objects)
