import json
import os

import numpy as np
import pytest
import torch
from conftest import make_model
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import kerasish as keras


def _read(run_dir):
    accumulator = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    accumulator.Reload()
    return accumulator


def _scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def test_epoch_scalars_histograms_and_batch_scalars(data, tmp_path):
    model = make_model(metrics=["mae"])
    board = keras.callbacks.TensorBoard(tmp_path, histogram_freq=1, update_freq=2, write_steps_per_second=True)
    history = model.fit(
        *data, batch_size=8, epochs=2, shuffle=False, verbose=0, validation_data=data, callbacks=[board]
    ).history

    train = _read(tmp_path / "train")
    assert _scalars(train, "epoch_loss") == [
        (0, pytest.approx(history["loss"][0])),
        (1, pytest.approx(history["loss"][1])),
    ]
    assert _scalars(train, "epoch_mae") == [(e, pytest.approx(v)) for e, v in enumerate(history["mae"])]
    assert _scalars(train, "epoch_learning_rate") == [(0, pytest.approx(0.05)), (1, pytest.approx(0.05))]
    assert [step for step, value in _scalars(train, "epoch_steps_per_second") if value > 0] == [0, 1]
    # Batch scalars every 2 batches (4 a epoch, counted from 1 across epochs); a batch's logs hold the running
    # mean, so the last batch of an epoch logs the epoch's loss.
    batch_loss = _scalars(train, "batch_loss")
    assert [step for step, _ in batch_loss] == [2, 4, 6, 8]
    assert batch_loss[1][1] == pytest.approx(history["loss"][0]) and batch_loss[3][1] == pytest.approx(
        history["loss"][1]
    )
    assert [step for step, _ in _scalars(train, "batch_steps_per_second")] == [2, 4, 6, 8]
    hidden, out = (layer.name for layer in model.layers)
    assert sorted(train.Tags()["histograms"]) == [
        f"{hidden}/bias/histogram",
        f"{hidden}/kernel/histogram",
        f"{out}/bias/histogram",
        f"{out}/kernel/histogram",
    ]
    kernel = train.Histograms(f"{hidden}/kernel/histogram")[-1].histogram_value
    assert kernel.num == 12 and kernel.sum == pytest.approx(float(model.layers[0].kernel.detach().sum()), abs=1e-5)

    validation = _read(tmp_path / "validation")
    assert _scalars(validation, "epoch_loss") == [(e, pytest.approx(v)) for e, v in enumerate(history["val_loss"])]
    # After each validation, the results at the optimizer's step count (4 steps an epoch).
    assert [step for step, _ in _scalars(validation, "evaluation_loss_vs_iterations")] == [4, 8]


def test_epoch_logging_uses_no_batch_hooks(tmp_path):
    assert not keras.callbacks.CallbackList([keras.callbacks.TensorBoard(tmp_path)]).has_train_batch_hooks
    assert keras.callbacks.CallbackList(
        [keras.callbacks.TensorBoard(tmp_path, update_freq="batch")]
    ).has_train_batch_hooks


def test_graphs(data, tmp_path):
    model = make_model()
    model.fit(*data, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path / "sequential")])
    keras_graph = _read(tmp_path / "sequential" / "train").Tensors("keras")[0]
    config = json.loads(keras_graph.tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(3, activation="relu")
            self.out = keras.layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = Subclassed()
    model.compile("sgd", "mse")
    model(torch.zeros((1, 4)))
    model.fit(*data, epochs=1, verbose=0, callbacks=[keras.callbacks.TensorBoard(tmp_path / "subclassed")])
    graph = _read(tmp_path / "subclassed" / "train").Graph()
    assert {"aten::addmm", "aten::relu"} <= {node.op for node in graph.node}


def test_profile_batches(data, tmp_path):
    board = keras.callbacks.TensorBoard(tmp_path, profile_batch=(2, 3), write_graph=False)
    make_model().fit(*data, batch_size=8, epochs=1, verbose=0, callbacks=[board])
    traces = os.listdir(tmp_path / "train" / "plugins" / "profile")
    assert len(traces) == 1 and traces[0].endswith(".pt.trace.json")
    events = json.loads((tmp_path / "train" / "plugins" / "profile" / traces[0]).read_text())["traceEvents"]
    assert any(event.get("name") == "aten::addmm" for event in events)


def test_embeddings(tmp_path):
    labels = tmp_path / "labels.tsv"
    labels.write_text("\n".join(f"word{i}" for i in range(5)))
    model = keras.Sequential(
        [
            keras.Input((2,), dtype="int32"),
            keras.layers.Embedding(5, 3, name="words"),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
    model.compile("sgd", "mse")
    x = np.array([[0, 1], [2, 3], [4, 0]])
    board = keras.callbacks.TensorBoard(
        tmp_path / "logs", embeddings_freq=1, embeddings_metadata={"words": labels}, write_graph=False
    )
    model.fit(x, np.zeros((3, 1)), epochs=1, verbose=0, callbacks=[board])
    config = (tmp_path / "logs" / "train" / "projector_config.pbtxt").read_text()
    assert 'tensor_name: "words:00000"' in config
    folder = tmp_path / "logs" / "train" / "00000" / "words"
    assert (folder / "metadata.tsv").read_text().split() == [f"word{i}" for i in range(5)]
    vectors = np.loadtxt(folder / "tensors.tsv", delimiter="\t")
    np.testing.assert_allclose(vectors, model.get_layer("words").get_weights()[0], rtol=1e-5)


@pytest.mark.parametrize("profile_batch", [-1, (3, 2), "a,b", (1, 2, 3)])
def test_bad_profile_batch(profile_batch):
    with pytest.raises(ValueError, match="profile_batch must be"):
        keras.callbacks.TensorBoard(profile_batch=profile_batch)
