"""tf.keras 2's `callbacks.BaseLogger` and `callbacks.experimental.BackupAndRestore`.

BaseLogger's numbers are computed by hand from tf.keras 2.21's rule (tf_keras/src/callbacks.py): each batch value
weighted by the batch's "size" log, averaged by the samples seen; stateful metrics keep their last value.
"""

import numpy as np
import pytest

import kerasish as keras
from kerasish import callbacks


def test_weighted_epoch_average_as_tf_keras():
    logger = callbacks.BaseLogger(stateful_metrics=["auc"])
    logger.params = {"metrics": ["loss", "auc"]}
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"size": 4, "loss": 1.0, "auc": 0.5})
    logger.on_batch_end(1, {"size": 2, "loss": 4.0, "auc": 0.7})
    logs = {"loss": 99.0}
    logger.on_epoch_end(0, logs)
    assert logs["loss"] == pytest.approx((4 * 1.0 + 2 * 4.0) / 6)
    assert logs["auc"] == 0.7
    assert logger.seen == 6
    logger.on_epoch_begin(1)
    assert logger.totals == {} and logger.seen == 0


def test_in_fit_averages_the_batch_logs():
    class Record(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batch_losses, self.epoch_losses = [], []

        def on_train_batch_end(self, batch, logs=None):
            self.batch_losses.append(float(logs["loss"]))

        def on_epoch_end(self, epoch, logs=None):
            self.epoch_losses.append(logs["loss"])

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    record = Record()
    x, y = np.random.default_rng(0).normal(size=(2, 8, 2)).astype("float32")
    model.fit(x, y[:, :1], batch_size=2, epochs=2, verbose=0, callbacks=[record, callbacks.BaseLogger(), record])
    # The second `record` sees the epoch logs after BaseLogger rewrote them: the mean of the 4 batch logs.
    for epoch in range(2):
        assert record.epoch_losses[2 * epoch + 1] == pytest.approx(
            np.mean(record.batch_losses[8 * epoch : 8 * epoch + 8 : 2])
        )


def test_experimental_backup_and_restore_is_deprecated_alias(tmp_path):
    with pytest.warns(DeprecationWarning, match="deprecated"):
        callback = callbacks.experimental.BackupAndRestore(str(tmp_path))
    assert isinstance(callback, callbacks.BackupAndRestore)
