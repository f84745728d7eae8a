import numpy as np
import pytest
from conftest import make_model

import kerasish as keras


def test_schedule_sets_the_rate_each_epoch(data, capsys):
    model = make_model(optimizer=keras.optimizers.SGD(0.1))
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 2 else lr * 0.5, verbose=1)
    history = model.fit(*data, batch_size=8, epochs=4, verbose=0, callbacks=[scheduler])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.05, 0.025], rtol=1e-6)
    assert "Epoch 3: LearningRateScheduler setting learning rate to 0.05" in capsys.readouterr().out


def test_schedule_of_the_epoch_alone(data):
    model = make_model()
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    history = model.fit(*data, batch_size=8, epochs=3, verbose=0, callbacks=[scheduler])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02, 0.03], rtol=1e-6)


def test_schedule_must_return_a_float(data):
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    with pytest.raises(ValueError, match="should be a float"):
        make_model().fit(*data, epochs=1, verbose=0, callbacks=[scheduler])
