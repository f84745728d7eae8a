"""EinsumDense: a dense layer whose contraction is an einsum equation, with Keras's LoRA."""

from __future__ import annotations

import copy
import re

import torch

from kerasish import activations, constraints, initializers, regularizers
from kerasish.initializers.random_initializers import VarianceScaling
from kerasish.layers.core import lora
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer

# The three forms Keras accepts ("..." written as "0"): no ellipsis, ellipsis on the left, ellipsis on the right.
_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), None),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)"), "left"),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0"), "right"),
)


class EinsumDense(Layer):
    """A layer computing `activation(einsum(equation, inputs, kernel) + bias)`.

    The equation has the form `ab,bc->ac`, `...ab,bc->...ac` or `ab...,bc->ac...`: the inputs' subscripts, the
    kernel's, and the output's. The kernel's shape comes from the input's shape (subscripts shared with the
    input) and `output_shape` (subscripts shared with the output); the bias has the output's sizes on
    `bias_axes` (from the first bias axis on, 1 elsewhere).

    Args:
        equation: the einsum equation.
        output_shape: the output's shape without the batch axis and the elided (`...`) axes; an int for one axis.
            `None` for an axis taken from the input.
        activation: an activation function or name; None means linear.
        bias_axes: the output subscripts that carry a bias (e.g. `"c"`); None for no bias.
        kernel_initializer, bias_initializer: initializers (a variance-scaling kernel initializer counts the
            kernel's input and output subscripts as its fans, as Keras does).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the model's losses.
        kernel_constraint, bias_constraint: projections applied after each optimizer step.
        lora_rank: if set, the layer is built with LoRA enabled at this rank (see `enable_lora`).
        lora_alpha: LoRA's scale numerator (`lora_alpha / lora_rank`, default `lora_rank`).

    Example:
        layer = EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")
        y = layer(torch.ones(2, 32, 128))  # shape (2, 32, 64)
    """

    def __init__(
        self,
        equation: str,
        output_shape,
        activation=None,
        bias_axes: str | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        gptq_unpacked_column_size=None,
        quantization_config=None,
        **kwargs,
    ):
        super().__init__(quantization_config=quantization_config, **kwargs)
        if gptq_unpacked_column_size is not None:
            raise ValueError(
                f"EinsumDense: quantized (GPTQ) layers are not supported by kerasish. Received: "
                f"gptq_unpacked_column_size={gptq_unpacked_column_size}"
            )
        _split(equation)  # a malformed equation fails here, before the layer exists
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        if not isinstance(output_shape, (list, tuple)) or not all(
            d is None or (isinstance(d, int) and d > 0) for d in output_shape
        ):
            raise ValueError(
                f"EinsumDense: `output_shape` must be an int or a list of positive ints and None. "
                f"Received: output_shape={output_shape}"
            )
        output_spec = _split(equation)[0][2]
        if bias_axes is not None and any(char not in output_spec for char in bias_axes):
            raise ValueError(
                f"Bias dimension(s) '{bias_axes}' were requested, but are not all part of the output spec "
                f"'{output_spec}' of equation '{equation}'."
            )
        self.equation = equation
        self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora.check_rank(self, lora_rank)
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.gptq_unpacked_column_size = None
        self.quantization_config = None
        self._apply_activation = self.activation is not activations.linear

    kernel = lora.merged_property("kernel")

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = _analyze(
            self.name, self.equation, self.bias_axes, input_shape, self.partial_output_shape
        )
        self.input_spec = InputSpec(ndim=len(input_shape))
        initializer = self.kernel_initializer
        if isinstance(initializer, VarianceScaling) and (
            initializer.input_axes is None or initializer.output_axes is None
        ):
            # The kernel's fans are its input and output subscripts, not a matrix's rows and columns. A copy keeps
            # the initializer's seed (and its drawn seed), so that repeated builds draw alike, as in Keras.
            initializer = copy.copy(initializer)
            initializer.input_axes, initializer.output_axes = input_axes, output_axes
        self.add_weight(  # registered as `kernel`; the `kernel` property reads it (merged with LoRA's factors)
            name="kernel",
            shape=tuple(kernel_shape),
            initializer=initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(
                name="bias",
                shape=tuple(bias_shape),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)

    def call(self, inputs):
        outputs = torch.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            outputs = outputs + self.bias
        return activations.apply_to_fresh(self.activation, outputs) if self._apply_activation else outputs

    def compute_output_shape(self, input_shape):
        # As Keras: `None` entries of `output_shape` stay unknown even where the input knows the size.
        return tuple(_analyze(self.name, self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2])

    def enable_lora(self, rank: int, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros") -> None:
        """Freezes the kernel and adds LoRA's trainable factors `lora_kernel_a (kernel.shape[:-1] + (rank,))` and
        `lora_kernel_b (rank, kernel.shape[-1])`: the layer then computes with `kernel + (lora_alpha / rank) * a @ b`
        (the factorization is on the kernel's last axis).

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

    def get_config(self) -> dict:
        config = {k: v for k, v in super().get_config().items() if k != "activity_regularizer"}
        return {
            **config,
            "output_shape": list(self.partial_output_shape),
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
            **lora.config(self),
        }


def _split(equation):
    """((input, kernel, output) subscripts, where the ellipsis is: None, "left" or "right")."""
    if isinstance(equation, str):
        normalized = equation.replace("...", "0")
        for pattern, elided in _FORMS:
            match = pattern.fullmatch(normalized)
            if match:
                return match.groups(), elided
    raise ValueError(
        f"Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or "
        f"[X]...,[Y]->[Z]...."
    )


def _analyze(name, equation, bias_axes, input_shape, partial_output_shape):
    """(kernel shape, bias shape or None, full output shape, kernel input axes, kernel output axes)."""
    (input_spec, weight_spec, output_spec), elided_side = _split(equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided_side is None and elided != 0):
        raise ValueError(
            f"Layer \"{name}\": equation '{equation}' expects inputs of rank {len(input_spec)}"
            f"{' or more' if elided_side else ''}; received input_shape={input_shape}"
        )
    output_shape = [input_shape[0], *partial_output_shape]
    if elided_side == "left":
        output_shape[1:1] = input_shape[1:elided]  # the elided axes after the batch axis, in order
        input_axis = {dim: i + elided for i, dim in enumerate(input_spec)}
        output_axis = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        output_shape += input_shape[len(input_shape) - elided :]
        input_axis = {dim: i for i, dim in enumerate(input_spec)}
        output_axis = {dim: i for i, dim in enumerate(output_spec)}
    for dim in input_spec:
        if dim in output_axis:
            size, wanted = input_shape[input_axis[dim]], output_shape[output_axis[dim]]
            if wanted is not None and wanted != size:
                raise ValueError(
                    f"Input shape and output shape do not match at shared dimension '{dim}'. Input shape is "
                    f"{size}, and output shape is {wanted}."
                )
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(
                f"Dimension '{dim}' was specified in the output '{output_spec}' but has no corresponding dim in "
                f"the input spec '{input_spec}' or weight spec '{weight_spec}'"
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_axis:
            kernel_shape.append(output_shape[output_axis[dim]])
            output_axes.append(i)
        elif dim in input_axis:
            kernel_shape.append(input_shape[input_axis[dim]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"Weight dimension '{dim}' did not have a match in either the input spec '{input_spec}' or the "
                f"output spec '{output_spec}'. For this layer, the weight must be fully specified."
            )
    if any(d is None for d in kernel_shape):
        raise ValueError(
            f"Layer \"{name}\": the kernel of equation '{equation}' needs known sizes; received "
            f"input_shape={input_shape} and output_shape={tuple(partial_output_shape)}"
        )
    bias_shape = None
    if bias_axes is not None:
        offset = elided if elided_side == "left" else 0
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [
            output_shape[i + offset] if char in bias_axes else 1 for i, char in enumerate(output_spec) if i >= first
        ]
        if elided_side != "left":
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes
