import numpy as np
import pytest
from conftest import make_model

import kerasish as keras


def _nan_data(data):
    x, y = data
    y = y.copy()
    y[20] = np.nan  # the third batch of 8 (without shuffling) has a NaN loss
    return x, y


def test_stops_at_the_nan_batch(data, capsys):
    batches = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    model = make_model()
    history = model.fit(
        *_nan_data(data),
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN(), counter],
    )
    assert batches == [0, 1, 2]
    assert np.isnan(history.history["loss"][0]) and len(history.history["loss"]) == 1
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out


def test_raise_error(data):
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        make_model().fit(
            *_nan_data(data),
            batch_size=8,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)],
        )
