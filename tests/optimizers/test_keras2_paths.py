"""`keras.optimizers.legacy` and `keras.optimizers.experimental` (tf.keras 2's paths) as kerasish's optimizers.

Each variant is the current optimizer (whose steps tests/optimizers/test_keras_trajectories.py checks against
Keras) with tf.keras 2.21's `name` default (the class name, as `inspect.signature(tf_keras.optimizers.legacy.Adam)`
shows) and its `jit_compile` argument accepted.
"""

import inspect

import numpy as np
import pytest
import torch

from kerasish import optimizers
from kerasish.optimizers import experimental, legacy

LEGACY = ["Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam", "RMSprop", "SGD"]
EXPERIMENTAL = LEGACY + ["Adafactor", "AdamW"]


def _steps(optimizer):
    generator = torch.Generator().manual_seed(0)
    params = [
        torch.nn.Parameter(torch.randn(3, 2, generator=generator)),
        torch.nn.Parameter(torch.randn(4, generator=generator)),
    ]
    for _ in range(3):
        optimizer.apply([torch.randn(p.shape, generator=generator) for p in params], params)
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize(("module", "name"), [(legacy, n) for n in LEGACY] + [(experimental, n) for n in EXPERIMENTAL])
def test_variant_is_the_current_optimizer_with_tf_keras_name(module, name):
    variant = getattr(module, name)
    current = getattr(optimizers, name)
    assert issubclass(variant, current) and variant.__name__ == name
    optimizer = variant(learning_rate=0.05)
    assert optimizer.name == name  # tf.keras 2's default; Keras 3's is the snake-cased, numbered name
    assert inspect.signature(variant).parameters["name"].default == name
    assert ("jit_compile" in inspect.signature(variant).parameters) == (module is experimental)
    for ours, reference in zip(_steps(optimizer), _steps(current(learning_rate=0.05))):
        np.testing.assert_array_equal(ours, reference)
    # Serialized as the optimizer it is: a Keras 3 config that rebuilds the same optimizer.
    config = optimizers.serialize(optimizer)
    assert config["class_name"] == name and config["module"] == "keras.optimizers"
    assert config["config"]["name"] == name
    assert type(optimizers.deserialize(config)) is current


def test_keras2_arguments():
    sgd = legacy.SGD(lr=0.1, decay=0.5, momentum=0.9, nesterov=True)
    assert float(sgd.learning_rate) == pytest.approx(0.1) and sgd.decay == 0.5
    params = [torch.nn.Parameter(torch.ones(2))]
    for _ in range(3):
        sgd.apply([torch.ones(2)], params)
    # Time-based decay: step t uses lr / (1 + decay * t).
    velocity, expected = 0.0, 1.0
    for t in range(3):
        lr = 0.1 / (1 + 0.5 * t)
        velocity = 0.9 * velocity - lr
        expected += 0.9 * velocity - lr
    assert float(params[0][0].detach()) == pytest.approx(expected, rel=1e-6)
    assert experimental.Adam(0.01, jit_compile=True).name == "Adam"
    assert legacy.RMSprop(0.01, 0.8).rho == 0.8  # positional arguments in tf.keras's order
    adam = legacy.Adam(0.1, 0.8, 0.9, 1e-3, True, "my_adam")
    assert (adam.beta_1, adam.amsgrad, adam.name) == (0.8, True, "my_adam")
    assert legacy.Optimizer is optimizers.Optimizer and experimental.Optimizer is optimizers.Optimizer
    with pytest.raises(ValueError, match="not recognized"):
        legacy.Adam(learning_rat=0.1)
