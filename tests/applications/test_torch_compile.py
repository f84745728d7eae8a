"""`torch.compile` on an application model (issue 18): the compiled model gives the eager model's outputs, at
inference and in a training forward and backward. Compiled on torch.compile's "aot_eager" backend (graph capture,
guards and AOTAutograd as inductor, without a C++ build per graph); the expected numbers are the eager run's, made
in the same test."""

import pytest
import torch

import kerasish as keras


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _model():
    keras.utils.set_random_seed(0)
    # No dropout: eager and compiled runs would draw different masks.
    model = keras.applications.MobileNetV3Small(
        weights=None, input_shape=(32, 32, 3), classes=10, classifier_activation=None, dropout_rate=0.0
    )
    # Moving statistics away from 0/1 and non-zero biases, so that every layer changes the values.
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.moving_mean.copy_(torch.randn(layer.moving_mean.shape, generator=generator) * 0.1)
                layer.moving_variance.copy_(torch.rand(layer.moving_variance.shape, generator=generator) + 0.5)
    return model


def test_compiled_inference_matches_eager():
    model = _model()
    model.eval()
    x = torch.rand(2, 32, 32, 3, generator=torch.Generator().manual_seed(2)) * 255
    with torch.no_grad():
        expected = model(x)
        compiled = torch.compile(model, backend="aot_eager")
        got = compiled(x)
    assert got.shape == (2, 10)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    assert not torch.equal(got[0], got[1])  # the two images give different logits: the numbers mean something


def test_compiled_training_forward_and_backward_match_eager():
    model = _model()
    model.train()
    x = torch.rand(2, 32, 32, 3, generator=torch.Generator().manual_seed(2)) * 255
    labels = torch.tensor([3, 7])
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(fn):
        model.zero_grad(set_to_none=True)
        loss = loss_fn(fn(x), labels)
        loss.backward()
        return loss.detach(), [w.grad.clone() for w in model.trainable_weights]

    # BatchNormalization updates its moving statistics in training: both runs start from the same ones.
    state = {k: v.clone() for k, v in model.state_dict().items()}
    expected_loss, expected_grads = step(model)
    expected_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    compiled = torch.compile(model, backend="aot_eager")
    loss, grads = step(compiled)
    torch.testing.assert_close(loss, expected_loss, rtol=1e-5, atol=1e-5)
    assert len(grads) == len(expected_grads) > 0
    for got, want in zip(grads, expected_grads):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-5)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, expected_state[key], rtol=1e-5, atol=1e-6)
