"""CUDA paths (skipped without a GPU): float16 training with loss scaling, bfloat16, pinned-memory worker loading
in processes and threads."""

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import mixed_precision

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(256, 16).astype("float32")
    return x, x.sum(axis=1, keepdims=True).astype("float32")


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_training_on_cuda(policy):
    mixed_precision.set_global_policy(policy)
    try:
        model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
    finally:
        mixed_precision.set_global_policy(None)
    x, y = _data()
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0).history["loss"]
    assert np.isfinite(history).all() and history[-1] < 0.5 * history[0]
    assert all(w.dtype == torch.float32 and w.is_cuda for w in model.weights)
    assert (type(model.optimizer).__name__ == "LossScaleOptimizer") == (policy == "mixed_float16")
    assert model(torch.as_tensor(x[:4]).cuda()).dtype == (
        torch.float16 if policy == "mixed_float16" else torch.bfloat16
    )


def test_loss_scaling_skips_steps_with_inf_gradients_on_cuda():
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=2.0**15)
    w = torch.nn.Parameter(torch.ones(3, device="cuda"))
    optimizer.build([w])
    optimizer.apply([torch.tensor([float("inf"), 1.0, 1.0], device="cuda")], [w])
    assert torch.equal(w.detach().cpu(), torch.ones(3)) and optimizer.dynamic_scale == 2.0**14


class Batches(keras.utils.PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y = _data()

    def __len__(self):
        return 8

    def __getitem__(self, index):
        return self.x[index * 32 : (index + 1) * 32], self.y[index * 32 : (index + 1) * 32]


def _trained_weights(dataset) -> list:
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(dataset, epochs=2, shuffle=False, verbose=0)
    return model.get_weights()


def _shared_memory_works() -> bool:
    # Worker processes hand batches over through /dev/shm; some sandboxes cannot grow files there.
    try:
        torch.multiprocessing.reductions.reduce_storage(torch.zeros(4096).untyped_storage())
        return True
    except RuntimeError:
        return False


# Checked only where CUDA is: the check starts multiprocessing's fd-sharing thread, which would make every later
# in-process DDP launch of the suite spawn instead of fork.
@pytest.mark.skipif(
    not torch.cuda.is_available() or not _shared_memory_works(), reason="shared memory (/dev/shm) is unusable here"
)
def test_worker_processes_with_pinned_memory_give_the_serial_result():
    for a, b in zip(_trained_weights(Batches()), _trained_weights(Batches(workers=2, use_multiprocessing=True))):
        np.testing.assert_array_equal(a, b)


def test_loader_threads_hand_out_pinned_batches_and_train_as_serially():
    from kerasish.trainers.data_adapters import get_data_adapter

    adapter = get_data_adapter(Batches(workers=2))
    try:
        assert all(t.is_pinned() for batch in adapter.get_epoch_iterator() for t in batch)
    finally:
        adapter.close()

    for a, b in zip(_trained_weights(Batches()), _trained_weights(Batches(workers=2))):
        np.testing.assert_array_equal(a, b)
