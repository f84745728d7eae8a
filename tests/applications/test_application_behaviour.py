"""Applications as models: argument checks (Keras's messages, before anything is built), `input_tensor`,
channels_first, config and `.keras` round trips (the applications' own layers included), and training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import kerasish
from kerasish import applications, config, layers
from kerasish.applications import application_model


@pytest.fixture
def channels_first():
    config.set_image_data_format("channels_first")
    yield
    config.set_image_data_format("channels_last")


@pytest.fixture
def no_fetch(monkeypatch):
    """Fails the test if a constructor asks for a file."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected get_file{args}")

    monkeypatch.setattr(application_model, "get_file", refuse)


@pytest.mark.parametrize(
    ("constructor", "kwargs", "message"),
    [
        ("ResNet50", {"weights": "no/such/file.h5"}, "The `weights` argument should be either"),
        ("VGG16", {"weights": "imagenet", "classes": 10}, "`classes` should be 1000"),
        ("DenseNet121", {"weights": None, "include_top": False, "pooling": "mean"}, "`pooling` should be"),
        ("MobileNet", {"weights": "imagenet", "alpha": 0.3}, "alpha can be one of"),
        ("MobileNet", {"weights": "imagenet", "depth_multiplier": 2}, "depth multiplier must be 1"),
        ("MobileNetV2", {"weights": "imagenet", "alpha": 0.9}, "alpha must be one of"),
        ("MobileNetV3Small", {"weights": "imagenet", "alpha": 0.75, "minimalistic": True}, "alpha can be one of"),
        ("MobileNetV3Large", {"weights": None, "input_shape": (16, 16, 3)}, "at least 32x32"),
        ("EfficientNetB0", {"weights": "imagenet", "classifier_activation": "relu"}, "Only `None` and `softmax`"),
        ("Xception", {"weights": None, "include_top": False, "input_shape": (64, 64, 3)}, "at least 71x71"),
        ("InceptionV3", {"weights": None, "input_shape": (299, 299, 3), "include_top": True}, None),
        ("ResNet50", {"weights": None, "include_top": True, "input_shape": (None, None, 3)}, "static `input_shape`"),
        ("NASNetLarge", {"weights": "imagenet", "input_shape": (None, None, 3), "include_top": False}, "static"),
        ("ConvNeXtTiny", {"weights": "imagenet", "name": "my_model"}, "does not match weights variant"),
        ("ResNet50", {"weights": None, "input_tensor": torch.zeros(1, 32, 32, 3)}, "must be a KerasTensor"),
    ],
)
def test_arguments_are_checked_before_anything_is_fetched(constructor, kwargs, message, no_fetch):
    if message is None:  # a valid call, for contrast: it builds
        assert getattr(applications, constructor)(**kwargs).outputs[0].shape == (None, 1000)
        return
    with pytest.raises(ValueError, match=message):
        getattr(applications, constructor)(**kwargs)


def test_input_tensor_from_an_existing_graph():
    inputs = kerasish.Input((40, 40, 3))
    x = layers.Rescaling(1 / 255.0, name="scale_in")(inputs)
    model = applications.MobileNetV2(weights=None, include_top=False, input_tensor=x, alpha=0.35, pooling="avg")
    assert model.inputs[0] is inputs  # the model starts where the tensor's graph starts
    assert model.get_layer("scale_in") is not None
    out = model(torch.rand(2, 40, 40, 3) * 255)
    assert tuple(out.shape) == (2, 1280)


def test_channels_first_matches_channels_last(channels_first):
    cf = applications.ResNet50(weights=None, include_top=False, input_shape=(3, 32, 32), pooling="avg")
    config.set_image_data_format("channels_last")
    cl = applications.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    cl.set_weights(cf.get_weights())  # same Keras layouts in both formats
    x = torch.rand(2, 32, 32, 3)
    with torch.no_grad():
        torch.testing.assert_close(cf(x.permute(0, 3, 1, 2)), cl(x), rtol=1e-4, atol=1e-4)


def test_channels_first_is_refused_where_keras_refuses_it(channels_first):
    for constructor in ("DenseNet121", "ConvNeXtTiny", "NASNetMobile"):
        with pytest.raises(ValueError, match="channels_first"):
            getattr(applications, constructor)(weights=None)


def test_config_round_trip_with_the_applications_own_layers():
    model = applications.InceptionResNetV2(weights=None, include_top=False, input_shape=(75, 75, 3))
    rebuilt = kerasish.Model.from_config(model.get_config())
    rebuilt.set_weights(model.get_weights())
    x = torch.rand(1, 75, 75, 3)
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x), model(x))
    assert sum(type(layer).__name__ == "CustomScaleLayer" for layer in rebuilt.layers) == 40


def test_keras_archive_round_trip(tmp_path):
    model = applications.ConvNeXtTiny(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    for layer in model.layers:  # non-default LayerScale values, so that the loaded ones are checked
        if type(layer).__name__ == "LayerScale":
            layer.set_weights([np.full((layer.projection_dim,), 0.5, "float32")])
    path = tmp_path / "convnext.keras"
    model.save(path)
    loaded = kerasish.models.load_model(path)
    x = torch.rand(1, 32, 32, 3) * 255
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x))


def test_fits_like_any_model():
    model = applications.MobileNetV3Small(
        weights=None, input_shape=(32, 32, 3), classes=4, minimalistic=True, alpha=0.75, dropout_rate=0.0
    )
    model.compile(optimizer=kerasish.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 255, (16, 32, 32, 3)).astype("float32")
    y = rng.randint(0, 4, (16,))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.predict(x, verbose=0).shape == (16, 4)


def test_the_applications_own_layers():
    from kerasish.applications.convnext import LayerScale, StochasticDepth
    from kerasish.applications.inception_resnet_v2 import CustomScaleLayer

    x, up = torch.rand(2, 3, 3, 4), torch.rand(2, 3, 3, 4)
    torch.testing.assert_close(CustomScaleLayer(0.17)([x, up]), x + 0.17 * up)
    scale = LayerScale(1e-6, 4)
    torch.testing.assert_close(scale(x), x * 1e-6)
    depth = StochasticDepth(0.5)
    assert depth(x) is x  # inference: the identity
    torch.manual_seed(0)
    dropped = depth(torch.ones(64, 2), training=True)
    per_sample = dropped[:, 0]
    assert set(per_sample.tolist()) <= {0.0, 2.0} and 0 < per_sample.sum() < 128  # whole samples, rescaled
    assert torch.equal(dropped[:, 0], dropped[:, 1])
    for layer in (CustomScaleLayer(0.1, name="s"), LayerScale(0.5, 4, name="ls"), StochasticDepth(0.2, name="sd")):
        clone = layers.deserialize(layers.serialize(layer))
        assert type(clone) is type(layer) and clone.get_config() == layer.get_config()


def test_legacy_h5_model_round_trip_with_layer_scale(tmp_path):
    from kerasish.applications.convnext import LayerScale

    inputs = kerasish.Input((4,))
    outputs = LayerScale(0.25, 4, name="scale")(layers.Dense(4)(inputs))
    model = kerasish.Model(inputs, outputs)
    model.get_layer("scale").set_weights([np.arange(4, dtype="float32")])
    model.save(tmp_path / "m.h5")
    loaded = kerasish.models.load_model(tmp_path / "m.h5")
    x = torch.rand(3, 4)
    torch.testing.assert_close(loaded(x), model(x))


def test_mixed_precision_policy_applies_to_the_whole_model():
    from kerasish import mixed_precision

    mixed_precision.set_global_policy("mixed_bfloat16")  # reset by tests/conftest.py
    model = applications.MobileNetV3Small(
        weights=None, input_shape=(32, 32, 3), classes=4, minimalistic=True, dropout_rate=0.0
    )
    probabilities = model(torch.rand(2, 32, 32, 3) * 255)
    assert probabilities.dtype == torch.bfloat16  # computed in bfloat16 ...
    assert all(w.dtype == torch.float32 for w in model.trainable_weights)  # ... with float32 variables
    torch.testing.assert_close(probabilities.float().sum(1), torch.ones(2), rtol=1e-2, atol=1e-2)
