"""The geometric image layers (Resizing, CenterCrop, RandomFlip/Rotation/Zoom/Translation/Crop/Shear/Perspective/
ElasticTransform, tf.keras 2's RandomHeight/RandomWidth) and `layers.experimental.preprocessing`.

Numbers: tests/fixtures/preprocessing_image_layers/image_layers.npz, written by make_image_layer_fixtures.py beside it
with Keras 3.15 on TensorFlow. Keras's random draws cannot be reproduced, so each random layer is compared on fixed
transformations (Keras's `transform_images` with a given transformation dict); the draws themselves are tested for
range, seeding and the identity at inference.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
import torch

import kerasish
from kerasish import layers

FIXTURE = os.path.join(
    os.path.dirname(__file__), "..", "..", "fixtures", "preprocessing_image_layers", "image_layers.npz"
)
DATA = np.load(FIXTURE)
CASES = json.loads(str(DATA["cases"]))


def _transformation(name, cls, layer, images, keys):
    stored = {key: torch.as_tensor(DATA[f"{name}:{key}"]) for key in keys or ()}
    if cls == "RandomRotation":
        height, width = images.shape[1:3] if layer.data_format == "channels_last" else images.shape[2:4]
        angle = stored["angle"]
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        matrix = layer._compute_affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, height, width)
        np.testing.assert_allclose(matrix.numpy(), DATA[f"{name}:matrix"], rtol=1e-6, atol=1e-6)
        return {"rotation_matrix": matrix}
    if cls == "RandomCrop":
        return tuple(DATA[f"{name}:crop"].tolist())
    if cls == "RandomElasticTransform":
        noise = torch.as_tensor(DATA[f"{name}:noise"]).unsqueeze(1)
        # Keras's TensorFlow backend draws x and y displacements from one seed: the same noise for both.
        return {**stored, "noise": torch.cat([noise, noise])}
    return stored


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    name, cls, kwargs, input_name, keys = case
    layer = getattr(layers, cls)(**kwargs)
    images = torch.as_tensor(DATA[f"input:{input_name}"])
    if keys is None:
        result = layer(images)
    elif keys == "draw":
        result = layer.transform_images(images, layer.get_random_transformation(images, training=True))
    else:
        result = layer.transform_images(images, _transformation(name, cls, layer, images, keys))
    expected = DATA[name]
    assert tuple(result.shape) == expected.shape
    assert str(result.dtype).replace("torch.", "") == str(expected.dtype)
    atol = 1.0 if expected.dtype == np.uint8 else 3e-5
    np.testing.assert_allclose(result.numpy().astype(np.float64), expected.astype(np.float64), atol=atol, rtol=1e-5)


# ---- random draws ------------------------------------------------------------------------------------------

RANDOM_LAYERS = {
    "flip": lambda seed: layers.RandomFlip(seed=seed),
    "rotation": lambda seed: layers.RandomRotation(0.2, seed=seed),
    "zoom": lambda seed: layers.RandomZoom(0.3, 0.2, seed=seed),
    "translation": lambda seed: layers.RandomTranslation(0.2, 0.1, seed=seed),
    "crop": lambda seed: layers.RandomCrop(6, 7, seed=seed),
    "shear": lambda seed: layers.RandomShear(0.3, 0.2, seed=seed),
    "perspective": lambda seed: layers.RandomPerspective(scale=0.4, seed=seed),
    "elastic": lambda seed: layers.RandomElasticTransform(scale=0.5, value_range=(0, 1), seed=seed),
    "height": lambda seed: layers.RandomHeight(0.3, seed=seed),
    "width": lambda seed: layers.RandomWidth((0.1, 0.4), seed=seed),
}


@pytest.mark.parametrize("kind", sorted(RANDOM_LAYERS))
def test_identity_at_inference_and_seeded_in_training(kind):
    images = torch.rand(4, 20, 24, 3)
    layer = RANDOM_LAYERS[kind](seed=5)
    torch.testing.assert_close(layer(images, training=False), images)
    first = RANDOM_LAYERS[kind](seed=5)(images, training=True)
    again = RANDOM_LAYERS[kind](seed=5)(images, training=True)
    torch.testing.assert_close(first, again)
    # A direct call augments (Keras's `training=True` default), and successive calls draw anew.
    outputs = [layer(images) for _ in range(3)]
    assert any(o.shape != images.shape or not torch.allclose(o, images) for o in outputs)
    assert any(o.shape != outputs[0].shape or not torch.allclose(o, outputs[0]) for o in outputs[1:])


def test_draw_ranges():
    images = torch.rand(256, 8, 8, 1)
    angle = layers.RandomRotation((-0.1, 0.25), seed=1).get_random_transformation(images)["angle"]
    assert -36.0 <= angle.min() and angle.max() <= 90.0 and angle.max() - angle.min() > 100
    zoom = layers.RandomZoom((-0.2, 0.5), seed=1).get_random_transformation(images)
    assert 0.8 <= zoom["height_zoom"].min() and zoom["height_zoom"].max() <= 1.5
    torch.testing.assert_close(zoom["width_zoom"], zoom["height_zoom"])  # width_factor=None keeps aspect ratio
    shift = layers.RandomTranslation((0.0, 0.25), 0.5, seed=1).get_random_transformation(images)["translations"]
    assert 0.0 <= shift[:, 1].min() and shift[:, 1].max() <= 0.25 * 8 and shift[:, 0].abs().max() <= 4.0
    flips = layers.RandomFlip(seed=1).get_random_transformation(images)["flips"]
    assert 0.35 < flips.float().mean() < 0.65
    shear = layers.RandomShear(0.3, 0.0, seed=1).get_random_transformation(images)["shear_factor"]
    assert shear[:, 0].abs().max() <= 0.3 and (shear[:, 1] == 0).all() and (shear[:, 0] < 0).any()
    perspective = layers.RandomPerspective(factor=(0.5, 0.5), scale=0.2, seed=1).get_random_transformation(images)
    ratio = (perspective["end_points"] - perspective["start_points"]).abs() / perspective["start_points"].clamp(1e-6)
    assert ratio.max() <= 0.1 + 1e-6
    assert 0.35 < perspective["apply_perspective"].float().mean() < 0.65
    assert layers.RandomCrop(3, 3, seed=2).get_random_transformation(images)[0] in range(6)


def test_flip_by_hand():
    images = torch.arange(2 * 2 * 3, dtype=torch.float32).reshape(2, 2, 3, 1)
    layer = layers.RandomFlip("horizontal")
    out = layer.transform_images(images, {"flips": torch.tensor([True, False])})
    torch.testing.assert_close(out[0], images[0].flip(1))
    torch.testing.assert_close(out[1], images[1])


def test_rotation_by_half_turn_is_a_double_flip():
    images = torch.rand(1, 5, 7, 2)
    layer = layers.RandomRotation(0.5)
    angle = torch.tensor([180.0])
    zeros, ones = torch.zeros(1), torch.ones(1)
    matrix = layer._compute_affine_matrix(0.5, 0.5, angle, zeros, zeros, ones, zeros, zeros, 5, 7)
    out = layer.transform_images(images, {"rotation_matrix": matrix})
    torch.testing.assert_close(out, images.flip(1).flip(2), atol=1e-5, rtol=1e-5)


def test_single_image_dict_input_and_dtypes():
    image = (torch.rand(12, 10, 3) * 255).to(torch.uint8)
    out = layers.RandomRotation(0.1, seed=1)(image)
    assert out.shape == (12, 10, 3) and out.dtype == torch.float32
    assert layers.Resizing(4, 5)(image).dtype == torch.uint8  # Resizing keeps integer dtypes, as Keras
    masks = torch.randint(0, 3, (2, 12, 10, 1))
    data = {"images": torch.rand(2, 12, 10, 3), "labels": torch.tensor([1, 0]), "segmentation_masks": masks}
    result = layers.RandomFlip(seed=3)(data)
    assert set(result) == {"images", "labels", "segmentation_masks"}
    flipped = [not torch.equal(result["images"][i], data["images"][i]) for i in range(2)]
    for i in range(2):  # masks follow their images
        assert torch.equal(result["segmentation_masks"][i], masks[i].flip(0).flip(1) if flipped[i] else masks[i])
    torch.testing.assert_close(result["labels"], data["labels"])
    resized = layers.Resizing(6, 5)(data)
    assert resized["images"].shape == (2, 6, 5, 3) and resized["segmentation_masks"].shape == (2, 6, 5, 1)
    assert set(resized["segmentation_masks"].unique().tolist()) <= {0, 1, 2}  # nearest: no blended labels


def test_random_height_and_width_resize_by_the_drawn_factor():
    images = torch.rand(2, 10, 12, 3)
    layer = layers.RandomHeight((0.5, 0.5))  # factor exactly 1.5
    out = layer(images, training=True)
    torch.testing.assert_close(out, kerasish.ops.image.resize(images, (15, 12)))
    out = layers.RandomWidth((-0.5, -0.5), interpolation="nearest")(images, training=True)
    torch.testing.assert_close(out, kerasish.ops.image.resize(images, (10, 6), interpolation="nearest"))
    assert "data_format" not in layer.get_config()  # tf.keras 2's config


def test_elastic_probability_zero_only_clips():
    images = torch.rand(2, 16, 16, 3) * 2.0
    layer = layers.RandomElasticTransform(factor=0.0, value_range=(0, 1), seed=1)
    torch.testing.assert_close(layer(images, training=True), images)  # factor 0: Keras returns the input untouched
    layer = layers.RandomElasticTransform(factor=(0.0, 0.0), scale=0.5, value_range=(0, 1), seed=1)
    torch.testing.assert_close(layer(images, training=True), images)


# ---- shapes, models, configs -------------------------------------------------------------------------------


def test_compute_output_shape_and_symbolic_calls():
    inputs = kerasish.Input((32, 30, 3))
    assert tuple(layers.Resizing(8, 9)(inputs).shape) == (None, 8, 9, 3)
    assert tuple(layers.CenterCrop(8, 9)(inputs).shape) == (None, 8, 9, 3)
    assert tuple(layers.RandomCrop(8, 9)(inputs).shape) == (None, 8, 9, 3)
    assert tuple(layers.RandomRotation(0.1)(inputs).shape) == (None, 32, 30, 3)
    assert tuple(layers.RandomHeight(0.1)(inputs).shape) == (None, None, 30, 3)
    assert layers.Resizing(4, 5, data_format="channels_first").compute_output_shape((3, 9, 9)) == (3, 4, 5)


def test_augmentation_inside_sequential_fit_and_predict():
    kerasish.utils.set_random_seed(0)
    model = kerasish.Sequential(
        [
            kerasish.Input((16, 16, 3)),
            layers.RandomFlip("horizontal", seed=1),
            layers.RandomRotation(0.1, seed=2),
            layers.RandomZoom(0.1, seed=3),
            layers.RandomTranslation(0.1, 0.1, seed=4),
            layers.RandomCrop(12, 12, seed=5),
            layers.Resizing(8, 8),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((8, 16, 16, 3)).astype("float32")
    y = np.zeros((8, 2), "float32")
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert all(math.isfinite(v) for v in history.history["loss"])
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, second)  # inference: no augmentation
    # At inference RandomCrop is the identity (Keras 3), so Resizing sees the full 16x16 images.
    expected = model.layers[-1](model.layers[-2](layers.Resizing(8, 8)(torch.as_tensor(x))))
    np.testing.assert_allclose(first, expected.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_functional_model_augments_only_in_training():
    inputs = kerasish.Input((8, 8, 3))
    model = kerasish.Model(inputs, layers.RandomRotation(0.3, seed=1)(inputs))
    node = model.get_config()["layers"][1]["inbound_nodes"][0]
    assert node["kwargs"] == {}  # no learning phase recorded in the graph
    x = torch.rand(2, 8, 8, 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x.numpy())
    torch.testing.assert_close(model(x), x)
    assert not torch.allclose(model(x, training=True), x)
    rotation = layers.RandomRotation(0.3, seed=1)
    torch.testing.assert_close(rotation(x, False), x)  # training given positionally


CONFIG_LAYERS = {
    "resizing": lambda: layers.Resizing(5, 6, interpolation="bicubic", pad_to_aspect_ratio=True, fill_value=1.0),
    "center_crop": lambda: layers.CenterCrop(4, 3, data_format="channels_first"),
    "flip": lambda: layers.RandomFlip("vertical", seed=3),
    "rotation": lambda: layers.RandomRotation((-0.2, 0.3), fill_mode="constant", fill_value=1.0),
    "zoom": lambda: layers.RandomZoom(0.2, (-0.1, 0.3), interpolation="nearest"),
    "translation": lambda: layers.RandomTranslation(0.1, [0.0, 0.2], fill_mode="wrap", seed=2),
    "crop": lambda: layers.RandomCrop(5, 6, seed=7),
    "shear": lambda: layers.RandomShear(0.2, 0.1),
    "perspective": lambda: layers.RandomPerspective(0.5, 0.3, seed=1),
    "elastic": lambda: layers.RandomElasticTransform(0.5, (0.1, 0.4), value_range=(0, 1), fill_mode="mirror"),
    "height": lambda: layers.RandomHeight((-0.2, 0.3), interpolation="area", seed=1),
    "width": lambda: layers.RandomWidth(0.2),
}


@pytest.mark.parametrize("kind", sorted(CONFIG_LAYERS))
def test_config_round_trip(kind):
    layer = CONFIG_LAYERS[kind]()
    config = json.loads(json.dumps(layers.serialize(layer)))
    rebuilt = layers.deserialize(config)
    assert type(rebuilt) is type(layer)
    assert json.loads(json.dumps(rebuilt.get_config())) == config["config"]


def test_configs_have_keras_keys():
    assert layers.RandomRotation(0.2).get_config()["factor"] == (-0.2, 0.2)
    config = layers.RandomZoom(0.2).get_config()
    assert {k: config[k] for k in ("height_factor", "width_factor", "fill_mode", "data_format")} == {
        "height_factor": 0.2,
        "width_factor": None,
        "fill_mode": "reflect",
        "data_format": "channels_last",
    }
    assert isinstance(layers.RandomCrop(4, 4).get_config()["seed"], int)  # Keras draws and keeps a seed
    assert layers.RandomPerspective().get_config()["factor"] == (0, 1.0)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_model_with_augmentation_saves_and_loads(tmp_path, suffix):
    model = kerasish.Sequential(
        [
            kerasish.Input((10, 10, 3)),
            layers.Resizing(8, 8, interpolation="area"),
            layers.RandomRotation(0.1, seed=1),
            layers.CenterCrop(6, 6),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    loaded = kerasish.models.load_model(path)
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]
    x = np.random.default_rng(1).random((2, 10, 10, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


# ---- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.Resizing(0, 4), "Resizing: `height` must be a positive integer"),
        (lambda: layers.Resizing(4, -2), "`width` must be a positive integer"),
        (lambda: layers.Resizing(4, 4, interpolation="cubic"), "interpolation"),
        (lambda: layers.CenterCrop(0, 4), "CenterCrop"),
        (lambda: layers.RandomCrop(4, 0), "RandomCrop"),
        (lambda: layers.RandomRotation(1.5), r"range \[-1, 1\]"),
        (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
        (lambda: layers.RandomZoom(-1.0), "height_factor"),
        (lambda: layers.RandomTranslation(0.1, 1.5), "width_factor"),
        (lambda: layers.RandomShear(x_factor=-0.1), "x_factor"),
        (lambda: layers.RandomPerspective(scale=2.0), "scale"),
        (lambda: layers.RandomFlip("diagonal"), "mode"),
        (lambda: layers.RandomHeight((0.3, 0.1)), "upper bound"),
        (lambda: layers.RandomWidth((-1.5, 0.2)), "larger than -1"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_rank_names_the_layer():
    layer = layers.RandomFlip(name="flipper")
    with pytest.raises(ValueError, match=r"RandomFlip \(layer 'flipper'\).*rank 3.*shape=\(4, 4\)"):
        layer(torch.rand(4, 4))
    with pytest.raises(ValueError, match="rank 3"):
        layers.Resizing(2, 2)(torch.rand(1, 2, 4, 4, 3))


# ---- Keras 2's layers.experimental.preprocessing ------------------------------------------------------------


def test_experimental_preprocessing_path():
    from kerasish.layers.experimental import preprocessing

    assert preprocessing.RandomFlip is layers.RandomFlip
    assert preprocessing.Resizing is layers.Resizing
    assert preprocessing.RandomHeight is layers.RandomHeight
    assert preprocessing.Normalization is layers.Normalization
    assert kerasish.layers.experimental.preprocessing is preprocessing
    for name in preprocessing.__all__:
        assert getattr(preprocessing, name) is not None
    layer = preprocessing.RandomRotation(0.1, seed=1)
    assert layer(torch.rand(1, 8, 8, 3), training=False).shape == (1, 8, 8, 3)
    assert len(preprocessing.__all__) == 20


def test_preprocessing_layer_adapts_in_batches():
    from kerasish.layers.experimental.preprocessing import PreprocessingLayer

    class RunningMax(PreprocessingLayer):
        def reset_state(self):
            self.batches, self.max = 0, None

        def update_state(self, data):
            self.batches += 1
            batch_max = float(np.max(data))
            self.max = batch_max if self.max is None else max(self.max, batch_max)

        def call(self, inputs):
            return inputs / self.max

    layer = RunningMax()
    assert not layer.is_adapted
    layer.adapt(np.arange(70.0).reshape(70, 1))  # batches of 32, as tf.keras
    assert layer.is_adapted and layer.batches == 3 and layer.max == 69.0
    layer.adapt(np.arange(70.0).reshape(70, 1), batch_size=10, steps=2)
    assert layer.batches == 2 and layer.max == 19.0
    layer.adapt(iter([np.array([2.0]), np.array([8.0])]))
    assert layer.max == 8.0
    np.testing.assert_allclose(layer(torch.tensor([4.0])).numpy(), [0.5])
    with pytest.raises(ValueError, match="batch_size"):
        layer.adapt(iter([np.array([1.0])]), batch_size=4)
