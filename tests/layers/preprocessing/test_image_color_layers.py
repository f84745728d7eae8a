"""Colour and mixing image augmentation layers against Keras 3.15.

Fixtures: tests/fixtures/preprocessing_image_color/image_color.json, written by
tests/fixtures/preprocessing_image_color/make_image_color_fixtures.py with Keras 3.15.1 on TensorFlow 2.21 (run with
`KERAS_BACKEND=tensorflow`). Keras's random draws cannot be reproduced in torch, so random layers are checked through
their deterministic part: `transform_images` with the same fixed transformation Keras was given. Deterministic layers
(AutoContrast, Equalization, CLAHE, MaxNumBoundingBoxes, Pipeline) are checked through a plain call. Draws are
checked for their ranges and for reproducibility under a seed.
"""

import json
import pathlib

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers

FIXTURES = json.loads(
    (pathlib.Path(__file__).parents[2] / "fixtures/preprocessing_image_color/image_color.json").read_text()
)
CASES = FIXTURES["cases"]
X = np.array(FIXTURES["inputs"]["X"], "float32")
BIG = np.array(FIXTURES["inputs"]["BIG"], "float32")
X01, XCF = X / 255.0, np.ascontiguousarray(X.transpose(0, 3, 1, 2))
LABELS = np.array(FIXTURES["labels"], "float32")


def t(values, dtype=torch.float32):
    return torch.tensor(np.asarray(values), dtype=dtype)


def F(*values):
    return t(values).reshape(-1, 1, 1, 1)


def check_config(layer, expected):
    config = json.loads(json.dumps(layer.get_config()))
    for key, value in expected.items():
        if key != "name":
            assert config[key] == value, (key, config[key], value)


# name: (layer, input, transformation) -- the same transformations the fixture script gave Keras.
TRANSFORM_CASES = {
    "contrast": (lambda: layers.RandomContrast(0.5, seed=1), X, lambda: {"contrast_factor": F(0.6, 1.4)}),
    "contrast_01": (
        lambda: layers.RandomContrast((0.2, 0.7), value_range=(0, 1)),
        X01,
        lambda: {"contrast_factor": F(0.3, 1.7)},
    ),
    "brightness": (lambda: layers.RandomBrightness(0.3), X, lambda: {"rgb_delta": F(-40.0, 60.0)}),
    "brightness_01": (
        lambda: layers.RandomBrightness((-0.1, 0.4), value_range=(1, 0)),
        X01,
        lambda: {"rgb_delta": F(0.25, -0.1)},
    ),
    "hue": (lambda: layers.RandomHue(0.5), X, lambda: {"factor": t([0.2, -0.35])}),
    "hue_01": (lambda: layers.RandomHue((0.1, 0.9), value_range=(0, 1)), X01, lambda: {"factor": t([0.45, -0.1])}),
    "hue_cf": (lambda: layers.RandomHue(0.5, data_format="channels_first"), XCF, lambda: {"factor": t([0.2, -0.35])}),
    "saturation": (lambda: layers.RandomSaturation(0.5), X, lambda: {"factor": t([0.3, 2.0])}),
    "saturation_01": (
        lambda: layers.RandomSaturation((0.2, 0.8), value_range=(0, 1)),
        X01,
        lambda: {"factor": t([0.5, 3.0])},
    ),
    "saturation_cf": (
        lambda: layers.RandomSaturation(0.5, data_format="channels_first"),
        XCF,
        lambda: {"factor": t([0.3, 2.0])},
    ),
    "degeneration": (lambda: layers.RandomColorDegeneration(0.8), X, lambda: {"factor": F(0.3, 0.8)}),
    "grayscale": (lambda: layers.RandomGrayscale(0.5), X, lambda: t([True, False], torch.bool).reshape(2, 1, 1, 1)),
    "grayscale_cf": (
        lambda: layers.RandomGrayscale(0.5, data_format="channels_first"),
        XCF,
        lambda: t([False, True], torch.bool).reshape(2, 1, 1, 1),
    ),
    "invert": (lambda: layers.RandomInvert(), X, lambda: {"apply_inversion": t([True, False], torch.bool)}),
    "invert_01": (
        lambda: layers.RandomInvert((0.5, 1.0), value_range=(0, 1)),
        X01,
        lambda: {"apply_inversion": t([True, True], torch.bool)},
    ),
    "posterization": (
        lambda: layers.RandomPosterization(4),
        X,
        lambda: {"shift_factor": t([4, 6], torch.uint8)},
    ),
    "posterization_01": (
        lambda: layers.RandomPosterization((2, 7), value_range=(0, 1)),
        X01,
        lambda: {"shift_factor": t([1, 5], torch.uint8)},
    ),
    "sharpness": (lambda: layers.RandomSharpness(0.9), X, lambda: {"factor": t([0.1, 0.9])}),
    "sharpness_cf": (
        lambda: layers.RandomSharpness((0.2, 0.6), data_format="channels_first"),
        XCF,
        lambda: {"factor": t([0.3, 0.95])},
    ),
    "solarization": (
        lambda: layers.Solarization(addition_factor=0.5, threshold_factor=(0.2, 1.0)),
        X,
        lambda: {"additions": F(10.0, 50.0), "thresholds": F(128.0, 200.0)},
    ),
    "solarization_01": (
        lambda: layers.Solarization(threshold_factor=0.8, value_range=(0, 1)),
        X01,
        lambda: {"additions": F(0.0, 30.0), "thresholds": F(90.0, 160.0)},
    ),
    "gaussian_blur": (
        lambda: layers.RandomGaussianBlur(),
        X,
        lambda: {"should_apply_blur": t([True, False], torch.bool), "blur_factor": t([0.8, 1.3])},
    ),
    "gaussian_blur_5": (
        lambda: layers.RandomGaussianBlur(kernel_size=5, sigma=(0.5, 0.9)),
        X,
        lambda: {"should_apply_blur": t([True, False], torch.bool), "blur_factor": t([0.8, 1.3])},
    ),
    "gaussian_blur_cf": (
        lambda: layers.RandomGaussianBlur(kernel_size=5, data_format="channels_first"),
        XCF,
        lambda: {"should_apply_blur": t([True, True], torch.bool), "blur_factor": t([1.1, 0.6])},
    ),
}


@pytest.mark.parametrize("name", sorted(TRANSFORM_CASES))
def test_transform_images_matches_keras(name):
    make, inputs, transformation = TRANSFORM_CASES[name]
    layer = make()
    out = layer.transform_images(t(inputs), transformation(), training=True)
    np.testing.assert_allclose(out.numpy(), np.array(CASES[name]["output"]), rtol=1e-5, atol=2e-4)
    check_config(layer, CASES[name]["config"])


DETERMINISTIC_CASES = {
    "auto_contrast": (lambda: layers.AutoContrast(), BIG),
    "auto_contrast_01": (lambda: layers.AutoContrast(value_range=(0, 1)), BIG / 255.0),
    "equalization": (lambda: layers.Equalization(), BIG),
    "equalization_64": (lambda: layers.Equalization(bins=64), X),
    "equalization_01": (lambda: layers.Equalization(value_range=(0, 1)), X01),
    "equalization_cf": (
        lambda: layers.Equalization(data_format="channels_first"),
        np.ascontiguousarray(BIG.transpose(0, 3, 1, 2)),
    ),
    "equalization_single": (lambda: layers.Equalization(), BIG[1]),
    "clahe": (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2)), BIG),
    "clahe_pad": (
        lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=2.0, tile_grid_size=(5, 3)),
        BIG,
    ),
    "clahe_01": (
        lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(
            value_range=(0, 1), clip_limit=0.0, tile_grid_size=(3, 4)
        ),
        BIG / 255.0,
    ),
    "clahe_cf": (
        lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(
            tile_grid_size=(4, 4), data_format="channels_first"
        ),
        np.ascontiguousarray(BIG.transpose(0, 3, 1, 2)),
    ),
    "clahe_default": (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(), BIG[0]),
}


@pytest.mark.parametrize("name", sorted(DETERMINISTIC_CASES))
def test_deterministic_layers_match_keras(name):
    make, inputs = DETERMINISTIC_CASES[name]
    layer = make()
    out = layer(t(inputs), training=True)
    np.testing.assert_allclose(out.numpy(), np.array(CASES[name]["output"]), rtol=1e-5, atol=2e-4)
    check_config(layer, CASES[name]["config"])


def test_clahe_returns_integer_images_as_integers():
    layer = layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
    out = layer(torch.tensor(BIG).to(torch.uint8))
    expected = layer(torch.tensor(BIG).to(torch.uint8).float())
    assert out.dtype == torch.uint8
    np.testing.assert_array_equal(out.numpy(), expected.numpy().astype("uint8"))


def test_auto_contrast_keeps_constant_channels_and_stretches_the_others():
    out = layers.AutoContrast()(t(BIG)).numpy()
    np.testing.assert_array_equal(out[0, :, :, 1], BIG[0, :, :, 1])  # the constant channel
    assert out[0, :, :, 0].min() == 0.0 and out[0, :, :, 0].max() == pytest.approx(255.0)


def test_mix_up_matches_keras():
    layer = layers.MixUp(alpha=0.4)
    transformation = {"mix_weight": t([0.3, 0.8]), "permutation_order": torch.tensor([1, 0])}
    np.testing.assert_allclose(
        layer.transform_images(t(X), transformation).numpy(), CASES["mix_up"]["output"], rtol=1e-6, atol=1e-4
    )
    np.testing.assert_allclose(layer.transform_labels(t(LABELS), transformation).numpy(), CASES["mix_up"]["labels"])
    check_config(layer, CASES["mix_up"]["config"])


def _corners():
    return [t(c) for c in CASES["cut_mix"]["corners"]]


def test_cut_mix_masks_weights_and_labels_match_keras():
    from kerasish.layers.preprocessing.image.cut_mix import rectangle_masks

    x0, x1, y0, y1 = _corners()
    masks = rectangle_masks(8, 8, x0, x1, y0, y1, "channels_last")
    np.testing.assert_array_equal(masks.expand(2, 8, 8, 3).numpy(), np.array(CASES["cut_mix"]["masks"]))
    weight = 1.0 - (x1 - x0) * (y1 - y0) / 64
    np.testing.assert_allclose(weight.numpy(), np.array(CASES["cut_mix"]["mix_weight"]).reshape(-1), rtol=1e-6)
    layer = layers.CutMix(factor=0.7)
    transformation = {"permutation_order": torch.tensor([1, 0]), "batch_masks": masks, "mix_weight": weight}
    np.testing.assert_allclose(layer.transform_images(t(X), transformation).numpy(), CASES["cut_mix"]["output"])
    np.testing.assert_allclose(
        layer.transform_labels(t(LABELS), transformation).numpy(), CASES["cut_mix"]["labels"], rtol=1e-6
    )
    check_config(layer, CASES["cut_mix"]["config"])


def test_random_erasing_matches_keras():
    from kerasish.layers.preprocessing.image.cut_mix import rectangle_masks

    masks = rectangle_masks(8, 8, *_corners(), "channels_last")
    np.testing.assert_array_equal(masks.expand(2, 8, 8, 3).numpy(), np.array(CASES["erasing"]["masks"]))
    layer = layers.RandomErasing(fill_value=[10.0, 300.0, 30.0])
    fill = layer._fill((2, 8, 8, 3), None, torch.device("cpu"))
    transformation = {"apply_erasing": t([True, False], torch.bool), "batch_masks": masks, "fill_value": fill}
    np.testing.assert_allclose(layer.transform_images(t(X), transformation).numpy(), CASES["erasing"]["output"])
    check_config(layer, CASES["erasing"]["config"])

    layer = layers.RandomErasing(factor=0.5, scale=0.4, fill_value=-5.0, value_range=(0, 1))
    fill = layer._fill((2, 8, 8, 3), None, torch.device("cpu"))
    transformation = {"apply_erasing": t([True, True], torch.bool), "batch_masks": masks, "fill_value": fill}
    np.testing.assert_allclose(
        layer.transform_images(t(X01), transformation).numpy(), CASES["erasing_scalar"]["output"], rtol=1e-6
    )
    check_config(layer, CASES["erasing_scalar"]["config"])


def test_random_erasing_noise_fill_is_clipped_noise():
    layer = layers.RandomErasing(factor=(1.0, 1.0), scale=(0.2, 0.2), seed=4)
    transformation = layer.get_random_transformation(t(X))
    fill = transformation["fill_value"]
    assert fill.shape == (2, 8, 8, 3) and fill.min() >= 0 and fill.max() <= 255 and fill.std() > 50
    out = layer(t(X)).numpy()
    erased = (out != X).any(axis=-1)
    assert 0 < erased[0].sum() <= 16  # each side sqrt(0.2) of 8 pixels: at most a 4x4 rectangle


@pytest.mark.parametrize("number", [5, 2])
def test_max_num_bounding_boxes_matches_keras(number):
    layer = layers.MaxNumBoundingBoxes(max_number=number, fill_value=-1, bounding_box_format="xyxy")
    boxes, labels = t(FIXTURES["boxes"]), t(FIXTURES["box_labels"])
    out = layer({"images": t(X), "bounding_boxes": {"boxes": boxes, "labels": labels}})
    expected = CASES[f"max_boxes_{number}"]
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"].numpy(), expected["boxes"])
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"].numpy(), expected["labels"])
    np.testing.assert_array_equal(out["images"].numpy(), X)
    check_config(layer, expected["config"])


def test_max_num_bounding_boxes_single_image_and_ragged_lists():
    layer = layers.MaxNumBoundingBoxes(max_number=3, fill_value=-2, bounding_box_format="xyxy")
    out = layer({"images": t(X[0]), "bounding_boxes": {"boxes": [[1, 2, 3, 4]], "labels": [7]}})
    assert out["bounding_boxes"]["boxes"].tolist() == [[1, 2, 3, 4], [-2] * 4, [-2] * 4]
    assert out["bounding_boxes"]["labels"].tolist() == [7, -2, -2]
    ragged = {
        "boxes": [[[0, 0, 1, 1]], [[1, 1, 2, 2], [2, 2, 3, 3], [3, 3, 4, 4], [4, 4, 5, 5]]],
        "labels": [[1], [2, 3, 4, 5]],
    }
    out = layer({"images": t(X), "bounding_boxes": ragged})
    assert out["bounding_boxes"]["labels"].tolist() == [[1, -2, -2], [2, 3, 4]]
    assert out["bounding_boxes"]["boxes"].shape == (2, 3, 4)
    with pytest.raises(ValueError, match="bounding_box_format"):
        layers.MaxNumBoundingBoxes(3)({"images": t(X), "bounding_boxes": ragged})
    with pytest.raises(ValueError, match="max_number"):
        layers.MaxNumBoundingBoxes(0)


def test_pipeline_matches_keras_and_round_trips():
    pipe = layers.Pipeline([layers.AutoContrast(), layers.Equalization(bins=128), layers.RandomInvert((1.0, 1.0))])
    np.testing.assert_allclose(pipe(t(BIG)).numpy(), CASES["pipeline"]["output"], atol=1e-4)
    config = pipe.get_config()
    assert sorted(config) == ["layers", "name"]
    assert [c["class_name"] for c in config["layers"]] == ["AutoContrast", "Equalization", "RandomInvert"]
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(pipe))))
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["AutoContrast", "Equalization", "RandomInvert"]
    np.testing.assert_allclose(rebuilt(t(BIG)).numpy(), CASES["pipeline"]["output"], atol=1e-4)
    # at inference the random and training-only layers pass through; AutoContrast applies (as in Keras)
    np.testing.assert_allclose(pipe(t(BIG), training=False).numpy(), layers.AutoContrast()(t(BIG)).numpy())


def _tensor_transforms(transforms):
    out = {}
    for name, transformation in transforms.items():
        out[name] = {
            key: t(value, torch.uint8 if key == "shift_factor" else torch.float32).reshape(
                (-1, 1, 1, 1)
                if key in ("rgb_delta", "contrast_factor", "factor", "additions", "thresholds")
                and name not in ("random_sharpness",)
                else (-1,)
            )
            for key, value in transformation.items()
        }
    return out


@pytest.mark.parametrize("name", ["rand_augment_a", "rand_augment_b", "rand_augment_c", "rand_augment_d"])
def test_rand_augment_applies_the_chosen_operations_as_keras(name):
    layer = layers.RandAugment(num_ops=2, factor=0.5, seed=3)
    case = CASES[name]
    transformation = {
        "transforms": _tensor_transforms(case["transforms"]),
        "layer_idxes": torch.tensor(case["layer_idxes"]),
    }
    out = layer.transform_images(t(X), transformation)
    np.testing.assert_allclose(out.numpy(), case["output"], rtol=1e-5, atol=2e-4)
    check_config(layer, CASES["rand_augment_config"]["config"])


def test_aug_mix_mixes_chains_as_keras():
    layer = layers.AugMix(num_chains=3, chain_depth=2, factor=0.4, alpha=0.7, seed=5)
    case = CASES["aug_mix"]
    chains = [
        [
            {
                "layer_name": step["layer_name"],
                "transformation": None
                if step["transformation"] is None
                else _tensor_transforms({step["layer_name"]: step["transformation"]})[step["layer_name"]],
            }
            for step in chain
        ]
        for chain in case["chain_transforms"]
    ]
    transformation = {"chain_mixing_weights": t([0.2, 0.5, 0.3]), "weight_sample": t(0.4), "chain_transforms": chains}
    np.testing.assert_allclose(layer.transform_images(t(X), transformation).numpy(), case["output"], atol=2e-4)
    check_config(layer, case["config"])


def test_color_jitter_config_matches_keras_and_chains_its_steps():
    kwargs = {"value_range": (0, 1), "brightness_factor": 0.2, "contrast_factor": (0.1, 0.3), "hue_factor": 0.4}
    layer = layers.RandomColorJitter(**kwargs, seed=9)
    check_config(layer, CASES["color_jitter_config"]["config"])
    images = t(X01)
    transformation = layer.get_random_transformation(images)
    assert sorted(transformation) == ["random_brightness", "random_contrast", "random_hue"]
    expected = images
    for step in ("random_brightness", "random_contrast", "random_hue"):
        expected = getattr(layer, step).transform_images(expected, transformation[step])
    np.testing.assert_allclose(layer.transform_images(images, transformation).numpy(), expected.numpy())
    assert not torch.allclose(expected, images)


# ---- draws -------------------------------------------------------------------------------------------------


def _draws(layer, key, n=64):
    return layer.get_random_transformation(torch.zeros(n, 4, 4, 3))[key].reshape(n).float()


def test_draws_fall_in_keras_ranges():
    contrast = _draws(layers.RandomContrast((0.2, 0.5), seed=1), "contrast_factor")
    assert contrast.min() >= 0.8 and contrast.max() <= 1.5 and contrast.std() > 0.05
    brightness = _draws(layers.RandomBrightness((-0.2, 0.1), value_range=(0, 10), seed=1), "rgb_delta")
    assert brightness.min() >= -2.0 and brightness.max() <= 1.0
    hue = _draws(layers.RandomHue((0.2, 0.6), seed=1), "factor")
    assert hue.abs().min() >= 0.1 and hue.abs().max() <= 0.3 and (hue < 0).any() and (hue > 0).any()
    saturation = _draws(layers.RandomSaturation((0.25, 0.75), seed=1), "factor")
    assert saturation.min() >= 1 / 3 - 1e-5 and saturation.max() <= 3.0 + 1e-4
    shifts = _draws(layers.RandomPosterization(5, seed=1), "shift_factor")
    assert set(shifts.tolist()) == {4.0, 5.0, 6.0, 7.0}  # bits drawn from [1, 5)
    fixed = _draws(layers.RandomPosterization((3, 3), seed=1), "shift_factor")
    assert set(fixed.tolist()) == {5.0}
    invert = _draws(layers.RandomInvert(seed=1), "apply_inversion", n=400)
    assert 0.35 < invert.mean() < 0.65  # factor 1.0 means the range [0, 1]: about half
    assert _draws(layers.RandomInvert((1.0, 1.0)), "apply_inversion").all()
    solar = layers.Solarization(addition_factor=(0.2, 0.4), threshold_factor=0.5, seed=1)
    drawn = solar.get_random_transformation(torch.zeros(64, 4, 4, 3))
    assert drawn["additions"].min() >= 0.2 and drawn["additions"].max() <= 0.4 * 255
    assert drawn["thresholds"].min() >= 0.0 and drawn["thresholds"].max() <= 0.5 * 255
    blur = layers.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(0.3, 0.6), seed=1).get_random_transformation(
        torch.zeros(8, 4, 4, 3)
    )
    assert blur["should_apply_blur"].all() and blur["blur_factor"].shape == (2,)
    assert blur["blur_factor"].min() >= 0.3 and blur["blur_factor"].max() <= 0.6 + 1e-5
    mix = layers.MixUp(alpha=0.5, seed=1).get_random_transformation(torch.zeros(32, 4, 4, 3))
    assert sorted(mix["permutation_order"].tolist()) == list(range(32))
    assert mix["mix_weight"].min() >= 0 and mix["mix_weight"].max() <= 1
    cut = layers.CutMix(seed=2).get_random_transformation(torch.zeros(16, 10, 10, 3))
    area = cut["batch_masks"].float().sum(dim=(1, 2, 3))
    np.testing.assert_allclose(cut["mix_weight"].numpy(), 1 - area.numpy() / 100, atol=0.25)


def test_keras_factor_parsing():
    assert layers.RandomSaturation(0.5).factor == (-0.5, 0.5)
    assert layers.RandomColorDegeneration(0.3).factor == (-0.3, 0.3)
    assert layers.RandomInvert().factor == (0, 1.0)
    assert layers.RandomPosterization(4).factor == (1, 4)
    assert layers.RandomGaussianBlur().sigma == (0, 1.0) and layers.RandomGaussianBlur().kernel_size == (3, 3)
    assert layers.RandAugment().factor == (0, 0.5) and layers.RandAugment().random_posterization.factor == (1, 4)
    assert layers.Solarization(addition_factor=0.3).addition_factor == (0, 0.3)
    assert layers.RandomErasing(scale=0.4).scale == (0, 0.4)


RANDOM_LAYERS = {
    "contrast": lambda seed: layers.RandomContrast(0.5, seed=seed),
    "brightness": lambda seed: layers.RandomBrightness(0.5, seed=seed),
    "hue": lambda seed: layers.RandomHue(0.5, seed=seed),
    "saturation": lambda seed: layers.RandomSaturation((0.1, 0.9), seed=seed),
    "jitter": lambda seed: layers.RandomColorJitter(
        brightness_factor=0.3, contrast_factor=0.3, saturation_factor=(0.3, 0.7), hue_factor=0.3, seed=seed
    ),
    "degeneration": lambda seed: layers.RandomColorDegeneration(0.9, seed=seed),
    "grayscale": lambda seed: layers.RandomGrayscale(0.5, seed=seed),
    "invert": lambda seed: layers.RandomInvert(seed=seed),
    "posterization": lambda seed: layers.RandomPosterization((1, 6), seed=seed),
    "sharpness": lambda seed: layers.RandomSharpness((0.0, 1.0), seed=seed),
    "solarization": lambda seed: layers.Solarization(0.5, 0.5, seed=seed),
    "gaussian_blur": lambda seed: layers.RandomGaussianBlur(0.8, kernel_size=5, sigma=(0.2, 1.0), seed=seed),
    "erasing": lambda seed: layers.RandomErasing(seed=seed),
    "mix_up": lambda seed: layers.MixUp(seed=seed),
    "cut_mix": lambda seed: layers.CutMix(seed=seed),
    "rand_augment": lambda seed: layers.RandAugment(num_ops=3, factor=0.6, seed=seed),
    "aug_mix": lambda seed: layers.AugMix(seed=seed),
}


@pytest.mark.parametrize("kind", sorted(RANDOM_LAYERS))
def test_seeded_layers_reproduce_and_vary_and_are_identity_at_inference(kind):
    images = t(np.concatenate([X, X[::-1] * 0.5, X01 * 100]))
    first, second = RANDOM_LAYERS[kind](11), RANDOM_LAYERS[kind](11)
    out1, out2 = first(images), second(images)  # a direct call augments, as Keras's does
    assert out1.shape == images.shape and out1.dtype == torch.float32
    np.testing.assert_array_equal(out1.numpy(), out2.numpy())
    changed = [not torch.allclose(out, images) for out in [out1] + [first(images) for _ in range(4)]]
    assert any(changed)
    assert any(not torch.allclose(first(images), out1) for _ in range(4))  # successive calls draw anew
    np.testing.assert_array_equal(first(images, training=False).numpy(), images.numpy())
    single = first(images[0])  # a single image works too
    assert single.shape == images[0].shape


def test_layers_follow_the_model_learning_phase_in_fit_and_predict(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            layers.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.2, seed=1),
            layers.RandomSharpness(0.5, seed=2),
            layers.RandAugment(num_ops=1, seed=3),
            layers.AutoContrast(),
            layers.Rescaling(1 / 255.0),
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(X, np.ones((2, 2), "float32"), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    preds = model.predict(X, verbose=0)
    np.testing.assert_allclose(model.predict(X, verbose=0), preds)  # predict: augmentation off, deterministic
    assert not np.allclose(model(t(X), training=True).detach().numpy(), preds)  # training: augmented
    for suffix in ("keras", "h5"):
        path = tmp_path / f"model.{suffix}"
        model.save(path)
        loaded = keras.models.load_model(path)
        np.testing.assert_allclose(loaded.predict(X, verbose=0), preds, rtol=1e-5, atol=1e-5)
        assert [type(layer).__name__ for layer in loaded.layers][:4] == [
            "RandomColorJitter",
            "RandomSharpness",
            "RandAugment",
            "AutoContrast",
        ]


ALL_LAYERS = {
    **{k: (lambda make: lambda: make(5))(v) for k, v in RANDOM_LAYERS.items()},
    "auto_contrast": lambda: layers.AutoContrast(value_range=(0, 1)),
    "equalization": lambda: layers.Equalization(bins=32, data_format="channels_first"),
    "clahe": lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=3.0, tile_grid_size=(2, 4)),
    "max_boxes": lambda: layers.MaxNumBoundingBoxes(4, fill_value=0, bounding_box_format="xyxy"),
    "solarization_pairs": lambda: layers.Solarization((0.1, 0.2), (0.3, 0.9), value_range=(0, 1)),
    "erasing_fill": lambda: layers.RandomErasing(0.4, scale=(0.1, 0.2), fill_value=[1, 2, 3]),
}


@pytest.mark.parametrize("kind", sorted(ALL_LAYERS))
def test_config_round_trip(kind):
    layer = ALL_LAYERS[kind]()
    rebuilt = layers.deserialize(json.loads(json.dumps(layers.serialize(layer))))
    assert type(rebuilt) is type(layer)
    assert json.dumps(rebuilt.get_config()) == json.dumps(layer.get_config())


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.RandomContrast(1.5), "factor"),
        (lambda: layers.RandomContrast((0.1, 0.2, 0.3)), "factor"),
        (lambda: layers.RandomBrightness(0.2, value_range=(0, 1, 2)), "value_range"),
        (lambda: layers.RandomHue("big"), "factor"),
        (lambda: layers.RandomGrayscale(1.2), "factor"),
        (lambda: layers.RandomPosterization(9), "factor"),
        (lambda: layers.RandomSharpness(-0.1), "factor"),
        (lambda: layers.Solarization(addition_factor=2), "addition_factor"),
        (lambda: layers.RandomGaussianBlur(kernel_size=4), "kernel_size"),
        (lambda: layers.RandomGaussianBlur(sigma=3.0), "sigma"),
        (lambda: layers.RandomErasing(scale=(0.1, 0.2, 0.3)), "scale"),
        (lambda: layers.RandomErasing(fill_value="zero"), "fill_value"),
        (lambda: layers.MixUp(alpha=0), "alpha"),
        (lambda: layers.CutMix(factor=1.5), "factor"),
        (lambda: layers.Equalization(bins=1), "bins"),
        (lambda: layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2)), "tile_grid_size"),
        (lambda: layers.RandAugment(num_ops=-1), "num_ops"),
        (lambda: layers.AugMix(chain_depth=0), "chain_depth"),
        (lambda: layers.Pipeline("not layers"), "layers"),
    ],
)
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    "layer",
    [
        layers.RandomHue(0.3),
        layers.RandomSaturation(0.3),
        layers.RandomColorDegeneration(0.3),
        layers.RandomGrayscale(),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_rgb_layers_reject_other_channel_counts_and_ranks(layer):
    with pytest.raises(ValueError, match=r"channels.*shape=\(2, 8, 8, 4\)"):
        layer(torch.zeros(2, 8, 8, 4))
    with pytest.raises(ValueError, match="rank 3"):
        layer(torch.zeros(8, 8))


def test_dict_inputs_keep_masks_for_colour_layers_and_mix_labels():
    masks = torch.randint(0, 3, (2, 8, 8, 1)).float()
    out = layers.RandomContrast(0.5, seed=1)({"images": t(X), "segmentation_masks": masks, "labels": t(LABELS)})
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks.numpy())
    np.testing.assert_array_equal(out["labels"].numpy(), LABELS)
    mixed = layers.MixUp(seed=1)({"images": t(X), "labels": t(LABELS)})
    np.testing.assert_allclose(mixed["labels"].sum(dim=1).numpy(), [1.0, 1.0], rtol=1e-6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_layers_run_on_the_input_device():
    images = t(X).cuda()
    for kind, make in sorted(ALL_LAYERS.items()):
        if kind == "max_boxes":
            continue
        out = make()(images)
        assert out.device == images.device, kind
