"""Callbacks written for Keras (duck-typed objects, subclasses of Keras's own `Callback`, tqdm's `TqdmCallback`)
plug into kerasish's `fit`, `evaluate` and `predict`."""

import io

import numpy as np
import pytest

import kerasish as keras


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 3)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


class DuckCallback:
    """No kerasish or Keras base class: Keras's hooks, `set_model` and `set_params` only."""

    def __init__(self):
        self.calls = []
        self.model = self.params = None

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch", epoch, dict(logs)))

    def on_train_batch_end(self, batch, logs=None):
        assert type(logs) is dict  # a plain dict, as Keras hands it, not kerasish's lazy mapping
        self.calls.append(("batch", batch, logs["loss"]))


def test_a_duck_typed_callback_gets_its_hooks_model_and_params():
    model = _model()
    x, y = _data()
    duck = DuckCallback()
    history = model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[duck])
    assert duck.model is model
    assert duck.params["epochs"] == 2 and duck.params["steps"] == 2
    epochs = [c for c in duck.calls if c[0] == "epoch"]
    assert [c[1] for c in epochs] == [0, 1]
    np.testing.assert_allclose([c[2]["loss"] for c in epochs], history.history["loss"], rtol=1e-6)
    batches = [c for c in duck.calls if c[0] == "batch"]
    assert [c[1] for c in batches] == [0, 1, 0, 1]
    # The last batch's running mean is the epoch's loss.
    assert batches[-1][2] == pytest.approx(history.history["loss"][-1], rel=1e-6)


def test_a_single_duck_callback_and_objects_without_hooks():
    model = _model()
    x, y = _data()
    duck = DuckCallback()
    model.fit(x, y, epochs=1, verbose=0, callbacks=duck)
    assert [c[1] for c in duck.calls if c[0] == "epoch"] == [0]
    with pytest.raises(ValueError, match="callback hooks"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[object()])


def test_a_subclass_of_keras_callback_gets_only_the_hooks_it_overrides():
    real_keras = pytest.importorskip("keras")
    seen = []

    class StopAfterOne(real_keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, logs["loss"]))
            self.model.stop_training = True

    from kerasish.callbacks.foreign_callback import defined_hooks

    assert defined_hooks(StopAfterOne()) == ["on_epoch_end"]
    model = _model()
    x, y = _data()
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[StopAfterOne()])
    assert len(history.history["loss"]) == 1
    assert seen == [(0, pytest.approx(history.history["loss"][0], rel=1e-6))]


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_tqdm_callback(verbose):
    tqdm_keras = pytest.importorskip("tqdm.keras")
    model = _model()
    x, y = _data()
    out = io.StringIO()
    bar = tqdm_keras.TqdmCallback(verbose=verbose, file=out, ascii=True, mininterval=0)
    history = model.fit(x, y, batch_size=5, epochs=3, verbose=0, callbacks=[bar])
    text = out.getvalue()
    assert "3/3" in text  # the epoch bar took its total from `params["epochs"]` and finished
    last = f"loss={history.history['loss'][-1]:.3g}"
    assert last in text.replace(",", "")  # the epoch logs reach the bar's postfix
    if verbose == 2:
        assert "4.00/4.00" in text  # one batch bar per epoch, its total from `params["steps"]`
