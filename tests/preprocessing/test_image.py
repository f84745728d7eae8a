"""tf.keras 2's ImageDataGenerator, its iterators and the augmentation functions, against tf.keras 2 and SciPy
(tests/fixtures/preprocessing_image/make_image_fixtures.py made the references)."""

import contextlib
import json
import os
import pathlib
import pickle
import sys

import numpy as np
import pytest
from PIL import Image

import kerasish
from kerasish.preprocessing import image
from kerasish.preprocessing.image import ImageDataGenerator
from kerasish.trainers.data_adapters.prefetch import ordered_thread_map
from kerasish.utils import PyDataset

FIXTURES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures" / "preprocessing_image" / "image_fixtures.json").read_text()
)
X = np.array(FIXTURES["x"], dtype="float32")
Y = np.array(FIXTURES["y"])
IMAGE = np.array(FIXTURES["affine_image"], dtype="float32")


def assert_close(actual, expected):
    np.testing.assert_allclose(
        np.asarray(actual, dtype="float64"), np.asarray(expected, dtype="float64"), rtol=1e-5, atol=1e-4
    )


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """The class folders the tf.keras references read: three PNGs per class, and a text file."""
    root = tmp_path_factory.mktemp("images")
    for i, pixels in enumerate(FIXTURES["folder_images"]):
        folder = root / FIXTURES["classes"][i % 3]
        folder.mkdir(exist_ok=True)
        Image.fromarray(np.array(pixels, dtype="uint8")).save(folder / f"img{i}.png")
    (root / "cats" / "notes.txt").write_text("not an image")
    return root


# The warp and the augmentation functions -------------------------------------------------------------------------


@pytest.mark.parametrize("case", range(len(FIXTURES["warp"])))
def test_affine_warp_equals_scipy_ndimage(case):
    case = FIXTURES["warp"][case]
    img = np.array(case["image"], dtype=case["dtype"])
    out = image._affine_warp(
        img[None], np.array(case["matrix"]), np.array(case["offset"]), case["order"], case["mode"], case["cval"]
    )[0]
    assert out.dtype == img.dtype
    # The same float64 arithmetic as scipy's, so the same numbers to the bit (rounded alike for uint8).
    np.testing.assert_array_equal(out, np.array(case["out"], dtype=case["dtype"]))


@pytest.mark.parametrize("case", range(len(FIXTURES["affine"])))
def test_apply_affine_transform_matches_tf_keras(case):
    case = FIXTURES["affine"][case]
    params = dict(case["params"])
    if case["layout"] == "channels_last":
        out = image.apply_affine_transform(IMAGE, **params, row_axis=0, col_axis=1, channel_axis=2)
    else:
        out = image.apply_affine_transform(IMAGE.transpose(2, 0, 1), **params)
    assert out.dtype == np.float32
    assert_close(out, case["out"])


def test_apply_affine_transform_checks_its_axes():
    assert image.apply_affine_transform(IMAGE, row_axis=0, col_axis=1, channel_axis=2) is IMAGE  # no transform
    with pytest.raises(ValueError, match="distinct"):
        image.apply_affine_transform(IMAGE, theta=10, row_axis=0, col_axis=0, channel_axis=2)
    with pytest.raises(ValueError, match="multi-channel 2D images"):
        image.apply_affine_transform(IMAGE[..., 0], theta=10)
    with pytest.raises(ValueError, match="interpolation_order must be 0 or 1"):
        image.apply_affine_transform(IMAGE, theta=10, row_axis=0, col_axis=1, channel_axis=2, order=3)


@pytest.mark.parametrize("case", range(len(FIXTURES["random_functions"])))
def test_random_functions_draw_like_tf_keras(case):
    case = FIXTURES["random_functions"][case]
    fn = getattr(image, case["name"])
    kwargs = dict(case["kwargs"])
    np.random.seed(4)  # tf.keras's functions draw from NumPy's global generator; so do these
    if case["name"] == "random_channel_shift":
        out = fn(IMAGE, channel_axis=2, **kwargs)
    elif case["name"] == "random_brightness":
        out = fn(IMAGE, **kwargs)
    else:
        out = fn(IMAGE, row_axis=0, col_axis=1, channel_axis=2, **kwargs)
    assert_close(out, case["out"])


def test_channel_shift_clips_to_the_image_range():
    x = np.array([[[0.0, 10.0]], [[5.0, 2.0]]])  # (2, 1, 2): values 0..10
    np.testing.assert_array_equal(image.apply_channel_shift(x, 4.0, channel_axis=2), [[[4.0, 10.0]], [[9.0, 6.0]]])


# ImageDataGenerator.flow -----------------------------------------------------------------------------------------


def make_generator(name):
    case = FIXTURES["generators"][name]
    kwargs = dict(case["kwargs"])
    for key in ("brightness_range",):
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key])
    with pytest.warns(UserWarning, match="zca_whitening") if name == "zca" else contextlib.nullcontext():
        gen = ImageDataGenerator(**kwargs)
    x = X.transpose(0, 3, 1, 2) if kwargs.get("data_format") == "channels_first" else X
    if "fit" in case:
        gen.fit(x, **case["fit"])
    return gen, x, case


@pytest.mark.parametrize("name", sorted(FIXTURES["generators"]))
def test_flow_next_yields_tf_keras_batches(name):
    gen, x, case = make_generator(name)
    it = gen.flow(x, Y, batch_size=3, seed=1)
    for expected_x, expected_y in zip(case["next"], case["next_y"]):  # the fourth batch starts the second epoch
        batch_x, batch_y = next(it)
        assert batch_x.dtype == np.float32
        assert_close(batch_x, expected_x)
        np.testing.assert_array_equal(batch_y, expected_y)


@pytest.mark.parametrize("name", sorted(FIXTURES["generators"]))
def test_flow_by_index_yields_tf_keras_batches_over_two_epochs(name):
    gen, x, case = make_generator(name)
    it = gen.flow(x, Y, batch_size=3, seed=1)
    batches = [it[i] for i in range(3)]
    it.on_epoch_end()
    batches += [it[i] for i in range(3)]  # tf.keras seeds by calls so far: read in order, they are the same
    for (batch_x, batch_y), expected_x, expected_y in zip(batches, case["getitem"], case["getitem_y"]):
        assert_close(batch_x, expected_x)
        np.testing.assert_array_equal(batch_y, expected_y)


@pytest.mark.parametrize("name", sorted(FIXTURES["generators"]))
def test_fit_statistics_and_random_transform_parameters(name):
    gen, _, case = make_generator(name)
    for attribute in ("mean", "std"):
        if case.get(attribute) is not None:
            assert_close(getattr(gen, attribute), case[attribute])
    if case.get("zca_diag") is not None:
        assert_close(np.diag(gen.zca_whitening_matrix), case["zca_diag"])
    params = gen.get_random_transform((4, 4, 3), seed=5)
    for key, expected in case["params"].items():
        assert (params[key] is None) == (expected is None), key
        if expected is not None:
            assert float(params[key]) == pytest.approx(expected), key


def test_batches_do_not_depend_on_the_order_or_thread_they_are_loaded_in():
    gen, x, _ = make_generator("geometric")
    serial = [gen.flow(x, Y, batch_size=2, seed=7)[i][0] for i in range(4)]
    it = gen.flow(x, Y, batch_size=2, seed=7)
    reversed_order = {i: it[i][0] for i in (3, 2, 1, 0)}
    threaded = list(ordered_thread_map(lambda i: it[i][0], range(4), workers=4, max_queue_size=4))
    for i in range(4):
        np.testing.assert_array_equal(reversed_order[i], serial[i])
        np.testing.assert_array_equal(threaded[i], serial[i])
    clone = pickle.loads(pickle.dumps(it))  # what a worker process gets
    np.testing.assert_array_equal(clone[1][0], serial[1])


@pytest.mark.parametrize("name", sorted(FIXTURES["generators"]))
def test_the_next_epoch_is_tf_keras_without_reading_the_epoch_here(name):
    # Worker processes load the batches, so the process that calls `on_epoch_end` may have read none of them.
    gen, x, case = make_generator(name)
    it = gen.flow(x, Y, batch_size=3, seed=1)
    it.on_epoch_end()
    for i, (expected_x, expected_y) in enumerate(zip(case["getitem"][3:], case["getitem_y"][3:], strict=True)):
        batch_x, batch_y = it[i]
        assert_close(batch_x, expected_x)
        np.testing.assert_array_equal(batch_y, expected_y)


def _order_after_loading_the_last_batch(it) -> np.ndarray:
    """tf.keras's next order: drawn from the generator where loading the epoch's last batch (all of its
    transformations and saved file names) left it."""
    last = len(it) - 1
    rng = np.random.RandomState(it.seed + last)
    with image._drawing_from(rng):
        it._get_batches_of_transformed_samples(it.index_array[last * it.batch_size :])
    return rng.permutation(it.n)


def test_the_next_order_replays_file_iterators_and_saved_file_names(image_folder, tmp_path):
    iterators = [
        ImageDataGenerator(rotation_range=10, width_shift_range=2).flow(
            X, Y, batch_size=2, seed=3, save_to_dir=str(tmp_path)
        ),
        ImageDataGenerator(rotation_range=20, horizontal_flip=True).flow_from_directory(
            str(image_folder), target_size=(4, 5), batch_size=2, seed=2, save_to_dir=str(tmp_path)
        ),
        ImageDataGenerator(rotation_range=20).flow_from_directory(
            str(image_folder), target_size=(4, 5), color_mode="grayscale", batch_size=4, seed=5
        ),
    ]
    for it in iterators:
        it[0]  # draws the first order
        expected = _order_after_loading_the_last_batch(it)
        it.on_epoch_end()
        np.testing.assert_array_equal(it.index_array, expected)


def test_unseeded_flow_follows_numpy_global_seed():
    gen, x, _ = make_generator("geometric")
    np.random.seed(3)
    first = gen.flow(x, Y, batch_size=3)[0][0]
    np.random.seed(3)
    np.testing.assert_array_equal(gen.flow(x, Y, batch_size=3)[0][0], first)


def test_flow_outputs_misc_inputs_sample_weights_and_subsets():
    gen = ImageDataGenerator(validation_split=0.3)
    misc = np.arange(7) * 10
    weights = np.linspace(0, 1, 7)
    it = gen.flow((X, misc), Y, sample_weight=weights, batch_size=7, shuffle=False)
    (batch_x, batch_misc), batch_y, batch_w = it[0]
    np.testing.assert_array_equal(batch_x, X)
    np.testing.assert_array_equal(batch_misc, misc)
    np.testing.assert_array_equal(batch_y, Y)
    np.testing.assert_array_equal(batch_w, weights)
    np.testing.assert_array_equal(gen.flow(X, batch_size=7, shuffle=False)[0], X)  # no y: images only
    validation = gen.flow(X, Y, batch_size=7, shuffle=False, subset="validation", ignore_class_split=True)
    training = gen.flow(X, Y, batch_size=7, shuffle=False, subset="training", ignore_class_split=True)
    np.testing.assert_array_equal(validation[0][0], X[:2])  # int(7 * 0.3) = 2
    np.testing.assert_array_equal(training[0][0], X[2:])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(X, Y, subset="training")
    with pytest.raises(ValueError, match="Invalid subset name"):
        gen.flow(X, Y, subset="test", ignore_class_split=True)


def test_flow_checks_its_input():
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="same length"):
        gen.flow(X, Y[:3])
    with pytest.raises(ValueError, match="should have rank 4"):
        gen.flow(X[0], None)
    with pytest.warns(UserWarning, match="expected either 1, 3, or 4 channels"):
        gen.flow(np.zeros((2, 4, 4, 5)))
    with pytest.raises(ValueError, match="has length 3"):
        gen.flow(X, Y, batch_size=3)[3]


def test_generator_arguments_are_checked():
    with pytest.raises(ValueError, match="data_format"):
        ImageDataGenerator(data_format="channels_middle")
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        ImageDataGenerator(zoom_range=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="brightness_range"):
        ImageDataGenerator(brightness_range=0.5)
    with pytest.raises(ValueError, match="fill_mode"):
        ImageDataGenerator(fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation_order"):
        ImageDataGenerator(interpolation_order=3)
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        assert ImageDataGenerator(featurewise_std_normalization=True).featurewise_center


def test_standardize_warns_until_fit_and_normalizes_after():
    gen = ImageDataGenerator(featurewise_center=True, rescale=0.5)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        gen.standardize(X[0].copy())
    gen.fit(X)
    mean = (X * 0.5).mean(axis=(0, 1, 2))
    assert_close(gen.mean.ravel(), mean)
    assert_close(gen.standardize(X[0].copy()), X[0] * 0.5 - mean)
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(X[0])


def test_random_transform_and_apply_transform():
    gen = ImageDataGenerator(horizontal_flip=True, vertical_flip=True, data_format="channels_last")
    x = X[0]
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_horizontal": True}), x[:, ::-1])
    np.testing.assert_array_equal(gen.apply_transform(x, {"flip_vertical": True}), x[::-1])
    params = gen.get_random_transform(x.shape, seed=11)
    np.testing.assert_array_equal(gen.random_transform(x, seed=11), gen.apply_transform(x, params))


def test_save_to_dir_writes_the_augmented_images(tmp_path):
    it = ImageDataGenerator(rotation_range=10).flow(
        X, Y, batch_size=3, seed=1, save_to_dir=str(tmp_path), save_prefix="aug", save_format="png"
    )
    it[0]
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 3 and all(n.startswith("aug_") and n.endswith(".png") for n in names)


# flow_from_directory and flow_from_dataframe ---------------------------------------------------------------------


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_flow_from_directory_matches_tf_keras(image_folder, subset, capsys):
    expected = FIXTURES["directory"][subset]
    gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255.0, validation_split=0.34)
    it = gen.flow_from_directory(
        str(image_folder),
        target_size=(4, 5),
        batch_size=2,
        seed=2,
        class_mode="sparse",
        subset=subset,
        interpolation="bilinear",
    )
    assert capsys.readouterr().out.startswith(f"Found {len(expected['filenames'])} images belonging to 3 classes.")
    assert it.filenames == [os.path.join(*name.split("/")) for name in expected["filenames"]]
    assert it.class_indices == expected["class_indices"]
    for expected_x, expected_y in zip(expected["x"], expected["y"]):
        batch_x, batch_y = next(it)
        assert_close(batch_x, expected_x)
        np.testing.assert_array_equal(batch_y, expected_y)


def test_flow_from_directory_grayscale_categorical(image_folder):
    expected = FIXTURES["directory"]["plain"]
    it = ImageDataGenerator().flow_from_directory(
        str(image_folder),
        target_size=(4, 4),
        batch_size=4,
        shuffle=False,
        color_mode="grayscale",
        keep_aspect_ratio=True,
    )
    batch_x, batch_y = it[0]
    assert batch_x.shape == (4, 4, 4, 1)
    assert_close(batch_x, expected["x"])
    np.testing.assert_array_equal(batch_y, expected["y"])
    assert len(it) == 3 and it.samples == 9 and it.num_classes == 3
    assert it.filepaths[0] == os.path.join(str(image_folder), "cats", "img0.png")


def test_flow_from_directory_names_an_unreadable_image(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    it = ImageDataGenerator().flow_from_directory(str(tmp_path), target_size=(2, 2), batch_size=1)
    with pytest.raises(ValueError, match="broken.jpg"):
        it[0]
    with pytest.raises(ValueError, match="Invalid class_mode"):
        ImageDataGenerator().flow_from_directory(str(tmp_path), class_mode="multi")
    with pytest.raises(ValueError, match="Invalid color mode"):
        ImageDataGenerator().flow_from_directory(str(tmp_path), color_mode="cmyk")


def test_flow_from_dataframe_matches_tf_keras(image_folder):
    pd = pytest.importorskip("pandas")
    rows = [(f"{FIXTURES['classes'][i % 3]}/img{i}.png", FIXTURES["classes"][i % 3], i / 2) for i in range(9)]
    rows.append(("cats/missing.png", "cats", 1.0))
    df = pd.DataFrame(rows, columns=["filename", "class", "weight"])
    expected = FIXTURES["dataframe"]["categorical"]
    with pytest.warns(UserWarning, match="1 invalid image filename"):
        it = ImageDataGenerator(width_shift_range=0.2, vertical_flip=True).flow_from_dataframe(
            df,
            directory=str(image_folder),
            weight_col="weight",
            target_size=(5, 5),
            batch_size=4,
            seed=3,
            classes=["dogs", "cats"],
        )
    assert it.filenames == expected["filenames"] and it.class_indices == expected["class_indices"]
    for expected_x, expected_y, expected_w in zip(expected["x"], expected["y"], expected["w"]):
        batch_x, batch_y, batch_w = next(it)
        assert_close(batch_x, expected_x)
        np.testing.assert_array_equal(batch_y, expected_y)
        np.testing.assert_array_equal(batch_w, expected_w)
    expected = FIXTURES["dataframe"]["raw"]
    with pytest.warns(UserWarning, match="invalid image filename"):
        it = ImageDataGenerator().flow_from_dataframe(
            df,
            directory=str(image_folder),
            y_col="weight",
            class_mode="raw",
            target_size=(3, 3),
            batch_size=5,
            shuffle=False,
        )
    batch_x, batch_y = it[1]
    assert_close(batch_x, expected["x"])
    np.testing.assert_array_equal(batch_y, expected["y"])


def test_flow_from_dataframe_without_pandas_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError
    with pytest.raises(ImportError, match="needs pandas.*pip install pandas"):
        ImageDataGenerator().flow_from_dataframe(object())


# Iterators are PyDatasets ----------------------------------------------------------------------------------------


def test_fit_trains_on_an_iterator_with_parallel_workers(image_folder):
    it = ImageDataGenerator(rescale=1 / 255.0, horizontal_flip=True).flow_from_directory(
        str(image_folder), target_size=(8, 8), batch_size=3, seed=0, class_mode="sparse"
    )
    assert isinstance(it, PyDataset) and isinstance(it, image.Iterator)
    kerasish.utils.set_random_seed(0)
    model = kerasish.Sequential(
        [kerasish.Input((8, 8, 3)), kerasish.layers.Flatten(), kerasish.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(it, epochs=2, workers=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert it.total_batches_seen == 6  # 3 batches in each of the 2 epochs, each read once


def test_public_names_match_tf_keras():
    expected = {
        "DirectoryIterator",
        "ImageDataGenerator",
        "Iterator",
        "NumpyArrayIterator",
        "DataFrameIterator",
        "apply_affine_transform",
        "apply_brightness_shift",
        "apply_channel_shift",
        "random_brightness",
        "random_channel_shift",
        "random_rotation",
        "random_shear",
        "random_shift",
        "random_zoom",
        "array_to_img",
        "img_to_array",
        "load_img",
        "save_img",
        "smart_resize",
    }
    assert set(image.__all__) == expected
    assert all(callable(getattr(image, name)) for name in expected)
