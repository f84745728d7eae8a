"""Trainable weights are torch Parameters that also answer Keras's Variable API."""

import copy

import numpy as np
import torch

import kerasish as keras


def built_dense(constraint=None):
    layer = keras.layers.Dense(2, kernel_constraint=constraint, name="probe")
    layer(torch.ones(1, 3))
    return layer


def test_a_weight_is_a_parameter_with_keras_names():
    layer = built_dense()
    assert isinstance(layer.kernel, torch.nn.Parameter)
    assert layer.kernel.path == "probe/kernel" and layer.kernel.name == "kernel"
    assert layer.kernel.value is layer.kernel


def test_assign_numpy_and_arithmetic_updates_in_place():
    layer = built_dense()
    layer.kernel.assign(np.full((3, 2), 2.0, dtype="float32"))
    layer.bias.assign_add([1.0, 2.0])
    layer.bias.assign_sub([0.5, 0.5])
    out = layer(torch.ones(1, 3))
    np.testing.assert_allclose(out.detach().numpy(), [[6.5, 7.5]])
    snapshot = layer.kernel.numpy()
    layer.kernel.assign(np.zeros((3, 2)))
    assert snapshot.sum() == 12.0  # numpy() is a copy, not a view of the weight


def test_grads_read_through_value_as_in_keras_torch_guide():
    layer = built_dense()
    layer(torch.ones(4, 3)).sum().backward()
    grads = [v.value.grad for v in layer.trainable_weights]
    np.testing.assert_allclose(grads[0].numpy(), np.full((3, 2), 4.0))
    np.testing.assert_allclose(grads[1].numpy(), [4.0, 4.0])


def test_constraint_is_carried_for_the_optimizer_and_survives_deepcopy():
    layer = built_dense(constraint="non_neg")
    assert layer.kernel.constraint is not None
    clone = copy.deepcopy(layer)
    assert clone.kernel.constraint is not None and clone.kernel.path == "probe/kernel"
    layer.kernel.assign(-np.ones((3, 2)))
    optimizer = keras.optimizers.SGD(0.1)
    optimizer.apply([torch.zeros(3, 2), torch.zeros(2)], [layer.kernel, layer.bias])
    assert float(layer.kernel.detach().min()) == 0.0  # NonNeg projected the kernel after the step
