"""Functional models at inference write ReLU-style activations and residual adds/products into their dying input,
as torch models do (`Functional._compile_program`, `functional._overwritable`): the outputs must be exactly those
of the out-of-place run, and no value anyone can still see (the user's data, a view, an alias, a hooked output)
may change."""

import numpy as np
import pytest
import torch
from torch.profiler import ProfilerActivity, profile

import kerasish as keras
from kerasish import layers, mixed_precision
from kerasish.models import functional

IN_PLACE_OPS = {
    "aten::relu_",
    "aten::add_",
    "aten::mul_",
    "aten::silu_",
    "aten::tanh_",
    "aten::hardtanh_",
    "aten::hardsigmoid_",
    "aten::hardswish_",
    "aten::leaky_relu_",
    "aten::clamp_",
}


def run(model, x):
    """The inference output and the names of the aten ops it ran."""
    with torch.no_grad(), profile(activities=[ProfilerActivity.CPU]) as prof:
        out = model(x)
    return out, {event.key for event in prof.key_averages()}


def out_of_place(model, x, monkeypatch):
    """The same inference with every in-place step turned off: what the model computed before in-place steps."""
    with monkeypatch.context() as patch:
        patch.setattr(functional, "_overwritable", lambda layer, first: False)
        with torch.no_grad():
            return model(x)


def resnet_block():
    torch.manual_seed(0)
    inputs = keras.Input((8, 8, 4))
    x = layers.Conv2D(8, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    shortcut = x
    y = layers.Conv2D(8, 3, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(8, 1)(y)
    y = layers.BatchNormalization()(y)
    y = layers.Add()([shortcut, y])  # the shortcut dies here: Keras's ResNet order, as in applications.resnet
    outputs = layers.ReLU()(y)
    return keras.Model(inputs, outputs)


def se_block():
    torch.manual_seed(0)
    inputs = keras.Input((8, 8, 4))
    x = layers.Conv2D(8, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("swish")(x)
    se = layers.GlobalAveragePooling2D()(x)
    se = layers.Reshape((1, 1, 8))(se)
    se = layers.Conv2D(2, 1, activation="swish")(se)
    se = layers.Conv2D(8, 1, activation="sigmoid")(se)
    x = layers.Multiply()([x, se])  # EfficientNet's squeeze-and-excite
    x = layers.Conv2D(4, 1)(x)
    x = layers.BatchNormalization()(x)
    outputs = layers.Add()([x, inputs])
    return keras.Model(inputs, outputs)


def randomize_batch_norm(model):
    """Moving statistics away from 0/1, so that the normalization changes the values."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for layer in model.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.moving_mean.copy_(torch.randn(layer.moving_mean.shape, generator=generator))
                layer.moving_variance.copy_(torch.rand(layer.moving_variance.shape, generator=generator) + 0.5)


@pytest.mark.parametrize(
    ("build", "expected_ops"),
    [(resnet_block, {"aten::relu_", "aten::add_"}), (se_block, {"aten::silu_", "aten::mul_", "aten::add_"})],
)
def test_blocks_match_the_out_of_place_run_exactly(build, expected_ops, monkeypatch):
    model = build()
    randomize_batch_norm(model)
    x = torch.randn(2, 8, 8, 4)
    kept = x.clone()
    out, ops = run(model, x)
    assert expected_ops <= ops  # the in-place steps did run
    assert torch.equal(out, out_of_place(model, x, monkeypatch))
    assert torch.equal(x, kept)


@pytest.mark.parametrize(
    ("name", "expected_ops"),
    [
        ("MobileNetV3Small", {"aten::relu_", "aten::add_", "aten::mul_"}),
        # Its blocks' Dropout layers return their input at inference: aliases the add then overwrites.
        ("EfficientNetB0", {"aten::silu_", "aten::add_", "aten::mul_"}),
    ],
)
def test_small_applications_match_the_out_of_place_run_exactly(name, expected_ops, monkeypatch):
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, name)(weights=None, input_shape=(32, 32, 3))
    randomize_batch_norm(model)
    x = torch.rand(2, 32, 32, 3) * 255
    kept = x.clone()
    out, ops = run(model, x)
    assert expected_ops <= ops
    reference = out_of_place(model, x, monkeypatch)
    assert torch.equal(out, reference)
    assert torch.equal(x, kept)
    np.testing.assert_array_equal(model.predict(x.numpy(), verbose=0), reference.numpy())


@pytest.mark.parametrize(
    ("activation", "op"),
    [
        ("relu", "aten::relu_"),
        ("relu6", "aten::hardtanh_"),
        ("silu", "aten::silu_"),
        ("swish", "aten::silu_"),
        ("tanh", "aten::tanh_"),
        ("hard_sigmoid", "aten::hardsigmoid_"),
        ("hard_silu", "aten::hardswish_"),
        ("hard_swish", "aten::hardswish_"),
    ],
)
def test_each_activation_in_place_gives_its_own_numbers(activation, op, monkeypatch):
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    outputs = layers.Activation(activation)(layers.Dense(16)(inputs))
    model = keras.Model(inputs, outputs)
    x = torch.randn(4, 6) * 4  # past the kinks of relu6 and the hard functions
    out, ops = run(model, x)
    assert op in ops
    assert torch.equal(out, out_of_place(model, x, monkeypatch))
    expected = keras.activations.get(activation)(model.layers[1](x))
    assert torch.equal(out, expected.detach())


@pytest.mark.parametrize(
    ("arguments", "op"),
    [({}, "aten::relu_"), ({"max_value": 6.0}, "aten::clamp_"), ({"negative_slope": 0.1}, "aten::leaky_relu_")],
)
def test_relu_layer_in_place(arguments, op, monkeypatch):
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    outputs = layers.ReLU(**arguments)(layers.Dense(16)(inputs))
    model = keras.Model(inputs, outputs)
    x = torch.randn(4, 6) * 8
    out, ops = run(model, x)
    assert op in ops
    assert torch.equal(out, out_of_place(model, x, monkeypatch))
    expected = keras.activations.relu(model.layers[1](x), **arguments).detach()
    assert torch.equal(out, expected)


def test_layers_without_an_in_place_form_run_as_before(monkeypatch):
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    x = layers.Dense(8)(inputs)
    a = layers.ReLU(threshold=0.5)(x)
    b = layers.Activation("sigmoid")(layers.Dense(8)(inputs))  # its output keeps the input as `_keras_logits`
    c = layers.Activation("gelu")(layers.Dense(8)(inputs))
    model = keras.Model(inputs, [a, b, c])
    x = torch.randn(4, 6)
    outputs, ops = run(model, x)
    assert not ops & IN_PLACE_OPS
    for out, reference in zip(outputs, out_of_place(model, x, monkeypatch)):
        assert torch.equal(out, reference)
    logits = model.layers[2](x).detach()
    assert torch.equal(outputs[1]._keras_logits, logits)
    assert torch.equal(outputs[1], torch.sigmoid(logits))


def test_model_inputs_are_never_overwritten():
    # An activation or add straight on the input, after a view of it, after an identity layer, and on NumPy data
    # that torch shares without copying: the caller's data must keep its values.
    inputs = keras.Input((2, 3))
    a = layers.Activation("relu")(inputs)
    b = layers.Activation("relu")(layers.Reshape((3, 2))(inputs))
    c = layers.Activation("relu")(layers.Dropout(0.5)(inputs))
    d = layers.Add()([inputs, layers.Dense(3)(inputs)])
    e = layers.Activation("relu")(layers.Flatten()(inputs))
    model = keras.Model(inputs, [a, b, c, d, e])
    data = np.linspace(-3.0, 3.0, 12, dtype=np.float32).reshape(2, 2, 3)
    for x in (torch.from_numpy(data.copy()), data.copy()):
        kept = x.numpy().copy() if isinstance(x, torch.Tensor) else x.copy()
        with torch.no_grad():
            a, b, c, _, e = model(x)
        np.testing.assert_array_equal(np.asarray(x), kept)
        np.testing.assert_array_equal(a.numpy(), np.maximum(kept, 0))
        np.testing.assert_array_equal(b.numpy(), np.maximum(kept.reshape(2, 3, 2), 0))
        np.testing.assert_array_equal(c.numpy(), np.maximum(kept, 0))
        np.testing.assert_array_equal(e.numpy(), np.maximum(kept.reshape(2, 6), 0))


def test_numpy_data_passed_through_an_identity_layer_is_not_overwritten():
    # Dropout at inference hands the first layer's zero-copy view of the caller's array to the activation.
    inputs = keras.Input((4,))
    outputs = layers.Activation("relu")(layers.Dropout(0.5)(layers.Dropout(0.5)(inputs)))
    model = keras.Model(inputs, outputs)
    data = np.array([[-1.0, 2.0, -3.0, 4.0]], dtype=np.float32)
    with torch.no_grad():
        out = model(data)
    np.testing.assert_array_equal(data, [[-1.0, 2.0, -3.0, 4.0]])
    np.testing.assert_array_equal(out.numpy(), [[0.0, 2.0, 0.0, 4.0]])


def assert_relu_beside_dense(model):
    """`model` (layers[1] a Dense) outputs relu(dense) beside dense itself at inference: the in-place ReLU must not
    have overwritten the Dense output that the concatenation reads after it."""
    x = torch.randn(4, 6)
    expected_dense = model.layers[1](x).detach()
    with torch.no_grad():
        out = model(x)
    assert torch.equal(out, torch.cat([torch.relu(expected_dense), expected_dense], dim=1))


def test_a_view_read_later_keeps_its_values():
    # Reshape's output shares memory with the Dense output, which Concatenate reads after the activation.
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    dense = layers.Dense(6)(inputs)
    activated = layers.Activation("relu")(layers.Reshape((2, 3))(dense))
    outputs = layers.Concatenate()([layers.Flatten()(activated), dense])
    assert_relu_beside_dense(keras.Model(inputs, outputs))


def test_a_view_of_a_dead_value_is_overwritten_under_inference_mode(monkeypatch):
    # Without autograd's view tracking the reshaped value alone holds the memory once Dense's output dies.
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    outputs = layers.Activation("relu")(layers.Reshape((2, 3))(layers.Dense(6)(inputs)))
    model = keras.Model(inputs, outputs)
    x = torch.randn(4, 6)
    with torch.inference_mode(), profile(activities=[ProfilerActivity.CPU]) as prof:
        out = model(x)
    assert "aten::relu_" in {event.key for event in prof.key_averages()}
    assert torch.equal(out, out_of_place(model, x, monkeypatch))


@pytest.mark.parametrize("identity", ["dropout", "lambda"])
def test_a_layer_returning_its_input_is_an_alias(identity):
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    dense = layers.Dense(6)(inputs)
    same = layers.Dropout(0.5)(dense) if identity == "dropout" else layers.Lambda(lambda t: t)(dense)
    activated = layers.Activation("relu")(same)
    outputs = layers.Concatenate()([activated, dense])  # reads `dense`, the same tensor object, afterwards
    assert_relu_beside_dense(keras.Model(inputs, outputs))


def test_a_value_read_by_two_layers_is_overwritten_only_by_the_last(monkeypatch):
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    dense = layers.Dense(6)(inputs)
    a = layers.Activation("relu")(dense)
    b = layers.Activation("tanh")(dense)
    c = layers.Add()([dense, dense])  # the same tensor twice in one call
    outputs = layers.Concatenate()([a, b, c])
    model = keras.Model(inputs, outputs)
    x = torch.randn(4, 6)
    expected_dense = model.layers[1](x).detach()
    out, ops = run(model, x)
    assert torch.equal(
        out, torch.cat([torch.relu(expected_dense), torch.tanh(expected_dense), expected_dense * 2], dim=1)
    )
    assert torch.equal(out, out_of_place(model, x, monkeypatch))


def test_an_output_kept_by_a_hook_keeps_its_values():
    torch.manual_seed(0)
    inputs = keras.Input((6,))
    dense_layer = layers.Dense(6)
    outputs = layers.Activation("relu")(dense_layer(inputs))
    model = keras.Model(inputs, outputs)
    x = torch.randn(4, 6)
    with torch.no_grad():
        expected_dense = dense_layer(x)
    seen = []
    dense_layer.register_forward_hook(lambda module, args, output: seen.append(output))
    with torch.no_grad():
        out = model(x)
    assert torch.equal(seen[0], expected_dense)
    assert torch.equal(out, torch.relu(expected_dense))


def test_a_forward_hook_on_the_layer_still_fires():
    model = resnet_block()
    add = next(layer for layer in model.layers if isinstance(layer, layers.Add))
    relu = model.layers[-1]
    calls = []
    add.register_forward_hook(lambda module, args, output: calls.append(("add", output.clone())))
    relu.register_forward_pre_hook(lambda module, args: calls.append(("relu", args[0].clone())))
    x = torch.randn(2, 8, 8, 4)
    out, ops = run(model, x)
    assert [name for name, _ in calls] == ["add", "relu"]
    assert torch.equal(calls[0][1], calls[1][1])
    assert torch.equal(out, torch.relu(calls[0][1]))
    assert "aten::add_" not in ops and "aten::relu_" in ops  # the hooked layers ran out of place, the others not


def test_masks_pass_through_as_before(monkeypatch):
    inputs = keras.Input((5,), dtype="int32")
    x = layers.Embedding(10, 3, mask_zero=True)(inputs)
    outputs = layers.Activation("relu")(x)
    model = keras.Model(inputs, outputs)
    ids = torch.tensor([[1, 2, 0, 0, 3]])
    with torch.no_grad():
        out = model(ids)
    assert torch.equal(out._keras_mask, torch.tensor([[True, True, False, False, True]]))
    assert torch.equal(out, out_of_place(model, ids, monkeypatch))


def test_a_subclass_with_its_own_call_is_not_replaced():
    class Doubled(layers.Activation):
        def call(self, inputs):
            return 2 * super().call(inputs)

    inputs = keras.Input((3,))
    outputs = Doubled("relu")(layers.Dense(3)(inputs))
    model = keras.Model(inputs, outputs)
    x = torch.randn(4, 3)
    with torch.no_grad():
        out = model(x)
    assert torch.equal(out, 2 * torch.relu(model.layers[1](x)).detach())


def test_training_runs_out_of_place():
    model = resnet_block()
    model.train()
    x = torch.randn(2, 8, 8, 4)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        out = model(x, training=True)
    out.sum().backward()  # the backward needs the activations the forward kept
    assert not {event.key for event in prof.key_averages()} & {"aten::relu_", "aten::add_"}
    assert all(w.grad is not None for w in model.trainable_weights)
    # An optimizer step then an inference run: the inference still matches the out-of-place numbers.
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x.numpy(), np.zeros((2, 8, 8, 8), np.float32), epochs=1, verbose=0)
    model.eval()
    with torch.enable_grad():
        reference = model(x).detach()
    with torch.no_grad():
        assert torch.equal(model(x), reference)


def test_mixed_precision_model(monkeypatch):
    mixed_precision.set_global_policy("mixed_bfloat16")
    torch.manual_seed(0)
    inputs = keras.Input((8, 8, 4))
    x = layers.Conv2D(8, 3, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    y = layers.Conv2D(8, 1)(x)
    y = layers.Add()([y, x])
    # A float32 layer in a mixed model computes in float32: its bfloat16 input cannot hold its output.
    full = layers.Activation("relu", dtype="float32")(layers.BatchNormalization()(layers.Conv2D(8, 1)(y)))
    model = keras.Model(inputs, [y, full])
    x = torch.randn(2, 8, 8, 4)
    (y_out, full_out), ops = run(model, x)
    assert y_out.dtype == torch.bfloat16 and full_out.dtype == torch.float32
    assert "aten::relu_" in ops
    y_reference, full_reference = out_of_place(model, x, monkeypatch)
    assert torch.equal(y_out, y_reference)
    assert torch.equal(full_out, full_reference)


def test_memory_torch_does_not_own_is_not_overwritten():
    # A layer handing out a NumPy array's memory (a constant table): the tensor is private, its memory is not.
    table = np.array([[-1.0, 2.0, -3.0]], dtype=np.float32)
    inputs = keras.Input((3,))
    looked_up = layers.Lambda(lambda t: torch.from_numpy(table), output_shape=(1, 3))(inputs)
    model = keras.Model(inputs, layers.Activation("relu")(looked_up))
    with torch.no_grad():
        out = model(torch.zeros(1, 3))
    np.testing.assert_array_equal(table, [[-1.0, 2.0, -3.0]])
    np.testing.assert_array_equal(out.numpy(), [[0.0, 2.0, 0.0]])


def test_attributes_of_the_input_do_not_leak_to_the_output(monkeypatch):
    # Softmax keeps its logits on its output; a ReLU written into that tensor would hand them on to a loss.
    inputs = keras.Input((4,))
    probabilities = layers.Activation("softmax")(layers.Dense(4)(inputs))
    model = keras.Model(inputs, layers.Activation("relu")(probabilities))
    x = torch.randn(3, 4)
    with torch.no_grad():
        out = model(x)
    assert not hasattr(out, "_keras_logits")
    assert torch.equal(out, out_of_place(model, x, monkeypatch))


def test_a_masked_product_keeps_keras_masking(monkeypatch):
    # Keras's Multiply counts masked steps of an input as 1: a product written in place would ignore the mask.
    torch.manual_seed(0)
    ids_input = keras.Input((5,), dtype="int32")
    scale_input = keras.Input((5, 3))
    embedded = layers.Embedding(10, 3, mask_zero=True)(ids_input)
    outputs = layers.Multiply()([layers.Activation("tanh")(embedded), scale_input])
    model = keras.Model([ids_input, scale_input], outputs)
    ids, scale = torch.tensor([[1, 2, 0, 0, 3]]), torch.randn(1, 5, 3)
    with torch.no_grad():
        out = model([ids, scale])
    assert torch.equal(out, out_of_place(model, [ids, scale], monkeypatch))
    assert torch.equal(out[0, 2:4], scale[0, 2:4])  # the masked steps: the other input's values
    embedding = next(layer for layer in model.layers if isinstance(layer, layers.Embedding))
    expected = torch.tanh(embedding.embeddings[ids[0, [0, 1, 4]]]).detach() * scale[0, [0, 1, 4]]
    assert torch.equal(out[0, [0, 1, 4]], expected)


def test_merges_whose_output_the_first_input_cannot_hold_run_as_before(monkeypatch):
    # A broadcast that grows the first input, a lower-rank second input (Keras aligns it after the batch axis, torch
    # would align it at the end), a wider dtype in the second input, and a mask on the second input (Multiply
    # counts its masked steps as 1): each keeps the out-of-place result.
    torch.manual_seed(0)
    small, big = keras.Input((1, 3)), keras.Input((4, 3))
    square, flat, wide = keras.Input((3, 3)), keras.Input((3,)), keras.Input((4, 3), dtype="float64")
    ids = keras.Input((4,), dtype="int32")

    denses = []

    def dense(x):
        denses.append(layers.Dense(3))
        return layers.Activation("tanh")(denses[-1](x))

    masked = layers.Activation("tanh")(layers.Embedding(10, 3, mask_zero=True)(ids))
    outputs = [
        layers.Add()([dense(small), big]),
        layers.Multiply()([dense(square), flat]),
        layers.Add()([dense(big), wide]),
        layers.Multiply()([dense(big), masked]),
    ]
    model = keras.Model([small, big, square, flat, wide, ids], outputs)
    data = [
        torch.randn(3, 1, 3),
        torch.randn(3, 4, 3),
        torch.randn(3, 3, 3),
        torch.randn(3, 3),
        torch.randn(3, 4, 3, dtype=torch.float64),
        torch.tensor([[1, 0, 2, 0], [0, 3, 4, 5], [6, 7, 0, 0]]),
    ]
    got, ops = run(model, data)
    assert "aten::tanh_" in ops and not ops & {"aten::add_", "aten::mul_"}
    expected = out_of_place(model, data, monkeypatch)
    assert [t.shape for t in got] == [(3, 4, 3), (3, 3, 3), (3, 4, 3), (3, 4, 3)]
    assert got[2].dtype == torch.float64
    for g, e in zip(got, expected):
        assert torch.equal(g, e)
    with torch.no_grad():
        assert torch.equal(got[1], torch.tanh(denses[1](data[2])) * data[3][:, None, :])
    # The masked steps of the second input count as 1: there the product is the first input.
    with torch.no_grad():
        first = torch.tanh(denses[3](data[1]))
    masked_steps = data[5] == 0
    assert torch.equal(got[3][masked_steps], first[masked_steps])


# torch 2.13 leaves its frame evaluator installed for the rest of a process once a compile has failed, which changes
# how many references a function's argument has: every test above runs again in such a process.
_AFTER_A_FAILED_COMPILE = """
import sys
import pytest
import torch
import kerasish  # imported before the failure, as in a process that compiles a model's step after building it

def failing_backend(graph_module, example_inputs):
    raise TypeError("no")

try:
    torch.compile(lambda x: x + 1, backend=failing_backend)(torch.ones(1))
except torch._dynamo.exc.BackendCompilerFailed:
    pass
else:
    sys.exit("the compile did not fail")
sys.exit(pytest.main([sys.argv[1], "-k", "not after_a_failed_compile", "-p", "no:cacheprovider"]))
"""


@pytest.mark.slow  # a fresh process
def test_in_place_steps_hold_after_a_failed_compile_in_the_process():
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run(
        [sys.executable, "-c", _AFTER_A_FAILED_COMPILE, os.path.abspath(__file__)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
