"""RandomFourierFeatures: tf.keras 2's random-features map approximating a shift-invariant (RBF) kernel."""

from __future__ import annotations

import math

import torch

from kerasish import initializers
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.saving import object_registry

_SUPPORTED_RBF_KERNEL_TYPES = ["gaussian", "laplacian"]


class RandomFourierFeatures(Layer):
    """Maps `(batch, input_dim)` inputs to `cos(inputs @ (unscaled_kernel / kernel_scale) + bias)`, random features
    whose inner products approximate an RBF kernel (Rahimi and Recht, 2007), as tf.keras 2 has it.

    The kernel's distribution picks the kernel approximated: `"gaussian"` (standard normal entries) for
    `exp(-|x - y|^2 / (2 scale^2))`, `"laplacian"` (standard Cauchy entries) for `exp(-|x - y| / scale)`, or any
    initializer. `unscaled_kernel (input_dim, output_dim)` and `bias (output_dim,)` (uniform in `[0, 2 pi)`) are
    never trained; `kernel_scale (1,)` is, when the layer is trainable. As in tf.keras, the output carries no
    `sqrt(2 / output_dim)` normalization.

    Args:
        output_dim: the number of random features.
        kernel_initializer: `"gaussian"`, `"laplacian"` (either case) or an initializer.
        scale: the kernel's scale (positive); None means `sqrt(input_dim / 2)` for `"gaussian"`, else 1.0.
        trainable: whether `kernel_scale` is learned (default False).
        name: the layer's name.

    Example:
        model = Sequential([Input((784,)), RandomFourierFeatures(4096, scale=10.0), Dense(10)])
    """

    def __init__(
        self, output_dim: int, kernel_initializer="gaussian", scale=None, trainable=False, name=None, **kwargs
    ):
        if isinstance(output_dim, bool) or not isinstance(output_dim, int) or output_dim <= 0:
            raise ValueError(f"`output_dim` should be a positive integer. Received: {output_dim}")
        if isinstance(kernel_initializer, str) and kernel_initializer.lower() not in _SUPPORTED_RBF_KERNEL_TYPES:
            raise ValueError(
                f"Unsupported `kernel_initializer`: {kernel_initializer} Expected one of: {_SUPPORTED_RBF_KERNEL_TYPES}"
            )
        if scale is not None and scale <= 0.0:
            raise ValueError(f"When provided, `scale` should be a positive float. Received: {scale}")
        super().__init__(trainable=trainable, name=name, **kwargs)
        self.output_dim = output_dim
        self.kernel_initializer = kernel_initializer
        self.scale = scale

    def build(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"The rank of the input tensor should be 2. Received input with rank {len(input_shape)} instead. "
                f"Full input shape received: {tuple(input_shape)}"
            )
        input_dim = input_shape[1]
        if input_dim is None:
            raise ValueError(
                f"The last dimension of the input tensor should be defined. Found `None`. Full input shape "
                f"received: {tuple(input_shape)}"
            )
        self.input_spec = InputSpec(ndim=2, axes={1: input_dim})
        self.unscaled_kernel = self.add_weight(
            name="unscaled_kernel",
            shape=(input_dim, self.output_dim),
            dtype="float32",
            initializer=_random_features_initializer(self.kernel_initializer),
            trainable=False,
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(self.output_dim,),
            dtype="float32",
            initializer=initializers.RandomUniform(minval=0.0, maxval=2 * math.pi),
            trainable=False,
        )
        if self.scale is None:
            gaussian = isinstance(self.kernel_initializer, str) and self.kernel_initializer.lower() == "gaussian"
            self.scale = math.sqrt(input_dim / 2.0) if gaussian else 1.0
        self.kernel_scale = self.add_weight(
            name="kernel_scale",
            shape=(1,),
            dtype="float32",
            initializer=initializers.Constant(self.scale),
            trainable=True,
            constraint="non_neg",
        )

    def call(self, inputs):
        kernel = self.unscaled_kernel / self.kernel_scale
        return torch.cos(torch.addmm(self.bias, inputs.float(), kernel))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"The last dimension of the input tensor should be defined, on inputs of rank 2. Full input shape "
                f"received: {tuple(input_shape)}"
            )
        return (input_shape[0], self.output_dim)

    def get_config(self) -> dict:
        kernel_initializer = self.kernel_initializer
        if not isinstance(kernel_initializer, str):
            kernel_initializer = initializers.serialize(initializers.get(kernel_initializer))
        return {
            **super().get_config(),
            "output_dim": self.output_dim,
            "kernel_initializer": kernel_initializer,
            "scale": self.scale,
        }


def _random_features_initializer(initializer):
    if not isinstance(initializer, str):
        return initializers.get(initializer)
    if initializer.lower() == "gaussian":
        return initializers.RandomNormal(stddev=1.0)
    # "laplacian": the Fourier transform of exp(-|x|) is the Cauchy density, so the frequencies are Cauchy draws.
    return _standard_cauchy


def _standard_cauchy(shape, dtype=None):
    return torch.empty(tuple(shape), dtype=torch.float32).cauchy_()


object_registry.register_builtin("layers")(RandomFourierFeatures)  # tf.keras 2 configs name it
