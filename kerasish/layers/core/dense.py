"""Dense: `activation(inputs @ kernel + bias)`, with Keras's LoRA (`lora_rank`, `enable_lora`)."""

from __future__ import annotations

import torch

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.core import lora
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class Dense(Layer):
    """A densely-connected layer: `activation(dot(inputs, kernel) + bias)` on the last axis.

    Args:
        units: the output size.
        activation: an activation function or name; None means linear.
        use_bias: whether to add a bias.
        kernel_initializer: initializer of the `(input_dim, units)` kernel (default `glorot_uniform`).
        bias_initializer: initializer of the bias (default `zeros`).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the model's losses.
        kernel_constraint, bias_constraint: projections applied after each optimizer step.
        lora_rank: if set, the layer is built with LoRA enabled at this rank (see `enable_lora`).
        lora_alpha: LoRA's scale numerator (`lora_alpha / lora_rank`); as in Keras, a layer built from
            `lora_rank` enables LoRA with `lora_alpha = lora_rank`, and only `enable_lora(rank, lora_alpha)` sets
            another value.

    Example:
        layer = Dense(32, activation="relu")
        y = layer(torch.ones(4, 16))  # shape (4, 32)
    """

    def __init__(
        self,
        units: int,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, quantization_config=quantization_config, **kwargs)
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}"
            )
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self._apply_activation = self.activation is not activations.linear
        self.lora_rank = lora.check_rank(self, lora_rank)
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    kernel = lora.merged_property("kernel")

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f'Layer "{self.name}" needs a known last axis; received input_shape={input_shape}.')
        self.add_weight(  # registered as `kernel`; the `kernel` property reads it (merged with LoRA's factors)
            name="kernel",
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=(self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank)  # Keras passes no alpha here: lora_alpha becomes lora_rank

    def enable_lora(self, rank: int, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros") -> None:
        """Freezes the kernel and adds LoRA's trainable factors `lora_kernel_a (input_dim, rank)` and
        `lora_kernel_b (rank, units)`: the layer then computes with `kernel + (lora_alpha / rank) * a @ b`.

        Args:
            rank: the rank of the update.
            lora_alpha: the scale's numerator (default `rank`).
            a_initializer, b_initializer: initializers of the factors (`b` zeros: the layer starts unchanged).
        """
        lora.enable(
            self,
            "kernel",
            self.kernel_constraint,
            self.kernel_regularizer,
            rank,
            lora_alpha,
            a_initializer,
            b_initializer,
        )

    def save_own_variables(self, store) -> None:
        """As Keras: the kernel is saved with LoRA's update merged into it (and LoRA's factors not at all)."""
        lora.save_merged(self, "kernel", store)

    def load_own_variables(self, store) -> None:
        """As Keras: loads the (merged) kernel into the base kernel and resets LoRA's factors to zero."""
        lora.load_merged(self, "kernel", store)

    def call(self, inputs):
        kernel, bias = self.kernel, self.bias
        if bias is not None and inputs.dim() == 2:
            outputs = torch.addmm(bias, inputs, kernel)
        else:
            outputs = torch.matmul(inputs, kernel)
            if bias is not None:
                outputs = outputs + bias
        return activations.apply_to_fresh(self.activation, outputs) if self._apply_activation else outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            **lora.config(self),
        }
