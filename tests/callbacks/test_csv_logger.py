from conftest import make_model, scripted

import kerasish as keras


def test_rows_and_header(data, tmp_path):
    path = tmp_path / "log.csv"
    model = make_model()
    history = model.fit(*data, batch_size=8, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(path)])
    lines = path.read_bytes().decode().split("\r\n")  # csv's Excel dialect, as Keras writes it
    assert lines[0] == "epoch,loss,val_loss"  # val_ columns even without validation
    assert lines[1:] == [f"{epoch},{loss},NA" for epoch, loss in enumerate(history.history["loss"])] + [""]


def test_separator_append_and_validation(data, tmp_path):
    path = tmp_path / "log.tsv"
    model = make_model()
    logger = keras.callbacks.CSVLogger(path, separator="\t", append=True)
    first = model.fit(*data, batch_size=8, epochs=1, verbose=0, validation_split=0.25, callbacks=[logger])
    second = model.fit(*data, batch_size=8, epochs=1, verbose=0, validation_split=0.25, callbacks=[logger])
    rows = [line.split("\t") for line in path.read_bytes().decode().split("\r\n")[:-1]]
    assert rows[0] == ["epoch", "loss", "val_loss"]  # the appended run writes no second header
    assert rows[1] == ["0", str(first.history["loss"][0]), str(first.history["val_loss"][0])]
    assert rows[2] == ["0", str(second.history["loss"][0]), str(second.history["val_loss"][0])]
    assert len(rows) == 3


def test_list_values_and_no_temporary_files_left(data, tmp_path):
    path = tmp_path / "log.csv"
    make_model().fit(
        *data,
        batch_size=8,
        epochs=1,
        verbose=0,
        callbacks=[scripted("tags", [[1, 2]]), keras.callbacks.CSVLogger(path)],
    )
    assert path.read_bytes().decode().split("\r\n")[1].endswith(',"""[1, 2]""",NA,NA')
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]


def test_a_fresh_instance_given_the_state_writes_each_epoch_once(tmp_path):
    # A run killed after CSVLogger wrote epoch `split` but before the backup redoes that epoch: the resumed logger
    # rewrites the file from the text of the backup's moment.
    epochs = [{"loss": 1.0 / (epoch + 1), "val_loss": 2.0 / (epoch + 1)} for epoch in range(5)]
    reference = keras.callbacks.CSVLogger(tmp_path / "reference.csv")
    reference.on_train_begin()
    for epoch, logs in enumerate(epochs):
        reference.on_epoch_end(epoch, logs)
    for split in range(1, 5):
        path = tmp_path / f"{split}.csv"
        first = keras.callbacks.CSVLogger(path)
        first.on_train_begin()
        for epoch in range(split):
            first.on_epoch_end(epoch, epochs[epoch])
        state = first.get_state()
        first.on_epoch_end(split, epochs[split])  # written, then killed before the backup
        resumed = keras.callbacks.CSVLogger(path)
        resumed.on_train_begin()
        resumed.set_state(state)
        for epoch in range(split, 5):
            resumed.on_epoch_end(epoch, epochs[epoch])
        assert path.read_text() == (tmp_path / "reference.csv").read_text(), split
