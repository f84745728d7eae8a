"""LinearModel: tf.keras 2's premade linear (and logistic) regression model."""

from __future__ import annotations

from kerasish import activations, initializers, regularizers
from kerasish.layers.core.dense import Dense
from kerasish.layers.layer import _is_shape
from kerasish.models.model import Model
from kerasish.saving.object_registry import register_builtin


@register_builtin("layers")
class LinearModel(Model):
    """A linear model over one or several inputs, as tf.keras 2's `keras.experimental.LinearModel`:

        y = activation(bias + sum_i x_i @ kernel_i)

    Each input gets its own bias-free `Dense(units)` (a dict of inputs: one per key, in sorted key order, each
    named after its key); one `bias` is shared. With the default zero initializers, training starts from the zero
    model, as a linear or logistic regression does.

    Args:
        units: the output dimension.
        activation: applied to the sum (None: linear; `"sigmoid"`: logistic regression).
        use_bias: whether the model has the bias (intercept).
        kernel_initializer: initializer of the kernels.
        bias_initializer: initializer of the bias.
        kernel_regularizer: regularizer of the kernels.
        bias_regularizer: regularizer of the bias.
        **kwargs: Layer arguments (`name`, `dtype`, ...).

    Example:
        model = keras.experimental.LinearModel()
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, epochs=10)
    """

    def __init__(
        self,
        units: int = 1,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="zeros",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        **kwargs,
    ):
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ValueError(f"LinearModel: `units` must be a positive integer. Received: units={units!r}")
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _dense(self, name: str | None = None) -> Dense:
        return Dense(
            units=self.units,
            use_bias=False,
            kernel_initializer=self.kernel_initializer,
            kernel_regularizer=self.kernel_regularizer,
            name=name,
        )

    def build(self, input_shape) -> None:
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                trainable=True,
            )
        else:
            self.bias = None
        if isinstance(input_shape, dict):
            self._input_names = sorted(input_shape)
            layers = [self._dense(name) for name in self._input_names]
            shapes = [input_shape[name] for name in self._input_names]
        elif isinstance(input_shape, (list, tuple)) and not _is_shape(input_shape):
            self._input_names = None
            layers = [self._dense() for _ in input_shape]
            shapes = list(input_shape)
        else:
            self._input_names = None
            layers, shapes = [self._dense()], [input_shape]
        for layer, shape in zip(layers, shapes):
            layer.build(tuple(shape))
        self.dense_layers = layers
        self.built = True

    def _weight_items(self):
        # tf.keras 2's models list their sublayers' weights before their own (Keras 3's layers the other way
        # round): the kernels, then the bias, so get_weights/set_weights line up with a tf.keras LinearModel.
        items = super()._weight_items()
        return [item for item in items if item[0] is not self] + [item for item in items if item[0] is self]

    def call(self, inputs):
        if isinstance(inputs, dict):
            missing = set(self._input_names or ()) - set(inputs)
            if self._input_names is None or missing:
                raise ValueError(
                    "The `inputs` dictionary does not match the structure expected by the model."
                    f"\n\tExpected keys: {set(self._input_names or ())}\n\tReceived keys: {set(inputs)}"
                    f"\n\tMissing keys: {missing}"
                )
            inputs = [inputs[name] for name in self._input_names]
        elif not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if len(inputs) != len(self.dense_layers):
            raise ValueError(
                f"LinearModel '{self.name}' was built for {len(self.dense_layers)} input(s); received {len(inputs)}."
            )
        result = self.dense_layers[0](inputs[0])
        for tensor, layer in zip(inputs[1:], self.dense_layers[1:]):
            result = result + layer(tensor)
        if self.bias is not None:
            result = result + self.bias
        return self.activation(result) if self.activation is not None else result

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            input_shape = next(iter(input_shape.values()))
        elif isinstance(input_shape, (list, tuple)) and not _is_shape(input_shape):
            input_shape = input_shape[0]
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        config = Model.get_config(self)
        config.update(
            {
                "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            }
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> LinearModel:
        return cls(**config)
