"""Where `fit` starts when BackupAndRestore resumes it (the loop asks the `ResumePoint`), and that a resumed run
checks its data before its first step, as a fresh run does."""

import numpy as np
import pytest

import kerasish as keras
from kerasish.callbacks.backup_and_restore import ResumePoint


def test_a_resume_point_skips_the_done_batches_and_restores_once():
    restored = []
    resume = ResumePoint(epoch=2, step=3, restore=lambda: restored.append("backup"))
    batches = iter(enumerate("abcdef"))
    assert resume.skip_done_batches(batches) == "c"  # the last batch done before the backup
    assert next(batches) == (3, "d")  # the data goes on where the backup was taken
    resume.restore()
    resume.restore()
    assert restored == ["backup"]
    # Later epochs start at their first batch, and so does a fresh run.
    later = iter(enumerate("xy"))
    assert resume.skip_done_batches(later) is None and next(later) == (0, "x")
    fresh = ResumePoint(epoch=5)
    assert fresh.skip_done_batches(iter(enumerate("xy"))) is None and fresh.epoch == 5


def _classifier():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(
        optimizer=keras.optimizers.SGD(0.1), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 4)).astype("float32"), rng.integers(0, 3, 32)


def _crash_after_batches(count):
    seen = []

    def crash(batch, logs):
        seen.append(batch)
        if len(seen) == count:
            raise RuntimeError("Interrupting!")

    return keras.callbacks.LambdaCallback(on_train_batch_end=crash)


@pytest.mark.parametrize(
    "where, label",
    [
        ("train", -100),  # torch's CPU kernel would skip it silently
        ("train", 7),
        ("validation", 7),
    ],
)
def test_a_resumed_fit_checks_every_target_before_its_first_step(tmp_path, where, label):
    x, y = _data()
    backup_dir = tmp_path / "backup"
    with pytest.raises(RuntimeError, match="Interrupting"):
        _classifier().fit(
            x,
            y,
            batch_size=8,
            epochs=2,
            shuffle=False,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir, save_freq=2), _crash_after_batches(3)],
        )
    # The data changed since the backup (taken after batch 2 of 4 in epoch 0): a bad label in the last batch.
    bad = y.copy()
    bad[-1] = label
    train_y, val_y = (bad, y[:8]) if where == "train" else (y, bad[-8:])
    model = _classifier()
    with pytest.raises(ValueError) as error:
        model.fit(
            x,
            train_y,
            validation_data=(x[-8:], val_y),
            batch_size=8,
            epochs=2,
            shuffle=False,
            verbose=0,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir, save_freq=2)],
        )
    assert int(model.optimizer.iterations) == 2  # the backup's: no step ran on the changed data
    assert f"Received a label value of {label} which is outside the valid range of [0, 3)" in str(error.value)
