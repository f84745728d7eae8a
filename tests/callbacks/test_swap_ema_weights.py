import numpy as np
import pytest
from conftest import make_model, scripted

import kerasish as keras


def _ema_model():
    return make_model(optimizer=keras.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5))


def test_validation_runs_on_the_moving_average(data):
    model = _ema_model()
    seen = {}

    def record(epoch, logs):
        seen["weights"] = model.get_weights()
        seen["averages"] = [a.detach().cpu().numpy().copy() for a in model.optimizer._model_variables_moving_average]

    history = model.fit(
        *data,
        batch_size=8,
        epochs=1,
        verbose=0,
        validation_data=data,
        callbacks=[keras.callbacks.SwapEMAWeights(), keras.callbacks.LambdaCallback(on_epoch_end=record)],
    )
    # After validation the trained weights are back in the model; fit then ends on the average, as in Keras.
    assert not np.allclose(seen["weights"][0], seen["averages"][0])
    for final, average in zip(model.get_weights(), seen["averages"]):
        np.testing.assert_array_equal(final, average)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(*data, verbose=0), rel=1e-6)


def test_swap_on_epoch_lets_checkpoints_save_the_average(data, tmp_path):
    def averages_after_each_epoch(callbacks):
        keras.utils.set_random_seed(3)
        model = _ema_model()
        seen = []
        record = keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: seen.append(
                [a.detach().cpu().numpy().copy() for a in model.optimizer._model_variables_moving_average]
            )
        )
        model.fit(*data, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=callbacks + [record])
        return seen, model.get_weights()

    reference, reference_final = averages_after_each_epoch([])
    swapped, swapped_final = averages_after_each_epoch(
        [
            keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
            keras.callbacks.ModelCheckpoint(str(tmp_path / "ema-{epoch}.weights.h5"), save_weights_only=True),
        ]
    )
    for epoch in (0, 1):
        saved = make_model()
        saved.load_weights(tmp_path / f"ema-{epoch + 1}.weights.h5")
        for got, expected in zip(saved.get_weights(), reference[epoch]):
            np.testing.assert_array_equal(got, expected)
    # The average is copied in, not swapped: the optimizer's state and the training itself are untouched.
    np.testing.assert_array_equal(swapped[0][0], reference[0][0])
    for got, expected in zip(swapped_final, reference_final):
        np.testing.assert_array_equal(got, expected)


def test_swap_on_epoch_then_early_stopping_ends_on_the_average(data):
    model = _ema_model()
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(
            [a.detach().cpu().numpy().copy() for a in model.optimizer._model_variables_moving_average]
        )
    )
    history = model.fit(
        *data,
        batch_size=8,
        epochs=5,
        verbose=0,
        callbacks=[
            keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
            record,
            scripted("score", [1.0, 2.0, 3.0, 4.0, 5.0]),
            keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=1),
        ],
    )
    assert history.epoch == [0, 1]
    for final, average in zip(model.get_weights(), seen[-1]):
        np.testing.assert_array_equal(final, average)


def test_predict_swaps_and_swaps_back(data):
    model = _ema_model()
    model.fit(*data, batch_size=8, epochs=1, verbose=0)  # ends on the average: step once more to differ
    model.train_on_batch(*data)
    trained = model.get_weights()
    averages = [a.detach().cpu().numpy().copy() for a in model.optimizer._model_variables_moving_average]
    predictions = model.predict(data[0], verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    for weights, value in zip(model.get_weights(), trained):
        np.testing.assert_array_equal(weights, value)
    model.set_weights(averages)
    np.testing.assert_array_equal(predictions, model.predict(data[0], verbose=0))


def test_needs_use_ema(data):
    with pytest.raises(ValueError, match="use_ema=True"):
        make_model().fit(*data, epochs=1, verbose=0, validation_data=data, callbacks=[keras.callbacks.SwapEMAWeights()])
