"""A `tf.data.Dataset` in `fit`/`evaluate`/`predict` trains exactly as the same batches given as numpy arrays."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")

import kerasish as keras  # noqa: E402
from kerasish.trainers.data_adapters import get_data_adapter  # noqa: E402
from kerasish.trainers.data_adapters.tf_dataset_adapter import TFDatasetAdapter, _leaf_to_torch  # noqa: E402

rng = np.random.default_rng(11)
PIXELS = rng.integers(0, 256, size=(40, 6), dtype=np.uint8)
LABELS = rng.integers(0, 3, size=(40,)).astype("int64")
WEIGHTS = rng.uniform(0.5, 2.0, size=(40,)).astype("float32")
X = PIXELS.astype("float32") / 255.0  # what the pipeline's `scale` computes, in float32 as TensorFlow does


def classifier(seed=3):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def scale(pixels, label):
    return tf.cast(pixels, tf.float32) / 255.0, label


def pipeline(shuffle_seed=5, batch_size=16):
    """map, shuffle (reshuffled each epoch), batch and prefetch: the usual tf.data input pipeline."""
    dataset = tf.data.Dataset.from_tensor_slices((PIXELS, LABELS))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(40, seed=shuffle_seed)
    return dataset.map(scale).batch(batch_size).prefetch(2)


def epochs_of(dataset, epochs):
    """The batches of each epoch, as numpy arrays, by iterating the dataset as `fit` does."""
    return [[tuple(np.asarray(t) for t in batch) for batch in dataset] for _ in range(epochs)]


def assert_same_weights(got, expected):
    for a, b in zip(got.get_weights(), expected.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_on_a_shuffled_pipeline_equals_fit_on_the_same_arrays_in_the_same_order():
    model = classifier()
    history = model.fit(pipeline(), epochs=3, verbose=0).history
    # The same pipeline, built afresh, yields the same per-epoch orders: feed them to a twin model as arrays.
    twin, losses = classifier(), []
    for batches in epochs_of(pipeline(), 3):
        x = np.concatenate([b[0] for b in batches])
        y = np.concatenate([b[1] for b in batches])
        losses += twin.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0).history["loss"]
    assert_same_weights(model, twin)
    np.testing.assert_allclose(history["loss"], losses, rtol=1e-6)
    assert int(model.optimizer.iterations) == 9  # 3 batches (16, 16, 8) per epoch


def test_evaluate_and_predict_give_the_numbers_of_the_arrays():
    model = classifier()
    expected = model.evaluate(X, LABELS, batch_size=16, verbose=0)
    np.testing.assert_allclose(model.evaluate(pipeline(None), verbose=0), expected, rtol=1e-6)
    predictions = model.predict(X, batch_size=16, verbose=0)
    np.testing.assert_array_equal(model.predict(pipeline(None), verbose=0), predictions)  # (x, y): y ignored
    inputs_only = tf.data.Dataset.from_tensor_slices(X).batch(7)
    np.testing.assert_allclose(model.predict(inputs_only, verbose=0), predictions, rtol=1e-6, atol=1e-7)


def test_validation_data_as_a_dataset():
    model = classifier()
    validation = tf.data.Dataset.from_tensor_slices((X[30:], LABELS[30:])).batch(4)
    history = model.fit(pipeline(), validation_data=validation, epochs=2, verbose=0).history
    expected = model.evaluate(X[30:], LABELS[30:], batch_size=4, verbose=0)
    np.testing.assert_allclose([history["val_loss"][-1], history["val_accuracy"][-1]], expected, rtol=1e-6)


def test_sample_weights_and_class_weights_from_a_dataset():
    dataset = tf.data.Dataset.from_tensor_slices((X, LABELS, WEIGHTS)).batch(16)
    model, twin = classifier(), classifier()
    model.fit(dataset, epochs=2, verbose=0)
    twin.fit(X, LABELS, sample_weight=WEIGHTS, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(model, twin)

    class_weight = {0: 0.5, 1: 2.0, 2: 1.5}
    model, twin = classifier(), classifier()
    model.fit(pipeline(None), class_weight=class_weight, epochs=2, verbose=0)
    twin.fit(X, LABELS, class_weight=class_weight, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(model, twin)
    with pytest.raises(ValueError, match="class_weight.*sample_weight"):
        classifier().fit(dataset, class_weight=class_weight, epochs=1, verbose=0)


def test_dict_inputs_for_a_multi_input_functional_model():
    def two_inputs():
        keras.utils.set_random_seed(4)
        a, b = keras.Input((4,), name="a"), keras.Input((2,), name="b")
        hidden = keras.layers.Concatenate()([keras.layers.Dense(3)(a), b])
        model = keras.Model({"a": a, "b": b}, keras.layers.Dense(1)(hidden))
        model.compile(optimizer="adam", loss="mse")
        return model

    features = {"a": X[:, :4], "b": X[:, 4:]}
    target = X[:, :1] * 2.0 - X[:, 5:]
    dataset = tf.data.Dataset.from_tensor_slices((features, target)).batch(8)
    model, twin = two_inputs(), two_inputs()
    history = model.fit(dataset, epochs=2, verbose=0).history
    expected = twin.fit(features, target, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    assert_same_weights(model, twin)
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-6)
    inputs_only = tf.data.Dataset.from_tensor_slices(features).batch(8)  # a bare dict is `x`, as Keras unpacks it
    np.testing.assert_array_equal(
        model.predict(inputs_only, verbose=0), model.predict(features, batch_size=8, verbose=0)
    )


def test_an_infinite_dataset_runs_steps_per_epoch_and_needs_them():
    repeated = pipeline(None).repeat()
    model, twin = classifier(), classifier()
    history = model.fit(repeated, steps_per_epoch=2, epochs=3, verbose=0).history
    assert len(history["loss"]) == 3 and int(model.optimizer.iterations) == 6
    # Epochs carry on where the last one stopped: batches 0, 1 | 2, 0 | 1, 2 of the underlying pass, which a
    # twin gets from a generator of the same arrays.
    parts = [slice(0, 16), slice(16, 32), slice(32, 40)]
    twin.fit(((X[p], LABELS[p]) for p in parts * 2), steps_per_epoch=2, epochs=3, verbose=0)
    assert_same_weights(model, twin)
    np.testing.assert_allclose(
        model.evaluate(repeated, steps=1, verbose=0), model.evaluate(X[:16], LABELS[:16], verbose=0), rtol=1e-6
    )
    with pytest.raises(ValueError, match="When providing an infinite dataset, you must specify the number of steps"):
        get_data_adapter(repeated, steps=None)
    assert get_data_adapter(repeated, steps=4).infinite  # with a step count it is read as is


def test_batches_are_torch_tensors_sharing_tensorflow_memory():
    tensor = tf.constant(X)
    converted = _leaf_to_torch(tensor)
    assert converted.data_ptr() == np.asarray(tensor).ctypes.data  # DLPack: no copy
    adapter = get_data_adapter(tf.data.Dataset.from_tensor_slices((PIXELS, LABELS, X)).batch(40))
    x, y, sample_weight = next(iter(adapter.get_epoch_iterator()))
    assert (x.dtype, y.dtype, sample_weight.dtype) == (torch.uint8, torch.int64, torch.float32)
    np.testing.assert_array_equal(x.numpy(), PIXELS)
    assert adapter.num_batches == 1 and not adapter.infinite


def test_strings_in_x_stay_strings_and_in_targets_are_refused():
    words = np.array([b"cat", b"dog", b"cat", b"eel"])
    dataset = tf.data.Dataset.from_tensor_slices((words, np.arange(4.0))).batch(4)
    ((strings, _),) = list(get_data_adapter(dataset).get_epoch_iterator())
    assert isinstance(strings, np.ndarray) and strings.tolist() == words.tolist()  # for the layer that reads them
    reversed_roles = tf.data.Dataset.from_tensor_slices((np.arange(4.0), words)).batch(4)
    with pytest.raises(ValueError, match="`y` holds strings"):
        list(get_data_adapter(reversed_roles).get_epoch_iterator())


def test_ragged_and_sparse_batches_raise_a_clear_error():
    ragged = tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1.0, 2.0], [3.0], [4.0, 5.0, 6.0]]))
    ragged = tf.data.Dataset.zip((ragged.ragged_batch(3), tf.data.Dataset.from_tensors(np.ones((3, 1)))))
    with pytest.raises(ValueError, match="RaggedTensor.*padded_batch"):
        classifier().fit(ragged, verbose=0)
    sparse = tf.data.Dataset.from_tensors(
        (tf.sparse.SparseTensor([[0, 1], [1, 4]], [1.0, 2.0], [2, 6]), np.zeros((2,), "int64"))
    )
    with pytest.raises(ValueError, match="SparseTensor.*tf.sparse.to_dense"):
        classifier().fit(sparse, verbose=0)


def test_under_ddp_each_rank_reads_its_own_shard_of_a_seeded_pipeline():
    # Two ranks, each with the pipeline built in its own process (here: built twice).
    ranks = [TFDatasetAdapter(pipeline(batch_size=8)) for _ in range(2)]  # 5 batches of 8
    for rank, adapter in enumerate(ranks):
        adapter.distribute(rank, 2, seed=0)
        assert adapter.num_batches == 3  # ceil(5 / 2) on every rank: DDP needs every rank in every step
    for _ in range(2):  # each epoch reshuffles alike on both ranks
        epoch = [[batch[1].numpy() for batch in adapter.get_epoch_iterator()] for adapter in ranks]
        assert [len(batches) for batches in epoch] == [3, 3]
        rank0, rank1 = epoch
        np.testing.assert_array_equal(rank1[2], rank1[0])  # rank 1 has 2 batches: padded with its first again
        seen = np.concatenate(rank0 + rank1[:2])
        np.testing.assert_array_equal(np.sort(seen), np.sort(LABELS))  # together: every sample once
    unseeded = TFDatasetAdapter(tf.data.Dataset.from_tensor_slices(X).shuffle(8).batch(4))
    with pytest.raises(ValueError, match="shuffles without a seed.*seed="):
        unseeded.distribute(0, 2, seed=0)


def test_kerasish_does_not_import_tensorflow_or_grain_for_other_data():
    code = (
        "import sys, numpy as np, kerasish as keras\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]); m.compile('sgd', 'mse')\n"
        "m.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)\n"
        "print(sorted(n for n in ('tensorflow', 'grain') if n in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


TORCHRUN_SCRIPT = '''
import os, sys
import numpy as np
import tensorflow as tf
import kerasish as keras

class Recording(keras.Sequential):
    """Keeps the targets of every batch this rank trains on."""
    def train_step(self, data):
        seen.append(data[1].cpu().numpy().ravel())
        return super().train_step(data)

seen = []
ids = np.arange(40, dtype="float32")
x = np.stack([ids / 40.0, ids % 3], axis=1).astype("float32")
dataset = tf.data.Dataset.from_tensor_slices((x, ids)).shuffle(40, seed=3).batch(8)  # 5 batches for 2 ranks
keras.utils.set_random_seed(1)
model = Recording([keras.Input((2,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(0.001), loss="mse")
model.fit(dataset, epochs=2, verbose=0)
np.savez(os.path.join(sys.argv[1], "rank" + os.environ["RANK"] + ".npz"), *model.get_weights(),
         seen=np.stack([np.pad(s, (0, 8 - len(s)), constant_values=-1) for s in seen]))
'''


@pytest.mark.slow  # torchrun launches two ranks that import TensorFlow
@pytest.mark.skipif(not torch.distributed.is_available(), reason="needs torch.distributed")
def test_fit_under_torchrun_gives_each_rank_its_own_batches_of_each_epoch(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(TORCHRUN_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root, "OMP_NUM_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nnodes=1",
            "--nproc_per_node=2",
            "--rdzv_backend=c10d",
            "--rdzv_endpoint=127.0.0.1:0",
            str(script),
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rank0, rank1 = (np.load(tmp_path / f"rank{r}.npz") for r in (0, 1))
    for key in ("arr_0", "arr_1"):  # DDP kept the ranks' weights equal
        np.testing.assert_array_equal(rank0[key], rank1[key])
    seen0, seen1 = rank0["seen"], rank1["seen"]
    assert len(seen0) == len(seen1) == 6  # 3 steps per epoch on each rank (rank 1 pads its 2 batches)
    for epoch in range(2):
        batches0, batches1 = seen0[3 * epoch : 3 * epoch + 3], seen1[3 * epoch : 3 * epoch + 3]
        np.testing.assert_array_equal(batches1[2], batches1[0])  # the padding repeats rank 1's first batch
        rows = np.concatenate([*batches0, *batches1[:2]])
        np.testing.assert_array_equal(np.sort(rows[rows >= 0]), np.arange(40))  # every row once per epoch
    assert not np.array_equal(seen0[:3], seen0[3:])  # and the seeded shuffle reshuffled for the second epoch
