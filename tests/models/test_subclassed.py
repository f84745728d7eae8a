"""Subclassed models: tracked layers and weights, the learning phase reaching nested layers, torch interop."""

import torch

import kerasish as keras
from kerasish import layers


class Block(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units, activation="relu")
        self.dropout = layers.Dropout(0.5)

    def call(self, x, training=None):
        return self.dropout(self.dense(x), training=training)


class Net(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [Block(16), Block(16)]
        self.head = layers.Dense(1)
        self.inner = keras.Sequential([layers.Dropout(0.5)])

    def call(self, x, training=None):
        for block in self.blocks:
            x = block(x)  # no `training` passed on: it is inherited from this call
        return self.head(self.inner(x))


def test_layers_and_weights_are_tracked_in_order():
    model = Net()
    model(torch.ones(2, 8))
    assert [type(layer).__name__ for layer in model.layers] == ["Block", "Block", "Dense", "Sequential"]
    assert [tuple(w.shape) for w in model.weights] == [(8, 16), (16,), (16, 16), (16,), (16, 1), (1,)]
    assert model.count_params() == (8 * 16 + 16) + (16 * 16 + 16) + 17
    assert len(list(model.parameters())) == 6


def test_explicit_training_true_reaches_nested_dropouts():
    model = Net()
    seen = []  # per Dropout call: whether it changed its input
    for dropout in (model.blocks[0].dropout, model.blocks[1].dropout, model.inner.layers[0]):
        dropout.register_forward_hook(lambda m, args, out: seen.append(not torch.equal(out, args[0])))
    x = torch.ones(16, 8)
    model(x)
    assert seen == [False, False, False]  # inference by default
    seen.clear()
    model(x, training=True)
    assert seen == [True, True, True]
    seen.clear()
    model.train()  # fit's mode
    model(x)
    assert seen == [True, True, True]
    seen.clear()
    model(x, training=False)  # an explicit False wins over train mode
    assert seen == [False, False, False]


def test_freezing_a_subclassed_model_freezes_everything():
    model = Net()
    model(torch.ones(1, 8))
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 6
    assert not any(p.requires_grad for p in model.parameters())


def test_gradients_flow_to_every_trainable_weight():
    model = Net()
    x = torch.randn(4, 8)
    model(x)
    model.blocks[1].trainable = False
    model(x).sum().backward()
    grads = [w.grad is not None for w in model.weights]
    assert grads == [True, True, False, False, True, True]


def test_a_model_moves_with_torch_to_and_state_dict_holds_its_weights():
    model = Net()
    model(torch.ones(1, 8))
    model.to(torch.float64)
    assert model(torch.ones(1, 8, dtype=torch.float64)).dtype == torch.float64
    assert sorted(model.state_dict()) == sorted(
        [
            "blocks.0.dense.kernel",
            "blocks.0.dense.bias",
            "blocks.1.dense.kernel",
            "blocks.1.dense.bias",
            "head.kernel",
            "head.bias",
        ]
    )
