"""image_dataset_from_directory against Keras 3.15's outputs on a small folder
(tests/fixtures/dataset_utils/make_dataset_utils_fixtures.py recorded them with TensorFlow, Keras's default).

`format="tf"` must give Keras's tensors exactly. `format="torch"` decodes with Pillow and resizes in torch: equal
to TensorFlow's numbers for PNG, BMP and GIF; for JPEG, equal to TensorFlow's decoder with its accurate IDCT
(TensorFlow's default, the fast IDCT, differs by a few levels); grayscale conversion is Pillow's (within one level
of TensorFlow's PNG decoder).
"""

import json
import os
import pathlib

import numpy as np
import pytest
import torch
from PIL import Image

import kerasish as keras
from kerasish.utils import image_dataset_from_directory

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "dataset_utils"
REFERENCE = json.loads((FIXTURES / "keras_reference.json").read_text())
ARRAYS = np.load(FIXTURES / "keras_reference.npz")
FORMATS = ["torch", "tf", "grain"]


@pytest.fixture
def in_fixtures(monkeypatch):
    monkeypatch.chdir(FIXTURES)  # Keras's paths were recorded relative to the fixture folder


def needs(format):
    if format == "tf":
        pytest.importorskip("tensorflow")
    elif format == "grain":
        pytest.importorskip("grain")


def pixel_kwargs(name):
    kwargs = dict(REFERENCE["image_pixels"][name]["kwargs"])
    kwargs["image_size"] = tuple(kwargs["image_size"])
    return kwargs


def first_batch(dataset, format):
    if format == "tf":
        return tuple(part.numpy() for part in next(iter(dataset)))
    return tuple(np.asarray(part) for part in next(iter(dataset)))


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("case", range(len(REFERENCE["index"])))
def test_files_classes_and_split_match_keras(in_fixtures, capsys, format, case):
    needs(format)
    entry = REFERENCE["index"][case]
    kwargs = dict(entry["kwargs"], image_size=tuple(entry["kwargs"]["image_size"]))
    result = image_dataset_from_directory("images", format=format, **kwargs)
    datasets = result if isinstance(result, list) else [result]
    assert [ds.file_paths for ds in datasets] == entry["file_paths"]
    assert all(ds.class_names == entry["class_names"] for ds in datasets)
    assert capsys.readouterr().out == entry["messages"]


@pytest.mark.parametrize("name", sorted(REFERENCE["image_pixels"]))
def test_tf_format_gives_keras_tensors(in_fixtures, name):
    pytest.importorskip("tensorflow")
    ds = image_dataset_from_directory(
        "images", shuffle=False, batch_size=64, format="tf", verbose=False, **pixel_kwargs(name)
    )
    x, y = first_batch(ds, "tf")
    expected_x, expected_y = ARRAYS[f"image_{name}_x"], ARRAYS[f"image_{name}_y"]
    assert x.dtype == expected_x.dtype and y.dtype == expected_y.dtype
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y, expected_y)


@pytest.mark.parametrize("format", ["torch", "grain"])
@pytest.mark.parametrize("name", sorted(REFERENCE["image_pixels"]))
def test_torch_format_gives_tensorflows_numbers(in_fixtures, format, name):
    needs(format)
    ds = image_dataset_from_directory(
        "images", shuffle=False, batch_size=64, format=format, verbose=False, **pixel_kwargs(name)
    )
    x, y = first_batch(ds, format)
    expected_x, expected_y = ARRAYS[f"image_{name}_x"], ARRAYS[f"image_{name}_y"]
    assert x.dtype == expected_x.dtype and x.shape == expected_x.shape  # uint8 for nearest, as TensorFlow gives
    np.testing.assert_array_equal(y, expected_y)
    assert y.dtype == expected_y.dtype
    for path, image, expected in zip(ds.file_paths, x.astype("float64"), expected_x.astype("float64")):
        if path.endswith(".jpg"):  # TensorFlow's fast IDCT against Pillow's accurate one
            assert np.abs(image - expected).max() <= 6 and np.abs(image - expected).mean() < 1.5, path
        elif "color_mode" in pixel_kwargs(name):  # Pillow's grayscale conversion; TensorFlow's PNG one rounds down
            np.testing.assert_allclose(image, expected, atol=1.0 + 1e-4, err_msg=path)
        else:
            np.testing.assert_allclose(image, expected, atol=1e-4, err_msg=path)


def test_jpeg_decodes_as_tensorflows_accurate_idct(in_fixtures):
    ds = image_dataset_from_directory(
        "images/class_a", labels=None, shuffle=False, image_size=(8, 10), format="torch", verbose=False
    )
    jpeg = ds.file_paths.index("images/class_a/a2.jpg")
    np.testing.assert_allclose(ds[0][jpeg].numpy(), ARRAYS["jpeg_accurate_bilinear"], atol=1e-4)


def test_bicubic_is_torchs_as_on_keras_torch_backend(in_fixtures):
    ds = image_dataset_from_directory(
        "images/class_c",
        labels=None,
        shuffle=False,
        image_size=(8, 10),
        interpolation="bicubic",
        format="torch",
        verbose=False,
    )
    pixels = np.array(Image.open(ds.file_paths[0]).convert("RGB"))
    expected = torch.nn.functional.interpolate(
        torch.from_numpy(pixels).permute(2, 0, 1)[None].float(), size=(8, 10), mode="bicubic", align_corners=False
    )[0].permute(1, 2, 0)
    np.testing.assert_allclose(ds[0][0].numpy(), expected.numpy(), atol=1e-4)


@pytest.mark.parametrize("format", ["torch", "grain"])
def test_unlabeled_and_unbatched(in_fixtures, format):
    needs(format)
    ds = image_dataset_from_directory(
        "images", labels=None, shuffle=False, image_size=(8, 10), format=format, verbose=False
    )
    x = np.concatenate([np.asarray(batch) for batch in ds])
    expected = ARRAYS["image_unlabeled_x"]
    assert x.shape == expected.shape == (13, 8, 10, 3)
    non_jpeg = [i for i, p in enumerate(ds.file_paths) if not p.endswith(".jpg")]
    np.testing.assert_allclose(x[non_jpeg], expected[non_jpeg], atol=1e-4)
    single = image_dataset_from_directory(
        "images", shuffle=False, batch_size=None, image_size=(8, 10), format=format, verbose=False
    )
    image, label = next(iter(single))
    assert tuple(image.shape) == (8, 10, 3) and int(label) == 0 and tuple(label.shape) == ()


def test_torch_format_is_a_pydataset_of_torch_tensors(in_fixtures):
    ds = image_dataset_from_directory(
        "images", seed=42, image_size=(8, 10), batch_size=5, format="torch", label_mode="categorical", verbose=False
    )
    assert isinstance(ds, keras.utils.PyDataset) and len(ds) == 3
    x, y = ds[2]
    assert isinstance(x, torch.Tensor) and x.dtype == torch.float32 and tuple(x.shape) == (2, 8, 10, 3)
    assert tuple(y.shape) == (2, 3) and y.dtype == torch.float32
    # Batches follow file_paths, Keras's shuffled order: batch 2 holds files 10 and 11.
    classes = [ds.class_names.index(p.split(os.sep)[1]) for p in ds.file_paths[10:]]
    assert y.argmax(1).tolist() == classes
    first = image_dataset_from_directory(
        "images", seed=42, image_size=(8, 10), batch_size=5, format="torch", verbose=False, data_format="channels_first"
    )
    np.testing.assert_array_equal(first[2][0].numpy(), x.permute(0, 3, 1, 2).numpy())


def test_grain_format_shuffles_as_keras_grain(in_fixtures):
    grain = pytest.importorskip("grain")
    ds = image_dataset_from_directory(
        "images", seed=42, image_size=(8, 10), batch_size=None, format="grain", verbose=False
    )
    assert isinstance(ds, grain.IterDataset)
    # Keras's grain pipeline shuffles the shuffled index again with grain's seeded shuffle.
    order = list(grain.MapDataset.source(list(range(12))).shuffle(seed=42))
    unshuffled = image_dataset_from_directory(
        "images", seed=42, image_size=(8, 10), batch_size=12, format="torch", verbose=False
    )[0][0]
    images = torch.stack([image for image, _ in ds])
    np.testing.assert_array_equal(images.numpy(), unshuffled[order].numpy())


def test_fit_loads_batches_in_worker_processes_with_the_same_numbers(in_fixtures):
    def train(**loading):
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((8, 10, 3)),
                keras.layers.Rescaling(1 / 255),
                keras.layers.Conv2D(4, 3, activation="relu"),
                keras.layers.GlobalAveragePooling2D(),
                keras.layers.Dense(3),
            ]
        )
        model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        ds = image_dataset_from_directory(
            "images", seed=1, image_size=(8, 10), batch_size=4, format="torch", verbose=False
        )
        history = model.fit(ds, epochs=2, shuffle=False, verbose=0, **loading)
        return history.history["loss"], [w.copy() for w in model.get_weights()]

    serial_loss, serial_weights = train(workers=0)
    loss, weights = train(workers=2, use_multiprocessing=True)
    assert np.isfinite(serial_loss).all()
    assert loss == serial_loss
    for w, expected in zip(weights, serial_weights):
        np.testing.assert_array_equal(w, expected)


def test_validation_subsets_feed_fit(in_fixtures):
    train, val = image_dataset_from_directory(
        "images",
        seed=42,
        image_size=(8, 10),
        validation_split=0.25,
        subset="both",
        batch_size=4,
        format="torch",
        verbose=False,
    )
    assert len(train) == 3 and len(val) == 1 and not set(train.file_paths) & set(val.file_paths)
    model = keras.Sequential([keras.Input((8, 10, 3)), keras.layers.Flatten(), keras.layers.Dense(3)])
    model.compile(
        optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"]
    )
    history = model.fit(train, validation_data=val, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


# --- bad input ---------------------------------------------------------------------------------------------------


def test_folder_without_class_subfolders(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "loose.png")
    with pytest.raises(
        ValueError,
        match="No images found in directory .*Allowed formats: .*each class is a subfolder of .* and it has none",
    ):
        image_dataset_from_directory(tmp_path, format="torch", verbose=False)
    ds = image_dataset_from_directory(tmp_path, labels=None, image_size=(2, 2), format="torch", verbose=False)
    assert tuple(ds[0].shape) == (1, 2, 2, 3)
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match=r"^No images found in directory .*'\.png'\)$"):
        image_dataset_from_directory(tmp_path, format="torch", verbose=False)


def test_a_file_that_is_not_an_image_is_named_when_its_batch_loads(tmp_path):
    (tmp_path / "cats").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "cats" / "good.png")
    (tmp_path / "cats" / "broken.jpg").write_bytes(b"this is not a jpeg")
    ds = image_dataset_from_directory(tmp_path, shuffle=False, image_size=(4, 4), format="torch", verbose=False)
    with pytest.raises(ValueError, match="Cannot read .*broken.jpg as an image"):
        ds[0]
    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="broken.jpg"):
        model.fit(ds, epochs=1, verbose=0, workers=2, use_multiprocessing=True)
    for w, before in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(w, before)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(validation_split=0.2), "If `subset` is set, `validation_split` must be set, and inversely."),
        (dict(validation_split=0.2, subset="training"), "you must provide a `seed` argument"),
        (dict(labels="folders"), "`labels` argument should be a list/tuple of integer labels"),
        (dict(labels=[0] * 12, class_names=["a"]), 'You can only pass `class_names` if `labels="inferred"`'),
        (dict(label_mode="sparse"), '`label_mode` argument must be one of "int", "categorical", "binary", or None'),
        (dict(label_mode="binary"), 'When passing `label_mode="binary"`, there must be exactly 2 class_names'),
        (dict(color_mode="cmyk"), "`color_mode` must be one of"),
        (dict(image_size=(1, 2, 3)), "Invalid `image_size` value"),
        (dict(interpolation="cubic"), "Argument `interpolation` should be one of"),
        (dict(interpolation="area"), "interpolation='area' is a TensorFlow resize kernel: it needs format='tf'"),
        (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "Only one of `pad_to_aspect_ratio`"),
        (dict(data_format="channels_middle"), "The `data_format` argument must be one of"),
        (dict(format="numpy"), "`format` should be one of"),
    ],
)
def test_bad_arguments(in_fixtures, kwargs, message):
    kwargs.setdefault("format", "torch")
    with pytest.raises(ValueError, match=message.replace("(", "\\(").replace(")", "\\)")):
        image_dataset_from_directory("images", verbose=False, **kwargs)


def test_nearest_batch_of_8_and_16_bit_grayscale_files_keeps_every_value(tmp_path):
    # Nearest keeps an 8-bit file uint8 and reads a 16-bit one as float32; in one batch both become float32, the
    # 16-bit values intact (not wrapped into uint8).
    (tmp_path / "a").mkdir()
    eight = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    sixteen = np.arange(12, dtype=np.uint16).reshape(3, 4) * 1000 + 300
    Image.fromarray(eight).save(tmp_path / "a" / "0.png")
    Image.fromarray(sixteen).save(tmp_path / "a" / "1.png")
    ds = image_dataset_from_directory(
        tmp_path,
        labels=None,
        color_mode="grayscale",
        image_size=(3, 4),
        interpolation="nearest",
        shuffle=False,
        format="torch",
        verbose=False,
    )
    batch = ds[0]
    assert batch.dtype == torch.float32 and tuple(batch.shape) == (2, 3, 4, 1)
    np.testing.assert_array_equal(batch[0, :, :, 0].numpy(), eight)
    np.testing.assert_array_equal(batch[1, :, :, 0].numpy(), sixteen)
