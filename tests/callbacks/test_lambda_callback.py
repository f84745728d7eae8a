from conftest import make_model

import kerasish as keras


def test_calls_the_functions_given(data):
    calls = []
    callback = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(f"epoch_begin {epoch}"),
        on_train_batch_end=lambda batch, logs: calls.append(f"batch_end {batch} {logs['loss'] > 0}"),
        on_epoch_end=lambda epoch, logs: calls.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: calls.append("train_end"),
        on_test_end=lambda logs: calls.append(f"test_end {sorted(logs)}"),
    )
    make_model().fit(*data, batch_size=16, epochs=1, verbose=0, validation_split=0.5, callbacks=[callback])
    assert calls == [
        "train_begin",
        "epoch_begin 0",
        "batch_end 0 True",
        "test_end ['loss']",
        "epoch_end 0 ['loss', 'val_loss']",
        "train_end",
    ]


def test_without_batch_functions_there_are_no_batch_hooks():
    epoch_only = keras.callbacks.CallbackList([keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: None)])
    assert not epoch_only.has_train_batch_hooks
