"""The Layer base: names, add_weight, weight order and I/O, freezing, losses, config capture, tracking."""

import re

import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish import layers


def _name_index(name: str, prefix: str) -> int:
    """`dense` -> 0, `dense_3` -> 3."""
    match = re.fullmatch(rf"{prefix}(?:_(\d+))?", name)
    assert match, f"{name!r} is not an automatic name for {prefix!r}"
    return int(match.group(1) or 0)


class Scale(layers.Layer):
    """A custom layer the Keras way: weights in build, math in call, arguments in get_config."""

    def __init__(self, init_value=1.0, **kwargs):
        super().__init__(**kwargs)
        self.init_value = init_value

    def build(self, input_shape):
        self.scale = self.add_weight(
            shape=(input_shape[-1],), initializer=keras.initializers.Constant(self.init_value), name="scale"
        )
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, inputs):
        return inputs * self.scale

    def get_config(self):
        return {**super().get_config(), "init_value": self.init_value}


class TwoDense(layers.Layer):
    """A layer with sublayers and one weight of its own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = layers.Dense(3, name="first")
        self.second = layers.Dense(2, name="second")

    def build(self, input_shape):
        self.gain = self.add_weight(shape=(2,), initializer="ones", name="gain")

    def call(self, inputs):
        return self.second(self.first(inputs)) * self.gain


# ---- names ---------------------------------------------------------------------------------------------------


def test_automatic_names_count_up_per_class_prefix():
    first, second = layers.Dense(1), layers.Dense(1)
    assert _name_index(second.name, "dense") == _name_index(first.name, "dense") + 1
    assert _name_index(layers.Layer().name, "layer") >= 0


def test_automatic_name_of_a_custom_class_is_its_snake_case_name():
    class MyFancyBlock(layers.Layer):
        pass

    _name_index(MyFancyBlock().name, "my_fancy_block")
    assert layers.Dense(1, name="explicit").name == "explicit"


# ---- add_weight ----------------------------------------------------------------------------------------------


def test_trainable_weights_are_parameters_and_non_trainable_ones_buffers():
    layer = Scale(2.0)
    layer(torch.ones(1, 3))
    assert isinstance(layer.scale, torch.nn.Parameter) and layer.scale.requires_grad
    assert not isinstance(layer.count, torch.nn.Parameter)
    assert {name for name, _ in layer.named_buffers()} == {"count"}
    assert {name for name, _ in layer.named_parameters()} == {"scale"}
    torch.testing.assert_close(layer.scale.detach(), torch.full((3,), 2.0))


def test_add_weight_defaults_glorot_uniform_for_floats_and_zeros_for_ints():
    layer = layers.Layer()
    torch.manual_seed(0)
    kernel = layer.add_weight(shape=(60, 40))
    counter = layer.add_weight(shape=(3,), dtype="int32", trainable=False)
    limit = np.sqrt(6 / (60 + 40))
    assert kernel.abs().max().item() <= limit and kernel.abs().max().item() > 0.95 * limit
    assert counter.dtype == torch.int32 and counter.tolist() == [0, 0, 0]
    assert [spec.name for spec in layer._weight_specs] == ["variable", "variable_1"]


def test_integer_weights_cannot_be_trainable():
    with pytest.raises(ValueError, match='weight "steps".*trainable=False'):
        layers.Layer(name="ints").add_weight(shape=(), dtype="int64", name="steps")


def test_weight_regularizer_value_shows_in_losses_and_constraint_is_kept():
    layer = layers.Layer()
    w = layer.add_weight(
        shape=(2, 2), initializer="ones", regularizer=keras.regularizers.L2(0.5), constraint="non_neg", name="w"
    )
    [penalty] = layer.losses
    assert penalty.item() == pytest.approx(0.5 * 4)
    with torch.no_grad():
        w.mul_(3.0)
    assert layer.losses[0].item() == pytest.approx(0.5 * 4 * 9)  # recomputed from the current value
    assert type(layer._weight_specs[0].constraint).__name__ == "NonNeg"


# ---- weights order and I/O -----------------------------------------------------------------------------------


def test_weights_order_own_trainable_then_non_trainable_then_sublayers():
    scale = Scale()
    scale.build((None, 2))
    assert [tuple(w.shape) for w in scale.weights] == [(2,), ()]

    nested = TwoDense(name="two")
    nested(torch.ones(1, 4))
    assert nested._weight_names() == ["two/gain", "first/kernel", "first/bias", "second/kernel", "second/bias"]
    assert [tuple(w.shape) for w in nested.weights] == [(2,), (4, 3), (3,), (3, 2), (2,)]


def test_get_set_weights_round_trip():
    source, target = TwoDense(), TwoDense()
    x = torch.randn(5, 4)
    source(x), target(x)
    target.set_weights(source.get_weights())
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)
    torch.testing.assert_close(target(x), source(x))


def test_set_weights_shape_mismatch_names_the_layer_and_changes_nothing():
    model = TwoDense()
    model(torch.ones(1, 4))
    before = model.get_weights()
    bad = [np.full_like(w, 7.0) for w in before]
    bad[-1] = np.zeros(5, dtype="float32")  # second/bias should be (2,)
    with pytest.raises(ValueError, match=r'Layer "second" weight "bias": expected shape \(2,\), received .*\(5,\)'):
        model.set_weights(bad)
    for old, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, now)  # the first four, valid, arrays were not assigned either


def test_set_weights_wrong_count_names_the_layer():
    layer = layers.Dense(2, name="counted")
    layer.build((None, 3))
    with pytest.raises(ValueError, match='Layer "counted" expects 2 weight'):
        layer.set_weights([np.zeros((3, 2))])


def test_count_params_and_unbuilt_error():
    layer = layers.Dense(4, name="lazy_dense")
    with pytest.raises(ValueError, match="lazy_dense.*isn't built"):
        layer.count_params()
    layer.build((None, 3))
    assert layer.count_params() == 3 * 4 + 4


# ---- freezing ------------------------------------------------------------------------------------------------


def test_freezing_moves_weights_to_non_trainable_and_stops_gradients():
    layer = Scale()
    layer.build((None, 3))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not layer.scale.requires_grad
    layer.trainable = True
    assert [tuple(w.shape) for w in layer.trainable_weights] == [(3,)]
    assert layer.scale.requires_grad


def test_freezing_a_nested_sublayer_only():
    model = TwoDense()
    model(torch.ones(1, 4))
    model.second.trainable = False
    assert [tuple(w.shape) for w in model.trainable_weights] == [(2,), (4, 3), (3,)]
    assert [tuple(w.shape) for w in model.non_trainable_weights] == [(3, 2), (2,)]
    model(torch.ones(2, 4)).sum().backward()
    assert model.second.kernel.grad is None and model.first.kernel.grad is not None


def test_freezing_the_outer_layer_freezes_every_sublayer():
    model = TwoDense()
    model(torch.ones(1, 4))
    model.trainable = False
    assert model.trainable_weights == []
    assert not model.first.trainable and not model.second.trainable
    assert not any(w.requires_grad for w in model.weights)


def test_trainable_false_in_constructor_and_config():
    layer = layers.Dense(2, trainable=False)
    layer.build((None, 2))
    assert layer.trainable_weights == [] and not layer.kernel.requires_grad
    assert layer.get_config()["trainable"] is False


# ---- tracking ------------------------------------------------------------------------------------------------


class Stack(layers.Layer):
    """Sublayers kept in a plain Python list, as Keras code often does."""

    def __init__(self, widths, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [layers.Dense(w) for w in widths]

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return x


def test_layers_in_python_lists_are_tracked():
    stack = Stack([3, 2])
    stack(torch.ones(1, 4))
    assert [tuple(w.shape) for w in stack.weights] == [(4, 3), (3,), (3, 2), (2,)]
    assert stack.count_params() == 15 + 8
    assert len(list(stack.parameters())) == 4


def test_lists_of_layers_with_sublayers_count_each_weight_once():
    class Tower(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.stacks = [Stack([3]), Stack([2])]

        def call(self, x):
            for stack in self.stacks:
                x = stack(x)
            return x

    tower = Tower()
    tower(torch.ones(1, 4))
    assert [tuple(w.shape) for w in tower.weights] == [(4, 3), (3,), (3, 2), (2,)]
    tower.trainable = False
    assert tower.trainable_weights == [] and not tower.stacks[1].blocks[0].trainable


def test_a_layer_reached_twice_contributes_its_weights_once():
    shared = layers.Dense(2)

    class Twice(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.a = shared
            self.b = shared

        def call(self, x):
            return self.b(self.a(x))

    twice = Twice()
    twice(torch.ones(1, 2))
    assert len(twice.weights) == 2 and twice.count_params() == 6


# ---- losses --------------------------------------------------------------------------------------------------


def test_activity_regularizer_adds_a_loss_per_call():
    layer = layers.Dense(2, kernel_initializer="ones", activity_regularizer=keras.regularizers.L1(0.1))
    layer(torch.ones(1, 3))  # outputs [3, 3]
    assert [loss.item() for loss in layer.losses] == [pytest.approx(0.6)]
    layer(2 * torch.ones(1, 3))  # a new top-level call replaces the previous call's losses
    assert [loss.item() for loss in layer.losses] == [pytest.approx(1.2)]


def test_add_loss_in_call_of_a_sublayer_is_collected_by_the_parent():
    class Penalised(layers.Layer):
        def call(self, x):
            self.add_loss(x.abs().sum())
            return x

    class Parent(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Penalised()

        def call(self, x):
            return self.inner(x)

    parent = Parent()
    parent(torch.tensor([[1.0, -2.0]]))
    assert [loss.item() for loss in parent.losses] == [3.0]


# ---- custom layers and config --------------------------------------------------------------------------------


def test_custom_layer_config_round_trip():
    layer = Scale(3.0, name="scaler")
    layer(torch.ones(1, 2))
    config = layers.serialize(layer)
    rebuilt = layers.deserialize(config, custom_objects={"Scale": Scale})
    assert rebuilt.name == "scaler" and rebuilt.init_value == 3.0
    assert rebuilt.built  # build_config replays the build
    torch.testing.assert_close(rebuilt(torch.ones(1, 2)), torch.full((1, 2), 3.0))


def test_plain_init_arguments_are_captured_without_get_config():
    class Shift(layers.Layer):
        def __init__(self, amount, axis=-1, **kwargs):
            super().__init__(**kwargs)
            self.amount = amount

        def call(self, x):
            return x + self.amount

    config = Shift(2.5, name="shift").get_config()
    assert config["amount"] == 2.5 and config["name"] == "shift"
    assert "axis" not in config  # as in Keras, only the arguments actually passed are captured
    assert Shift.from_config(config).amount == 2.5


def test_non_plain_init_arguments_require_get_config():
    class Holder(layers.Layer):
        def __init__(self, inner, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner

    with pytest.raises(TypeError, match=r"must override `get_config\(\)`"):
        Holder(layers.Dense(1)).get_config()


def test_unknown_keyword_arguments_are_refused():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense.*colour"):
        layers.Dense(2, colour="red")


def test_keras3_null_quantization_config_is_accepted_and_a_real_one_refused():
    layers.Dense(2, quantization_config=None)
    with pytest.raises(ValueError, match="quantized"):
        layers.Dense(2, quantization_config={"mode": "int8"})


def test_build_called_directly_counts_as_built():
    layer = layers.Dense(2)
    layer.build((None, 3))
    layer.set_weights([np.ones((3, 2), "float32"), np.zeros(2, "float32")])
    torch.testing.assert_close(layer(torch.ones(1, 3)), torch.full((1, 2), 3.0))  # not rebuilt by the call


def test_compute_output_shape_of_a_custom_layer_runs_on_meta_tensors():
    class Pairs(layers.Layer):
        def call(self, x):
            return x.reshape(x.shape[0], -1, 2)

    assert tuple(Pairs().compute_output_shape((None, 4, 6))) == (None, 12, 2)


def test_keras2_weights_argument_sets_weights_at_build():
    kernel, bias = np.full((2, 3), 0.5, "float32"), np.arange(3, dtype="float32")
    layer = layers.Dense(3, weights=[kernel, bias])
    torch.testing.assert_close(layer(torch.ones(1, 2)), torch.tensor([[1.0, 2.0, 3.0]]))


# ---- the learning phase --------------------------------------------------------------------------------------


def test_training_flag_reaches_dropout_inside_a_custom_layer():
    class Noisy(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.drop = layers.Dropout(0.5)

        def call(self, x):
            return self.drop(x)

    layer, x = Noisy(), torch.ones(8, 64)
    assert torch.equal(layer(x), x)
    assert (layer(x, training=True) == 0).any()
    layer.train()
    assert (layer(x) == 0).any()
    assert torch.equal(layer(x, training=False), x)


def test_training_argument_is_dropped_for_a_leaf_call_without_it_and_inherited_inside_one_with_it():
    class Probe(layers.Layer):
        seen = []

        def call(self, x, training=None):
            Probe.seen.append(training)
            return x

    class Outer(layers.Layer):  # its call takes no `training`; the nested Probe inherits the outer call's
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.probe = Probe()

        def call(self, x):
            return self.probe(x)

    x = torch.ones(2, 3)
    torch.testing.assert_close(layers.Dense(2, kernel_initializer="ones")(x, training=True), torch.full((2, 2), 3.0))
    outer = Outer()
    outer(x, training=True)
    outer(x)
    outer.probe(x, training=False)
    outer.train()
    outer(x)
    assert Probe.seen == [True, False, False, True]


def test_numpy_data_that_does_not_fit_the_built_layer_raises_a_value_error_naming_it():
    layer = layers.Dense(2, name="fixed_width")
    layer(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match='layer "fixed_width".*axis -1 of input shape to have value 3.*\\(4, 5\\)'):
        layer(np.ones((4, 5), "float32"))


def test_weights_are_registered_under_the_attribute_the_layer_assigns():
    class Accumulate(layers.Layer):
        def build(self, input_shape):
            self.bias = None  # a placeholder first, as Dense does without use_bias
            self.bias = self.add_weight(shape=(input_shape[-1],), initializer="ones")  # Keras name "variable"
            self.total = self.add_weight(shape=(), initializer="zeros", trainable=False)

        def call(self, x):
            return x + self.bias + self.total

    layer = Accumulate(name="acc")
    layer(torch.ones(1, 2))
    assert list(layer.state_dict()) == ["bias", "total"]  # one key per weight, named as in Python
    assert layer._weight_names() == ["acc/variable", "acc/variable_1"]  # Keras names unchanged
    layer.to(torch.float64)
    assert layer.total.dtype == torch.float64  # the attribute follows `.to()`, buffers included
    assert layer(torch.ones(1, 2, dtype=torch.float64)).dtype == torch.float64


def test_add_variable_is_keras3s_add_weight_with_shape_and_initializer_first():
    layer = layers.Layer(name="holder")
    w = layer.add_variable((2, 3), "ones", name="w")
    frozen = layer.add_variable((4,), "zeros", dtype="int32", trainable=False, name="counts")
    assert [v.shape for v in layer.weights] == [(2, 3), (4,)] and frozen.dtype == torch.int32
    assert torch.equal(w, torch.ones(2, 3)) and layer.trainable_weights == [w]
    with pytest.raises(TypeError):
        layer.add_variable((2,))  # Keras 3 requires the initializer


def test_input_dtype_is_the_compute_dtype():
    assert layers.Dense(2).input_dtype == "float32"
    assert layers.Dense(2, dtype="mixed_bfloat16").input_dtype == "bfloat16"
    assert layers.Dense(2, dtype="float64").input_dtype == "float64"


class _Counting(layers.Layer):
    """Counts the rows it sees in a metric it holds, and keeps two more in a list."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows = keras.metrics.Sum(name="rows")
        self.extra = [keras.metrics.Mean(name="m1"), keras.metrics.Mean(name="m2")]

    def call(self, x):
        self.rows.update_state(torch.ones(x.shape[0]))
        return x


def test_layer_metrics_are_its_own_then_its_sublayers_each_once():
    inner = _Counting(name="inner")
    outer = layers.Layer(name="outer")
    outer.a, outer.b = inner, inner  # one sublayer reached twice
    outer.own = keras.metrics.Mean(name="own")
    assert [m.name for m in inner.metrics] == ["rows", "m1", "m2"]
    assert [m.name for m in outer.metrics] == ["own", "rows", "m1", "m2"]
    assert len(outer.metrics_variables) == 2 + 1 + 2 + 2  # Mean: total and count; Sum: total
    inner(torch.ones(5, 2))
    assert float(outer.metrics[1].result()) == 5.0
