import os

import numpy as np
import pytest
from conftest import make_model, scripted

import kerasish as keras


def test_filepath_template_and_save_best_only(data, tmp_path, capsys):
    model = make_model()
    template = str(tmp_path / "ckpt-{epoch:02d}-{score:.2f}.h5")
    checkpoint = keras.callbacks.ModelCheckpoint(
        template, monitor="score", mode="min", save_best_only=True, save_weights_only=True, verbose=1
    )
    saved_weights = {}
    recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: saved_weights.setdefault(epoch, model.get_weights())
    )
    model.fit(
        *data,
        batch_size=8,
        epochs=5,
        verbose=0,
        callbacks=[scripted("score", [0.9, 0.5, 0.7, 0.25, 0.3]), recorder, checkpoint],
    )
    assert sorted(os.listdir(tmp_path)) == ["ckpt-01-0.90.h5", "ckpt-02-0.50.h5", "ckpt-04-0.25.h5"]
    out = capsys.readouterr().out
    assert "Epoch 1: score improved from None to 0.90000, saving model to" in out
    assert "Epoch 3: score did not improve from 0.50000" in out
    restored = make_model()
    restored.load_weights(tmp_path / "ckpt-04-0.25.h5")
    for got, expected in zip(restored.get_weights(), saved_weights[3]):
        np.testing.assert_array_equal(got, expected)


def test_constant_path_holds_the_best_model_with_max_mode(data, tmp_path):
    model = make_model()
    path = tmp_path / "best.weights.h5"
    snapshots = {}
    recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.setdefault(epoch, model.get_weights())
    )
    checkpoint = keras.callbacks.ModelCheckpoint(
        path, monitor="acc", mode="max", save_best_only=True, save_weights_only=True
    )
    model.fit(
        *data,
        batch_size=8,
        epochs=4,
        verbose=0,
        callbacks=[scripted("acc", [0.1, 0.6, 0.4, 0.5]), recorder, checkpoint],
    )
    restored = make_model()
    restored.load_weights(path)
    for got, expected in zip(restored.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(got, expected)
    assert checkpoint.best == 0.6


def test_initial_value_threshold(data, tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "{epoch}.weights.h5"),
        monitor="score",
        mode="min",
        save_best_only=True,
        save_weights_only=True,
        initial_value_threshold=0.4,
    )
    make_model().fit(
        *data, batch_size=8, epochs=3, verbose=0, callbacks=[scripted("score", [0.5, 0.3, 0.35]), checkpoint]
    )
    assert os.listdir(tmp_path) == ["2.weights.h5"]


def test_save_freq_in_batches(data, tmp_path):
    # 32 rows in batches of 8: 4 batches an epoch, saved every 3 batches counted across epochs.
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True, save_freq=3
    )
    make_model().fit(*data, batch_size=8, epochs=2, verbose=0, shuffle=False, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.weights.h5", "e2-b2.weights.h5"]


def test_full_model_every_epoch(data, tmp_path):
    model = make_model()
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "model-{epoch}.keras"))
    model.fit(*data, batch_size=8, epochs=2, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["model-1.keras", "model-2.keras"]
    loaded = keras.models.load_model(tmp_path / "model-2.keras")
    np.testing.assert_array_equal(loaded.predict(data[0], verbose=0), model.predict(data[0], verbose=0))


def test_epoch_checkpoint_has_no_batch_hooks(tmp_path):
    epoch_wise = keras.callbacks.CallbackList([keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"))])
    batch_wise = keras.callbacks.CallbackList([keras.callbacks.ModelCheckpoint(str(tmp_path / "m.keras"), save_freq=2)])
    assert not epoch_wise.has_train_batch_hooks
    assert batch_wise.has_train_batch_hooks


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"filepath": "w.keras", "save_weights_only": True}, "must end in `.weights.h5`"),
        ({"filepath": "model.pt"}, "must end in `.keras`"),
        ({"filepath": "m.keras", "save_freq": "batch"}, "Unrecognized save_freq"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        keras.callbacks.ModelCheckpoint(**kwargs)


def test_unknown_template_key(data, tmp_path):
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        make_model().fit(*data, batch_size=8, epochs=1, verbose=0, callbacks=[checkpoint])


def _checkpoints_resumed_at(split, folder):
    """The files written over 3 epochs of 4 batches, with a fresh callback given the state before batch `split`
    (counted across epochs), as a resumed fit() does."""
    losses = [5.0, 4.0, 6.0, 3.0, 3.5, 2.0, 2.5, 2.2, 1.0, 1.5, 0.5, 1.2]
    model = make_model()

    def fresh():
        callback = keras.callbacks.ModelCheckpoint(
            str(folder / "{epoch}-{batch}.weights.h5"),
            monitor="loss",
            save_best_only=True,
            save_weights_only=True,
            save_freq=3,
        )
        callback.set_model(model)
        callback.on_train_begin()
        return callback

    callback = fresh()
    for step, loss in enumerate(losses):
        epoch, batch = divmod(step, 4)
        if step == split:
            state = callback.get_state()
            callback = fresh()
            callback.set_state(state)
            callback.on_epoch_begin(epoch)  # a resumed epoch begins again
        elif batch == 0:
            callback.on_epoch_begin(epoch)
        callback.on_train_batch_end(batch, {"loss": loss})
        if batch == 3:
            callback.on_epoch_end(epoch, {"loss": loss})
    return sorted(os.listdir(folder))


def test_a_fresh_instance_given_the_state_saves_at_the_same_batches(tmp_path):
    # Every 3rd batch, when the loss improved: 6.0 (the first), 2.0, 1.0; not 1.2.
    expected = _checkpoints_resumed_at(None, tmp_path / "reference")
    assert expected == ["1-3.weights.h5", "2-2.weights.h5", "3-1.weights.h5"]
    for split in range(1, 12):
        assert _checkpoints_resumed_at(split, tmp_path / str(split)) == expected, split
