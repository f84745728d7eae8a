"""WideDeepModel: tf.keras 2's premade wide (linear) and deep (DNN) model, trained jointly."""

from __future__ import annotations

from kerasish import activations, optimizers
from kerasish.layers import deserialize as deserialize_layer
from kerasish.layers import serialize as serialize_layer
from kerasish.models.model import Model
from kerasish.saving.object_registry import register_builtin
from kerasish.trainers import compile_utils


class _WideOrDeep:
    """Chooses, per variable, the wide model's optimizer or the deep model's (MultiOptimizer's `optimizer_map`)."""

    def __init__(self, linear_model, linear_optimizer, dnn_optimizer):
        self.linear_model = linear_model
        self.linear_optimizer = linear_optimizer
        self.dnn_optimizer = dnn_optimizer

    def __call__(self, variable):
        linear_ids = {id(weight) for weight in self.linear_model.trainable_weights}
        return self.linear_optimizer if id(variable) in linear_ids else self.dnn_optimizer


@register_builtin("layers")
class WideDeepModel(Model):
    """The sum of a linear model and a deep model, as tf.keras 2's `keras.experimental.WideDeepModel`:

        y = activation(linear_model(linear_inputs) + dnn_model(dnn_inputs))

    Called on a pair `[linear_inputs, dnn_inputs]` it feeds each model its part; on anything else, both models get
    the same inputs. `compile(optimizer=[linear_optimizer, dnn_optimizer], ...)` trains each part with its own
    optimizer (the usual FTRL or SGD for the wide part, Adam or Adagrad for the deep one); a single optimizer trains
    both. With two, `model.optimizer` is a `MultiOptimizer` whose `optimizers` are the two, in that order.

    Args:
        linear_model: the wide part, typically a `LinearModel`; its output must match the deep model's.
        dnn_model: the deep part, a Keras model.
        activation: applied to the sum (None: linear).
        **kwargs: Model arguments (`name`, ...).

    Example:
        model = keras.experimental.WideDeepModel(
            keras.experimental.LinearModel(),
            keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)]),
        )
        model.compile(optimizer=["sgd", "adam"], loss="mse")
        model.fit([linear_inputs, dnn_inputs], y, epochs=10)
    """

    def __init__(self, linear_model, dnn_model, activation=None, **kwargs):
        for argument, value in (("linear_model", linear_model), ("dnn_model", dnn_model)):
            if not callable(value) or not hasattr(value, "trainable_weights"):
                raise ValueError(f"WideDeepModel: `{argument}` must be a Keras model or layer. Received: {value!r}")
        super().__init__(**kwargs)
        self.linear_model = linear_model
        self.dnn_model = dnn_model
        self.activation = activations.get(activation)
        self._optimizer_pair = None

    def call(self, inputs, training=None):
        if isinstance(inputs, (list, tuple)) and len(inputs) == 2:
            linear_inputs, dnn_inputs = inputs
        else:
            linear_inputs = dnn_inputs = inputs
        output = self.linear_model(linear_inputs) + self.dnn_model(dnn_inputs, training=training)
        return self.activation(output) if self.activation is not None else output

    def compile(self, optimizer="rmsprop", *args, **kwargs) -> None:
        """As `Model.compile`; `optimizer` may also be a pair `[linear_optimizer, dnn_optimizer]` (names,
        configs or instances)."""
        if isinstance(optimizer, (list, tuple)):
            if len(optimizer) != 2:
                raise ValueError(
                    "WideDeepModel.compile: `optimizer` must be one optimizer or a pair [linear_optimizer, "
                    f"dnn_optimizer]. Received {len(optimizer)} optimizers."
                )
            linear_optimizer, dnn_optimizer = (optimizers.get(o) for o in optimizer)
            pair = (linear_optimizer, dnn_optimizer)
            optimizer = optimizers.MultiOptimizer(_WideOrDeep(self.linear_model, linear_optimizer, dnn_optimizer))
        else:
            pair = None
        super().compile(optimizer, *args, **kwargs)
        self._optimizer_pair = pair

    def get_compile_config(self) -> dict | None:
        if self._optimizer_pair is None or not getattr(self, "compiled", False) or self._compile_config is None:
            return super().get_compile_config()
        # The pair, as tf.keras's compile took it: MultiOptimizer's selector is this model's own, not a config.
        return compile_utils.serialize_compile_argument(
            {**self._compile_config, "optimizer": list(self._optimizer_pair)}
        )

    def compile_from_config(self, config: dict) -> None:
        arguments = compile_utils.compile_arguments_from_config(
            {**config, "optimizer": "sgd"} if isinstance(config.get("optimizer"), list) else config
        )
        if isinstance(config.get("optimizer"), list):
            arguments["optimizer"] = [optimizers.deserialize(o) for o in config["optimizer"]]
        self.compile(**arguments)

    def get_config(self) -> dict:
        config = Model.get_config(self)
        config.update(
            {
                "linear_model": serialize_layer(self.linear_model),
                "dnn_model": serialize_layer(self.dnn_model),
                "activation": activations.serialize(self.activation),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> WideDeepModel:
        config = dict(config)
        linear_model = deserialize_layer(config.pop("linear_model"), custom_objects=custom_objects)
        dnn_model = deserialize_layer(config.pop("dnn_model"), custom_objects=custom_objects)
        activation = activations.deserialize(config.pop("activation", None))
        return cls(linear_model=linear_model, dnn_model=dnn_model, activation=activation, **config)
