"""load_img, img_to_array, array_to_img, save_img and smart_resize, against Keras 3's numbers
(tests/fixtures/preprocessing_image/make_image_fixtures.py made them)."""

import io
import json
import os
import pathlib

import numpy as np
import pytest
import torch
from PIL import Image

import kerasish
from kerasish import config, utils
from kerasish.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize

FIXTURES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "preprocessing_image" / "image_fixtures.json").read_text()
)


@pytest.fixture
def png(tmp_path):
    """The PNG file the Keras references loaded: 6x10 RGB."""
    path = tmp_path / "img1.png"
    Image.fromarray(np.array(FIXTURES["folder_images"][1], dtype="uint8")).save(path)
    return path


@pytest.mark.parametrize("case", range(len(FIXTURES["load_img"])))
def test_load_img_matches_keras(png, case):
    case = FIXTURES["load_img"][case]
    kwargs = dict(case["kwargs"])
    if "target_size" in kwargs:
        kwargs["target_size"] = tuple(kwargs["target_size"])
    x = img_to_array(load_img(png, **kwargs)).astype("uint8")
    np.testing.assert_array_equal(x, np.array(case["out"]))


def test_load_img_sources_and_modes(png):
    pixels = np.array(FIXTURES["folder_images"][1], dtype="uint8")
    for source in (str(png), png, os.fsencode(png), io.BytesIO(png.read_bytes())):
        np.testing.assert_array_equal(np.asarray(load_img(source)), pixels)
    assert load_img(png, color_mode="grayscale").mode == "L"
    assert load_img(png, color_mode="rgba").mode == "RGBA"
    assert load_img(png, target_size=(3, 4)).size == (4, 3)  # PIL sizes are (width, height)
    with pytest.raises(TypeError, match="path should be path-like"):
        load_img(42)


def test_load_img_keep_aspect_ratio_crops_the_center(tmp_path):
    # A 4x8 image whose left and right quarters are black: the centered 4x4 crop is all white.
    pixels = np.zeros((4, 8, 3), dtype="uint8")
    pixels[:, 2:6] = 255
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    cropped = np.asarray(load_img(tmp_path / "wide.png", target_size=(2, 2), keep_aspect_ratio=True))
    assert (cropped == 255).all()
    stretched = np.asarray(load_img(tmp_path / "wide.png", target_size=(2, 2)))
    assert (stretched == 0).any()


def test_load_img_rejects_a_file_that_is_not_an_image(tmp_path):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(ValueError, match="notes.png"):
        load_img(bad)
    truncated = tmp_path / "truncated.png"
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((32, 32, 3), dtype="uint8") + 7).save(buffer, format="PNG")
    truncated.write_bytes(buffer.getvalue()[:60])
    with pytest.raises(ValueError, match="truncated.png"):
        load_img(truncated)


def test_load_img_rejects_bad_arguments_before_reading(tmp_path):
    missing = tmp_path / "missing.png"  # never opened: the arguments fail first
    with pytest.raises(ValueError, match="color_mode"):
        load_img(missing, color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation method 'cubic'"):
        load_img(missing, target_size=(2, 2), interpolation="cubic")


def test_img_to_array_layouts_and_dtype():
    pixels = np.arange(24, dtype="uint8").reshape(2, 4, 3)
    img = Image.fromarray(pixels)
    x = img_to_array(img)
    assert x.dtype == np.float32 and x.shape == (2, 4, 3)
    np.testing.assert_array_equal(x, pixels)
    np.testing.assert_array_equal(img_to_array(img, data_format="channels_first"), pixels.transpose(2, 0, 1))
    assert img_to_array(img, dtype="uint8").dtype == np.uint8
    gray = Image.fromarray(pixels[:, :, 0])
    assert img_to_array(gray).shape == (2, 4, 1)
    assert img_to_array(gray, data_format="channels_first").shape == (1, 2, 4)
    with pytest.raises(ValueError, match="data_format"):
        img_to_array(img, data_format="channels_middle")


def test_img_to_array_follows_the_global_settings():
    img = Image.fromarray(np.zeros((2, 3, 3), dtype="uint8"))
    config.set_image_data_format("channels_first")
    config.set_floatx("float64")
    try:
        x = img_to_array(img)
    finally:
        config.set_image_data_format("channels_last")
        config.set_floatx("float32")
    assert x.shape == (3, 2, 3) and x.dtype == np.float64


def test_array_to_img_scales_to_0_255():
    x = np.array([[[-1.0], [0.0]], [[1.0], [3.0]]])  # min -1, max 3
    img = array_to_img(x)
    assert img.mode == "L"
    np.testing.assert_array_equal(np.asarray(img), [[0, 63], [127, 255]])  # (x + 1) / 4 * 255, truncated
    np.testing.assert_array_equal(np.asarray(array_to_img(x * 10 + 20, scale=False)), [[10, 20], [30, 50]])
    assert array_to_img(np.zeros((2, 2, 3))).mode == "RGB"
    assert array_to_img(np.zeros((4, 2, 2)), data_format="channels_first").mode == "RGBA"
    assert array_to_img(np.full((2, 2, 1), 1000.0), scale=False).mode == "I"  # beyond 8 bits: 32-bit grayscale
    with pytest.raises(ValueError, match="Unsupported channel number: 2"):
        array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))


def test_array_round_trip_through_save_and_load(tmp_path):
    pixels = np.arange(48, dtype="float32").reshape(4, 4, 3) * 5
    save_img(tmp_path / "x.png", pixels, scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "x.png")), pixels)
    save_img(tmp_path / "x_cf.png", pixels.transpose(2, 0, 1), data_format="channels_first", scale=False)
    np.testing.assert_array_equal(img_to_array(load_img(tmp_path / "x_cf.png")), pixels)


def test_save_img_is_atomic_and_checks_the_format_first(tmp_path):
    target = tmp_path / "keep.png"
    save_img(target, np.zeros((2, 2, 3)))
    before = target.read_bytes()
    with pytest.raises(ValueError, match="Unsupported channel number"):
        save_img(target, np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="Unknown image format 'xyz'"):
        save_img(tmp_path / "x.xyz", np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="Cannot tell which image format"):
        save_img(tmp_path / "noext", np.zeros((2, 2, 3)))
    with pytest.raises(TypeError):  # Pillow rejects the option; the file on disk is untouched
        save_img(target, np.ones((2, 2, 3)), no_such_option=object(), compress_level="high")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.png"]


def test_save_img_formats_and_file_objects(tmp_path):
    rgba = np.random.default_rng(0).random((4, 4, 4))
    save_img(tmp_path / "a.jpg", rgba)  # JPEG has no alpha: written as RGB
    assert Image.open(tmp_path / "a.jpg").mode == "RGB"
    buffer = io.BytesIO()
    save_img(buffer, rgba, file_format="png")
    assert Image.open(io.BytesIO(buffer.getvalue())).mode == "RGBA"
    with pytest.raises(ValueError, match="file_format"):
        save_img(io.BytesIO(), rgba)


@pytest.mark.parametrize("case", range(len(FIXTURES["smart_resize"])))
def test_smart_resize_matches_keras_on_tensorflow(case):
    case = FIXTURES["smart_resize"][case]
    x = np.array(case["x"], dtype=case["dtype"])
    out = smart_resize(x, tuple(case["size"]), interpolation=case["interpolation"], data_format=case["data_format"])
    assert isinstance(out, np.ndarray) and out.dtype == np.dtype(case["out_dtype"])
    expected = np.array(case["out"], dtype=case["out_dtype"])
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-4)


def test_smart_resize_crops_the_center_then_resizes():
    x = np.zeros((4, 12, 1), dtype="float32")
    x[:, 4:8] = 1.0  # the centered 4x4 crop of the wide image
    np.testing.assert_array_equal(smart_resize(x, (2, 2)), np.ones((2, 2, 1)))


def test_smart_resize_keeps_torch_tensors_and_checks_its_input():
    x = torch.arange(2 * 6 * 4 * 3, dtype=torch.float32).reshape(2, 6, 4, 3)
    out = smart_resize(x, (3, 3))
    assert isinstance(out, torch.Tensor) and out.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(out.numpy(), smart_resize(x.numpy(), (3, 3)))
    with pytest.raises(ValueError, match="incorrect rank"):
        smart_resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="tuple of 2 integers"):
        smart_resize(np.zeros((4, 4, 3)), (2, 2, 2))
    with pytest.raises(ValueError, match="unsupported interpolation 'area'"):
        smart_resize(np.zeros((4, 4, 3)), (2, 2), interpolation="area")


def test_exported_as_keras_utils_and_keras_preprocessing_image():
    from kerasish.preprocessing import image

    for name in ("load_img", "img_to_array", "array_to_img", "save_img", "smart_resize"):
        assert getattr(utils, name) is getattr(image, name) is getattr(kerasish.utils.image_utils, name)
        assert name in utils.__all__
