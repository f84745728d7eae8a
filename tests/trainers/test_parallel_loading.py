"""Parallel loading gives the batches in the serial order, so training gives the same weights with any workers."""

import numpy as np
import pytest

import kerasish as keras


class Batches(keras.utils.PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        rng = np.random.RandomState(0)
        self.x = rng.rand(12, 8, 3).astype("float32")
        self.y = self.x.sum(axis=2, keepdims=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return self.x[index], self.y[index]


def _train(data, epochs=2, **fit_kwargs):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(data, epochs=epochs, verbose=0, **fit_kwargs)
    return model.get_weights()


@pytest.mark.parametrize("settings", [{"workers": 3}, {"workers": 2, "use_multiprocessing": True}])
def test_parallel_pydataset_equals_serial(settings):
    serial = _train(Batches())  # shuffled batch order, drawn from the seeded generator on both sides
    parallel = _train(Batches(**settings))
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


def test_keras2_fit_arguments_override_the_dataset_settings():
    serial = _train(Batches())
    parallel = _train(Batches(), workers=2, use_multiprocessing=True, max_queue_size=4)
    for a, b in zip(serial, parallel):
        np.testing.assert_array_equal(a, b)


def test_generator_is_prefetched_in_order_and_its_errors_surface():
    data = Batches()

    def batches():
        for i in range(len(data)):
            yield data[i]

    for a, b in zip(_train(Batches(), epochs=1, shuffle=False), _train(batches(), epochs=1, max_queue_size=3)):
        np.testing.assert_array_equal(a, b)

    def broken():
        yield data[0]
        raise OSError("disk gone")

    with pytest.raises(OSError, match="disk gone"):
        _train(broken(), epochs=1)


# A PyDataset whose batch 3 fails in a worker, run by `fit` in a fresh interpreter: a hang there fails the test
# through the subprocess timeout instead of hanging the suite. The child prints the error `fit` raised.
_FAILING_WORKER = """
import os, signal, sys, threading, time
import numpy as np
import kerasish as keras

mode, kind = sys.argv[1], sys.argv[2]


class LockedError(Exception):
    # Two constructor arguments (rebuilding it from its message fails) and a lock (it cannot be pickled whole).
    def __init__(self, path, code):
        super().__init__(f"cannot read {path} (code {code})")
        self.lock = threading.Lock()


def local_error_class():
    class LocalError(Exception):  # a class inside a function cannot be pickled by reference
        pass
    return LocalError


LocalError = local_error_class()


class Failing(keras.utils.PyDataset):
    def __len__(self):
        return 6

    def __getitem__(self, index):
        if index == 3:
            if kind == "local":
                raise LocalError("batch three is broken")
            if kind == "locked":
                raise LockedError("/data/batch3", 5)
            if kind == "exit":
                os._exit(0)
            os.kill(os.getpid(), signal.SIGKILL)
        return np.ones((4, 3), "float32"), np.ones((4, 1), "float32")


model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
start = time.monotonic()
try:
    model.fit(Failing(workers=2, use_multiprocessing=mode == "processes"), epochs=2, shuffle=False, verbose=0)
except Exception as error:
    print(f"ERROR {type(error).__name__} after {time.monotonic() - start:.1f}s")
    print(error)
"""


def _fit_with_failing_worker(tmp_path, mode: str, kind: str) -> tuple[str, float, str]:
    """Runs the failing fit in a subprocess; returns the raised type's name, the seconds it took, and the message."""
    import os
    import subprocess
    import sys

    script = tmp_path / "failing_worker.py"
    script.write_text(_FAILING_WORKER)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root, "OMP_NUM_THREADS": "1"}
    try:
        result = subprocess.run(
            [sys.executable, str(script), mode, kind], capture_output=True, text=True, timeout=90, env=env
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"fit hung on a worker failing with {kind!r} ({mode})")
    head, _, message = result.stdout.partition("\n")
    assert head.startswith("ERROR "), result.stdout[-2000:] + result.stderr[-3000:]
    _, name, _, seconds = head.split()
    return name, float(seconds[:-1]), message


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_a_worker_error_whose_class_cannot_be_pickled_reaches_fit(tmp_path, mode):
    name, seconds, message = _fit_with_failing_worker(tmp_path, mode, "local")
    assert seconds < 20
    # The type's name, its message and the worker's traceback (down to the raising line) reach the caller.
    assert "LocalError" in message or name == "LocalError"
    assert "batch three is broken" in message
    if mode == "processes":
        assert "Traceback" in message and 'raise LocalError("batch three is broken")' in message


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_a_worker_error_that_cannot_be_rebuilt_from_its_message_reaches_fit(tmp_path, mode):
    name, seconds, message = _fit_with_failing_worker(tmp_path, mode, "locked")
    assert seconds < 20
    assert "LockedError" in message or name == "LockedError"
    assert "cannot read /data/batch3 (code 5)" in message


@pytest.mark.slow  # waits for worker processes to die and be noticed
@pytest.mark.parametrize("kind", ["exit", "kill"])
def test_a_worker_process_that_dies_ends_fit(tmp_path, kind):
    name, seconds, message = _fit_with_failing_worker(tmp_path, "processes", kind)
    # torch reports a dead worker in one of two words, whichever notices first: its check of the workers when a wait
    # for a batch is interrupted or times out, or (for a worker killed by a signal) its SIGCHLD handler, which raises
    # wherever the main thread is then, often in the middle of a train step.
    assert name == "RuntimeError"
    assert "exited unexpectedly" in message or (kind == "kill" and "is killed by signal: Killed" in message)
    assert seconds < 20


class Reshuffled(keras.utils.PyDataset):
    """Sample `i` is the row `[i, i, i]`; `on_epoch_end` draws a new sample order from a seeded generator (Keras's
    documented pattern), which only the main process sees."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.x = np.repeat(np.arange(12, dtype="float32")[:, None], 3, axis=1)
        self.rng = np.random.RandomState(7)
        self.order = np.arange(12)

    def __len__(self):
        return 3

    def __getitem__(self, index):
        rows = self.order[index * 4 : (index + 1) * 4]
        return self.x[rows], self.x[rows, :1]

    def on_epoch_end(self):
        self.order = self.rng.permutation(12)


class Recording(keras.Sequential):
    """Records the samples of each batch it trains on, in the order `fit` hands them over."""

    def train_step(self, data):
        self.seen.append(data[0].flatten(1)[:, 0].int().tolist())
        return super().train_step(data)


def _batches_seen(data, epochs, input_shape=(3,), **fit_kwargs) -> list:
    """The batches `fit` trained on (named by their samples' first feature), epoch by epoch."""
    model = Recording([keras.Input(input_shape), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.seen = []
    model.fit(data, epochs=epochs, shuffle=False, verbose=0, **fit_kwargs)
    steps = len(model.seen) // epochs
    return [model.seen[e * steps : (e + 1) * steps] for e in range(epochs)]


@pytest.fixture(params=["fork", "spawn"])
def start_method(request, monkeypatch):
    """Has the worker processes start with `fork` or with `spawn` (the only method on Windows, and after CUDA)."""
    import torch

    monkeypatch.setattr(torch.multiprocessing, "get_all_start_methods", lambda: [request.param])
    return request.param


@pytest.mark.slow  # fresh worker processes each epoch (spawned ones import torch anew)
def test_worker_processes_see_the_dataset_as_on_epoch_end_left_it(start_method):
    epochs = 3 if start_method == "fork" else 2  # a spawned worker imports torch afresh: seconds per epoch
    serial = _batches_seen(Reshuffled(), epochs=epochs)
    assert all(a != b for a, b in zip(serial, serial[1:]))  # the dataset does reshuffle
    assert _batches_seen(Reshuffled(workers=2, use_multiprocessing=True), epochs=epochs) == serial


def _image_flow(**kwargs):
    x = np.zeros((12, 2, 2, 1), "float32")
    x[:, 0, 0, 0] = np.arange(12)  # no augmentation: pixel (0, 0) names the sample
    return keras.preprocessing.image.ImageDataGenerator().flow(x, np.arange(12), batch_size=4, seed=1, **kwargs)


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_image_iterator_order_in_workers_equals_the_serial_order(use_multiprocessing):
    serial = _batches_seen(_image_flow(), epochs=2, input_shape=(2, 2, 1))
    parallel = _batches_seen(
        _image_flow(), epochs=2, input_shape=(2, 2, 1), workers=2, use_multiprocessing=use_multiprocessing
    )
    assert serial[1] != serial[0]
    assert parallel == serial


@pytest.fixture
def pinning(monkeypatch):
    """Where CUDA is, loader threads pin each batch (`Tensor.pin_memory`, which needs CUDA): here CUDA is faked and
    each pin is recorded as (loader thread's name, the tensor's values), the tensor passing through unchanged."""
    import threading

    import torch

    pinned = []

    def pin_memory(tensor):
        pinned.append((threading.current_thread().name, tensor.numpy().copy()))
        return tensor

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.Tensor, "pin_memory", pin_memory)
    return pinned


def _read_all(data, **adapter_kwargs) -> list:
    from kerasish.trainers.data_adapters import get_data_adapter

    adapter = get_data_adapter(data, **adapter_kwargs)
    try:
        return [tuple(t.numpy().copy() for t in batch) for batch in adapter.get_epoch_iterator()]
    finally:
        adapter.close()


def test_loader_threads_pin_every_batch_where_cuda_is(pinning):
    batches = _read_all(Batches(workers=2))
    assert len(pinning) == 2 * len(batches)  # x and y of every batch
    assert all(thread.startswith("kerasish-loader") for thread, _ in pinning)  # beside training, not in its way
    pinned_values = [values for _, values in pinning]
    for x, y in batches:
        assert any(np.array_equal(x, v) for v in pinned_values) and any(np.array_equal(y, v) for v in pinned_values)

    pinning.clear()
    data = Batches()
    generated = _read_all(iter([data[i] for i in range(3)]))  # a generator's prefetch thread pins too
    assert [thread for thread, _ in pinning] == ["kerasish-prefetch"] * 6
    np.testing.assert_array_equal(generated[2][0], pinning[4][1])

    pinning.clear()
    _read_all(Batches())  # read serially by the training loop itself: a pinning copy there would gain nothing
    assert pinning == []
