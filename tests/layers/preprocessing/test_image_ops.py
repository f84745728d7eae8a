"""keras.ops.image against Keras 3.15 on its TensorFlow backend.

The reference numbers are in tests/fixtures/preprocessing_image_layers/image_ops.npz, written by
make_image_ops_fixtures.py beside it with real Keras (KERAS_BACKEND=tensorflow); map_coordinates' mirror/reflect
modes are checked against scipy.ndimage there (Keras's TensorFlow backend fails on them; its JAX and torch backends
follow scipy).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

import kerasish
from kerasish import ops

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "preprocessing_image_layers", "image_ops.npz")
DATA = np.load(FIXTURE)
CASES = json.loads(str(DATA["cases"]))


def _tolerance(name: str) -> dict:
    if "u8" in name:
        return {"atol": 1.0, "rtol": 0}  # integer outputs: one step where TensorFlow's float rounding differs
    if name.startswith(("affine", "perspective")) and "bilinear" in name or name == "affine_cf":
        return {"atol": 2e-5, "rtol": 1e-5}
    return {"atol": 1e-5, "rtol": 1e-5}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    name, op, inputs, kwargs = case
    args = [torch.as_tensor(DATA[f"input:{i}"]) for i in inputs]
    for key in ("size", "kernel_size", "sigma", "strides", "output_shape", "spatial_dims"):
        if isinstance(kwargs.get(key), list):
            kwargs[key] = tuple(kwargs[key])
    result = getattr(ops.image, op)(*args, **kwargs)
    expected = DATA[name]
    assert tuple(result.shape) == expected.shape
    assert str(result.dtype).replace("torch.", "") == str(expected.dtype)
    np.testing.assert_allclose(result.numpy().astype(np.float64), expected.astype(np.float64), **_tolerance(name))


def test_image_is_an_ops_namespace():
    assert kerasish.ops.image.resize is ops.image.resize
    assert "image" in kerasish.ops.__all__


def test_affine_identity_and_translation_by_hand():
    images = torch.arange(2 * 4 * 5 * 1, dtype=torch.float32).reshape(2, 4, 5, 1)
    identity = torch.tensor([1, 0, 0, 0, 1, 0, 0, 0], dtype=torch.float32)
    torch.testing.assert_close(ops.image.affine_transform(images, identity), images)
    # Output pixel x reads input x + 1: a shift left, the last column filled.
    shift = torch.tensor([1, 0, 1, 0, 1, 0, 0, 0], dtype=torch.float32)
    out = ops.image.affine_transform(images, shift, fill_value=-1.0, interpolation="nearest")
    torch.testing.assert_close(out[:, :, :4], images[:, :, 1:])
    assert (out[:, :, 4] == -1).all()


def test_elastic_transform_is_seeded_and_smooth():
    images = torch.rand(2, 12, 12, 3)
    a = ops.image.elastic_transform(images, alpha=3.0, sigma=2.0, seed=3)
    b = ops.image.elastic_transform(images, alpha=3.0, sigma=2.0, seed=3)
    c = ops.image.elastic_transform(images, alpha=3.0, sigma=2.0, seed=4)
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, c)
    assert a.shape == images.shape
    # alpha=0: no displacement, every pixel reads itself.
    torch.testing.assert_close(ops.image.elastic_transform(images, alpha=0.0, seed=1), images)


def test_map_coordinates_integer_coordinates_gather():
    x = torch.arange(12.0).reshape(3, 4)
    coords = torch.tensor([[0, 2, 1], [3, 0, 1]])
    torch.testing.assert_close(ops.image.map_coordinates(x, coords, 0), torch.tensor([3.0, 8.0, 5.0]))


def test_resize_on_symbolic_input_joins_a_model():
    inputs = kerasish.Input((8, 6, 3))
    outputs = ops.image.resize(inputs, (4, 3))
    assert tuple(outputs.shape) == (None, 4, 3, 3)
    model = kerasish.Model(inputs, outputs)
    x = torch.rand(2, 8, 6, 3)
    torch.testing.assert_close(model(x), ops.image.resize(x, (4, 3)))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ops.image.resize(torch.rand(4, 4), (2, 2)), "rank"),
        (lambda: ops.image.resize(torch.rand(1, 4, 4, 1), (0, 2)), "positive"),
        (lambda: ops.image.resize(torch.rand(1, 4, 4, 1), (2, 2), interpolation="cubic"), "interpolation"),
        (lambda: ops.image.affine_transform(torch.rand(1, 4, 4, 1), torch.zeros(7)), "transform"),
        (lambda: ops.image.affine_transform(torch.rand(1, 4, 4, 1), torch.zeros(8), fill_mode="mirror"), "fill_mode"),
        (lambda: ops.image.rgb_to_hsv(torch.ones(1, 4, 4, 3, dtype=torch.int32)), "dtype"),
        (lambda: ops.image.rgb_to_grayscale(torch.rand(1, 4, 4, 2)), "channel"),
        (lambda: ops.image.crop_images(torch.rand(1, 4, 4, 1), 1, 1, 1, 1, 2, 2), "exactly two"),
        (lambda: ops.image.pad_images(torch.rand(1, 4, 4, 1), 1, 1, target_height=3, target_width=8), ">= 0"),
        (lambda: ops.image.map_coordinates(torch.rand(3, 3), torch.rand(3, 2), 1), "rank of `inputs`"),
        (lambda: ops.image.map_coordinates(torch.rand(3, 3), torch.rand(2, 2), 3), "order"),
        (
            lambda: ops.image.perspective_transform(torch.rand(1, 4, 4, 1), torch.zeros(3, 2), torch.zeros(3, 2)),
            "(4,2)",
        ),
        (lambda: ops.image.scale_and_translate(torch.rand(4, 4), (2, 2), [1, 1], [0, 0], (0, 1), "box"), "method"),
    ],
)
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_image_ops_in_a_functional_model_save_and_load(tmp_path):
    inputs = kerasish.Input((8, 6, 3))
    hsv = ops.image.rgb_to_hsv(ops.image.resize(inputs, (4, 3), interpolation="bicubic"))
    model = kerasish.Model(inputs, ops.image.gaussian_blur(hsv, kernel_size=(3, 3), sigma=(1.0, 1.0)))
    config = model.get_config()
    class_names = [layer["class_name"] for layer in config["layers"]]
    assert class_names == ["InputLayer", "Resize", "RGBToHSV", "GaussianBlur"]  # Keras's op class names
    path = str(tmp_path / "ops.keras")
    model.save(path)
    loaded = kerasish.models.load_model(path)
    x = torch.rand(2, 8, 6, 3)
    torch.testing.assert_close(loaded(x), model(x))
