"""Embedding: integer ids -> dense vectors, with Keras's LoRA (`lora_rank`, `enable_lora`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import constraints, initializers, regularizers
from kerasish.layers.core import lora
from kerasish.layers.layer import Layer


class Embedding(Layer):
    """Maps non-negative integer ids to dense vectors of size `output_dim`.

    Args:
        input_dim: the vocabulary size (largest id + 1).
        output_dim: the size of each vector.
        embeddings_initializer: initializer of the `(input_dim, output_dim)` table (default `uniform`).
        embeddings_regularizer, embeddings_constraint: penalty and projection on the table.
        mask_zero: whether id 0 is padding, to be masked in downstream layers.
        input_length: Keras 2's fixed sequence length (optional).
        weights: the initial table (or a one-element list holding it), set when the layer is built.
        lora_rank: if set, the layer is built with LoRA enabled at this rank (see `enable_lora`).
        lora_alpha: LoRA's scale numerator (`lora_alpha / lora_rank`); as in Keras, a layer built from
            `lora_rank` enables LoRA with `lora_alpha = lora_rank`, and only `enable_lora(rank, lora_alpha)` sets
            another value.

    Example:
        layer = Embedding(1000, 64)
        y = layer(torch.tensor([[4, 20, 7]]))  # shape (1, 3, 64)
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero: bool = False,
        weights=None,
        lora_rank: int | None = None,
        lora_alpha: float | None = None,
        quantization_config=None,
        **kwargs,
    ):
        if weights is not None and not (isinstance(weights, list) and len(weights) == 1):
            weights = [weights]  # as Keras: the embeddings table itself
        super().__init__(weights=weights, quantization_config=quantization_config, **kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = kwargs.get("input_length")
        self.lora_rank = lora.check_rank(self, lora_rank)
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    embeddings = lora.merged_property("embeddings")

    def build(self, input_shape=None):
        if self.built:
            return
        self.add_weight(  # registered as `embeddings`; the property reads it (merged with LoRA's factors)
            name="embeddings",
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True
        if self.lora_rank:
            self.enable_lora(self.lora_rank)  # Keras passes no alpha here: lora_alpha becomes lora_rank

    def enable_lora(self, rank: int, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros") -> None:
        """Freezes the embeddings and adds LoRA's trainable factors `lora_embeddings_a (input_dim, rank)` and
        `lora_embeddings_b (rank, output_dim)`: the layer then looks ids up in
        `embeddings + (lora_alpha / rank) * a @ b`.

        Args:
            rank: the rank of the update.
            lora_alpha: the scale's numerator (default `rank`).
            a_initializer, b_initializer: initializers of the factors (`b` zeros: the layer starts unchanged).
        """
        lora.enable(
            self,
            "embeddings",
            self.embeddings_constraint,
            self.embeddings_regularizer,
            rank,
            lora_alpha,
            a_initializer,
            b_initializer,
            what="embedding",
        )

    def save_own_variables(self, store) -> None:
        """As Keras: the embeddings are saved with LoRA's update merged in (and LoRA's factors not at all)."""
        lora.save_merged(self, "embeddings", store)

    def load_own_variables(self, store) -> None:
        """As Keras: loads the (merged) embeddings into the base ones and resets LoRA's factors to zero."""
        lora.load_merged(self, "embeddings", store)

    def call(self, inputs):
        if inputs.dtype not in (torch.int32, torch.int64):
            inputs = inputs.long()
        return F.embedding(inputs, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        return inputs != 0 if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        config = {k: v for k, v in super().get_config().items() if k != "batch_input_shape"}
        return {
            **config,
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            **lora.config(self),
        }
