"""ReversibleEmbedding: an Embedding that can also project hidden states back to vocabulary logits."""

from __future__ import annotations

import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import shapes_to_specs
from kerasish.layers.core.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """An embedding layer which can project backwards to the input dim (a language model's tied output layer).

    Called normally it looks ids up, as `Embedding`. Called with `reverse=True` it maps `(..., output_dim)` hidden
    states to `(..., input_dim)` logits with the transposed embeddings (`tie_weights=True`) or with its own
    `reverse_embeddings (output_dim, input_dim)` weight; no bias.

    Args:
        input_dim: the vocabulary size.
        output_dim: the size of each vector.
        tie_weights: whether the reverse projection uses the embeddings' transpose.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint, mask_zero: as `Embedding`
            (the untied `reverse_embeddings` uses the same initializer).
        reverse_dtype: the dtype the reverse projection computes in (default the layer's compute dtype).
        logit_soft_cap: if set, the reverse logits become `tanh(logits / logit_soft_cap) * logit_soft_cap`.
        **kwargs: `Embedding`'s other arguments (`lora_rank`, `name`, `dtype`, ...).

    Call arguments:
        inputs: ids, or (with `reverse=True`) hidden states.
        reverse: whether to project hidden states to logits.

    Example:
        embedding = ReversibleEmbedding(100, 32)
        hidden = embedding(torch.randint(100, (16, 50)))  # (16, 50, 32)
        logits = embedding(hidden, reverse=True)  # (16, 50, 100)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        tie_weights: bool = True,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        reverse_dtype=None,
        logit_soft_cap: float | None = None,
        **kwargs,
    ):
        super().__init__(
            input_dim,
            output_dim,
            embeddings_initializer=embeddings_initializer,
            embeddings_regularizer=embeddings_regularizer,
            embeddings_constraint=embeddings_constraint,
            mask_zero=mask_zero,
            **kwargs,
        )
        if logit_soft_cap is not None and not logit_soft_cap > 0:
            raise ValueError(
                f'Layer "{self.name}": `logit_soft_cap` must be a positive number or None. '
                f"Received: logit_soft_cap={logit_soft_cap}"
            )
        self.tie_weights = tie_weights
        if reverse_dtype is not None:
            reverse_dtype = config.dtype_name(config.standardize_dtype(reverse_dtype))
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                name="reverse_embeddings",
                shape=(self.output_dim, self.input_dim),
                initializer=self.embeddings_initializer,
            )

    def call(self, inputs, reverse: bool = False):
        if not reverse:
            outputs = super().call(inputs)
            if self.mask_zero:
                outputs._keras_mask = inputs != 0
            return outputs
        kernel = self.embeddings.T if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            dtype = config.standardize_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        logits = torch.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, mask=None):
        # The forward call sets its own mask; logits carry none.
        return None

    def compute_output_shape(self, input_shape, reverse: bool = False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_spec(self, inputs, reverse: bool = False):
        dtype = self.reverse_dtype if reverse and self.reverse_dtype is not None else self.compute_dtype
        return shapes_to_specs(self.compute_output_shape(tuple(inputs.shape), reverse), dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        }
