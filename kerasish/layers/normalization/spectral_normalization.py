"""SpectralNormalization: divides a layer's kernel by its largest singular value (Miyato et al., 2018)."""

from __future__ import annotations

import torch

from kerasish import config, initializers
from kerasish.layers.core.wrapper import Wrapper
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import _WeightSpec


class SpectralNormalization(Wrapper):
    """Spectral normalization of a layer's `kernel` (or `embeddings`), for a Lipschitz-bounded layer (GANs).

    In training calls the kernel is replaced by `kernel / sigma` before the layer runs, `sigma` being the largest
    singular value of the kernel reshaped to `(-1, kernel.shape[-1])`, estimated by `power_iterations` steps of the
    power method from the persistent `vector_u (1, kernel.shape[-1])`. Inference calls use the kernel as it is. As
    in Keras, the wrapper tracks the layer's kernel as its own first weight (weights: kernel, vector_u, then the
    layer's other weights), which is also how its variables sit in Keras's weight files.

    Args:
        layer: a layer with a `kernel` (Dense, Conv2D, ...) or `embeddings` (Embedding) weight.
        power_iterations: the number of power-method steps per training call (> 0).

    Example:
        layer = SpectralNormalization(Dense(10))
        y = layer(torch.ones(2, 4), training=True)  # shape (2, 10)
    """

    def __init__(self, layer, power_iterations: int = 1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError(
                f"`power_iterations` should be greater than zero. Received: `power_iterations={power_iterations}`"
            )
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        spec = next((s for s in self.layer._weight_specs if s.name == "kernel"), None) or next(
            (s for s in self.layer._weight_specs if s.name == "embeddings"), None
        )
        if spec is None:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")
        kernel = getattr(self.layer, spec.attr)
        # The layer's own tensor, registered here too (torch and the weight lists count it once).
        if spec.trainable:
            self.register_parameter("kernel", kernel)
        else:
            self.register_buffer("kernel", kernel)
        # Named as the layer names it ("kernel" or "embeddings"), as a Keras variable keeps its name.
        self._weight_specs.append(_WeightSpec(spec.name, "kernel", spec.trainable, assigned=True))
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(
            shape=(1, self.kernel_shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=config.dtype_name(kernel.dtype),
        )

    def call(self, inputs, training=False):
        if training:
            with torch.no_grad():
                vector_u, kernel = self.normalized_weights()
                # An all-zero kernel has no spectrum to normalize by: both stay as they are (without a host sync).
                untouched = torch.all(self.kernel == 0)
                self.vector_u.copy_(torch.where(untouched, self.vector_u, vector_u))
                self.kernel.copy_(torch.where(untouched, self.kernel, kernel))
        output = self.layer(inputs)
        # Keras casts the output back to the inputs' dtype (for mixed precision); integer inputs (an Embedding's
        # ids) keep the layer's float output here.
        if torch.is_tensor(output) and inputs.is_floating_point():
            output = output.to(inputs.dtype)
        return output

    def normalized_weights(self) -> tuple[torch.Tensor, torch.Tensor]:
        """`(vector_u, kernel / sigma)` after `power_iterations` power-method steps (no gradient through sigma)."""
        kernel = self.kernel.detach()
        weights = kernel.reshape(-1, self.kernel_shape[-1])
        vector_u = self.vector_u.detach().to(weights.dtype)
        vector_v = None
        for _ in range(self.power_iterations):
            vector_v = _l2_normalize(vector_u @ weights.T)
            vector_u = _l2_normalize(vector_v @ weights)
        sigma = (vector_v @ weights) @ vector_u.T
        return vector_u.to(self.vector_u.dtype), (kernel / sigma).reshape(self.kernel_shape).to(kernel.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "power_iterations": self.power_iterations}


def _l2_normalize(x: torch.Tensor) -> torch.Tensor:
    # Keras's `normalize(x, axis=None)`: x * rsqrt(sum(x ** 2)), the inverse norm capped at 1 / epsilon.
    return x * torch.clamp(torch.rsqrt(torch.sum(x * x)), max=1.0 / config.epsilon())
