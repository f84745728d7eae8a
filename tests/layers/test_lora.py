"""LoRA on Dense, EinsumDense and Embedding, and the `save_own_variables`/`load_own_variables` hooks, against
Keras 3.15: outputs, weight lists and saved (merged) variables recorded by
tests/fixtures/layers_extra2/make_layers_extra2_fixtures.py (Keras 3.15, TensorFlow backend), and Keras-written
lora_model.keras / lora_model.weights.h5 (written by the same script)."""

import json
import os

import h5py
import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "layers_extra2")
with open(os.path.join(HERE, "layers_extra2.json")) as f:
    CASES = json.load(f)


def _layer(name):
    """The layer of fixture case `name`, built (and LoRA enabled) as the fixture script did."""
    makers = {
        "lora_dense_arg": (lambda: layers.Dense(3, lora_rank=2, lora_alpha=8), (None, 4), None),
        "lora_dense_enable": (lambda: layers.Dense(3), (None, 4), (2, 6.0)),
        "lora_einsum_dense_arg": (
            lambda: layers.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de", lora_rank=2, lora_alpha=8),
            (None, 3, 4),
            None,
        ),
        "lora_einsum_dense_enable": (lambda: layers.EinsumDense("ab,bc->ac", 5, bias_axes="c"), (None, 4), (3, None)),
        "lora_embedding_arg": (lambda: layers.Embedding(6, 4, lora_rank=2, lora_alpha=8), None, None),
        "lora_embedding_enable": (lambda: layers.Embedding(6, 4), None, (3, 12.0)),
    }
    make, shape, enable = makers[name]
    layer = make()
    layer.build(shape)
    if enable is not None:
        layer.enable_lora(enable[0], lora_alpha=enable[1])
    return layer


LORA_CASES = sorted(name for name in CASES if name.startswith("lora_") and name != "lora_model")


@pytest.mark.parametrize("name", LORA_CASES)
def test_lora_layers_match_keras(name):
    case = CASES[name]
    layer = _layer(name)
    assert layer.lora_enabled and layer.lora_alpha == case["lora_alpha"]
    assert [n.split("/", 1)[1] for n in layer._weight_names()] == case["weight_names"]
    names = {id(getattr(layer, s.attr)): s.name for s in layer._weight_specs}
    assert [names[id(w)] for w in layer.trainable_weights] == case["trainable_names"]
    layer.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    x = torch.tensor(case["inputs"])
    np.testing.assert_allclose(layer(x).detach().numpy(), case["outputs"], rtol=1e-5, atol=1e-6)
    store = {}
    layer.save_own_variables(store)  # the merged weight, as Keras saves it
    assert len(store) == len(case["saved_variables"])
    for i, expected in enumerate(case["saved_variables"]):
        np.testing.assert_allclose(store[str(i)].numpy(), expected, rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (case["config"]["lora_rank"], case["config"]["lora_alpha"])


def test_lora_property_is_the_merged_kernel_and_load_zeroes_the_factors():
    layer = layers.Dense(3)
    layer.build((None, 4))
    base = layer.kernel.detach().clone()
    layer.enable_lora(2, lora_alpha=4.0)
    torch.testing.assert_close(layer.kernel, base)  # b starts at zero: the layer is unchanged
    with torch.no_grad():
        layer.lora_kernel_b.normal_()
    merged = base + 2.0 * layer.lora_kernel_a.detach() @ layer.lora_kernel_b.detach()
    torch.testing.assert_close(layer.kernel.detach(), merged)
    store = {}
    layer.save_own_variables(store)
    fresh = layers.Dense(3, lora_rank=2)
    fresh.build((None, 4))
    fresh.load_own_variables(store)
    torch.testing.assert_close(fresh._kernel.detach(), merged)
    assert fresh.lora_kernel_a.abs().sum() == 0 and fresh.lora_kernel_b.abs().sum() == 0
    torch.testing.assert_close(fresh.kernel.detach(), merged)


def test_keras_written_lora_files_load_and_predict_the_same(tmp_path):
    case = CASES["lora_model"]
    x = np.array(case["inputs"], dtype="int32")
    model = keras.saving.load_model(os.path.join(HERE, "lora_model.keras"))
    assert [layer.lora_enabled for layer in model.layers[1:]] == [True, True, True]
    np.testing.assert_allclose(model.predict(x, verbose=0), case["outputs"], rtol=1e-5, atol=1e-6)
    # Keras merged LoRA into the saved kernels: the loaded factors are zero.
    assert all(float(model.get_layer(n).lora_kernel_b.detach().abs().sum()) == 0 for n in ("dense", "ed"))

    fresh = keras.saving.load_model(os.path.join(HERE, "lora_model.keras"))
    for w in fresh.weights:
        w.data.zero_()
    fresh.load_weights(os.path.join(HERE, "lora_model.weights.h5"))
    np.testing.assert_allclose(fresh.predict(x, verbose=0), case["outputs"], rtol=1e-5, atol=1e-6)

    # kerasish writes what Keras writes: merged kernels, no factors.
    path = str(tmp_path / "rt.weights.h5")
    with torch.no_grad():
        model.get_layer("dense").lora_kernel_b.normal_()
    expected = model.predict(x, verbose=0)
    model.save_weights(path)
    with h5py.File(path) as f:
        assert sorted(f["layers/dense/vars"]) == ["0", "1"]
        np.testing.assert_allclose(f["layers/dense/vars/0"][()], model.get_layer("dense").kernel.detach().numpy())
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_lora_freezes_the_base_weight_in_training_and_legacy_h5_keeps_all_weights(tmp_path):
    inputs = keras.Input((4,))
    dense = layers.Dense(3, name="d")
    model = keras.Model(inputs, dense(inputs))
    dense.enable_lora(2)
    assert [tuple(w.shape) for w in dense.trainable_weights] == [(3,), (4, 2), (2, 3)]
    assert [tuple(w.shape) for w in dense.non_trainable_weights] == [(4, 3)]
    dense.trainable = False
    dense.trainable = True  # unfreezing the layer leaves LoRA's frozen kernel frozen, as in Keras
    assert len(dense.trainable_weights) == 3 and not dense._kernel.requires_grad
    base = dense._kernel.detach().clone()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.random.rand(16, 4).astype("float32"), np.random.rand(16, 3).astype("float32")
    model.fit(x, y, epochs=2, verbose=0)
    torch.testing.assert_close(dense._kernel.detach(), base)
    assert dense.lora_kernel_b.abs().sum() > 0  # the factors trained
    # Legacy .h5 files hold `weights` (base, bias, a, b), as Keras 3's legacy writer does.
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.get_layer("d").lora_enabled
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_lora_errors():
    with pytest.raises(ValueError, match="isn't yet built"):
        layers.Dense(3).enable_lora(2)
    layer = layers.Dense(3, kernel_constraint="non_neg")
    layer.build((None, 2))
    with pytest.raises(ValueError, match="incompatible with kernel constraints"):
        layer.enable_lora(2)
    embedding = layers.Embedding(4, 2, embeddings_constraint="non_neg")
    embedding.build()
    with pytest.raises(ValueError, match="remove the `embeddings_constraint` argument"):
        embedding.enable_lora(2)
    layer = layers.Dense(3, lora_rank=2)
    layer.build((None, 2))
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    with pytest.raises(ValueError, match="positive integer"):
        layers.Dense(3, lora_rank=0)
    plain = layers.Dense(3)
    plain.build((None, 2))
    with pytest.raises(ValueError, match="positive integer"):
        plain.enable_lora(1.5)
    assert not plain.lora_enabled and len(plain.weights) == 2
    with pytest.raises(AttributeError, match="kernel"):  # unbuilt: no kernel yet, as in Keras
        layers.Dense(3).kernel  # noqa: B018


class DoubledWeight(layers.Layer):
    """Saves its weight doubled: the weight files must go through its hooks."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(2,), initializer="ones", name="w")

    def call(self, x):
        return x * self.w

    def save_own_variables(self, store):
        store["0"] = self.w.detach() * 2

    def load_own_variables(self, store):
        with torch.no_grad():
            self.w.copy_(torch.as_tensor(np.asarray(store["0"])) / 2)


def test_weight_files_go_through_the_own_variables_hooks(tmp_path):
    def model():
        inputs = keras.Input((2,))
        return keras.Model(inputs, DoubledWeight(name="doubled")(inputs))

    first = model()
    with torch.no_grad():
        first.layers[1].w.copy_(torch.tensor([1.5, -2.0]))
    path = str(tmp_path / "hooks.weights.h5")
    first.save_weights(path)
    with h5py.File(path) as f:
        np.testing.assert_allclose(f["layers/doubled_weight/vars/0"][()], [3.0, -4.0])
    second = model()
    second.load_weights(path)
    torch.testing.assert_close(second.layers[1].w.detach(), torch.tensor([1.5, -2.0]))


def test_layer_own_variables_hooks_order_and_checks():
    layer = layers.BatchNormalization()
    layer.build((None, 3))
    store = {}
    layer.save_own_variables(store)  # Keras's order: gamma, beta, moving_mean, moving_variance
    assert sorted(store) == ["0", "1", "2", "3"]
    torch.testing.assert_close(store["0"], torch.ones(3))
    torch.testing.assert_close(store["3"], torch.ones(3))
    values = {str(i): np.full(3, float(i + 1), dtype="float32") for i in range(4)}
    other = layers.BatchNormalization()
    other.build((None, 3))
    other.load_own_variables(values)
    assert [float(w[0]) for w in other.get_weights()] == [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="expected 4 variables, but received 2"):
        other.load_own_variables({"0": values["0"], "1": values["1"]})
    bad = dict(values, **{"3": np.zeros(5, dtype="float32")})
    with pytest.raises(ValueError, match=r"expected shape \(3,\)"):
        other.load_own_variables(bad)
    assert [float(w[0]) for w in other.get_weights()] == [1.0, 2.0, 3.0, 4.0]  # nothing assigned
