"""Attention: dot-product (Luong-style) attention between a query and a value sequence."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import random
from kerasish.layers.layer import Layer
from kerasish.random import SeedGenerator


class Attention(Layer):
    """Dot-product attention: `softmax(query @ key^T) @ value`, per example.

    Called on `[query, value]` or `[query, value, key]` of shapes `(batch, Tq, dim)`, `(batch, Tv, dim)`,
    `(batch, Tv, dim)`; the output has shape `(batch, Tq, dim)`.

    Args:
        use_scale: whether to multiply the scores by a learned scalar `scale`.
        score_mode: `"dot"` (`query @ key^T`) or `"concat"` (`sum(tanh(query + key))`, times a learned scalar).
        dropout: the fraction of attention weights dropped in training.
        seed: an int makes the dropout reproducible.

    Call arguments:
        inputs: `[query, value]` or `[query, value, key]`.
        mask: `[query_mask, value_mask]`: masked query steps output 0; masked value steps get no attention.
        training: whether dropout applies.
        return_attention_scores: whether to also return the attention weights `(batch, Tq, Tv)`.
        use_causal_mask: whether query step `i` may only attend to value steps `j <= i`.

    Example:
        output = Attention()([query, value])
    """

    _dot_product_scores = True

    def __init__(
        self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0, seed: int | None = None, **kwargs
    ):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. "
                f"Received: score_mode={score_mode}"
            )
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self._seed_generator = SeedGenerator(seed) if seed is not None else None  # None: torch's global stream

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")

    def _calculate_scores(self, query, key):
        """Scores of shape `(batch, Tq, Tv)`."""
        if self.score_mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            return scores * self.scale if self.scale is not None else scores
        pairs = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.scale is not None:
            pairs = self.scale * pairs
        return self.concat_score_weight * torch.sum(torch.tanh(pairs), dim=-1)

    def call(
        self, inputs, mask=None, training=False, return_attention_scores: bool = False, use_causal_mask: bool = False
    ):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores_mask = _scores_mask(query.shape[-2], key.shape[-2], value_mask, use_causal_mask, query.device)
        dropout = self.dropout if training else 0.0
        fused = self._dot_product_scores and self.score_mode == "dot" and not return_attention_scores
        if fused and (dropout == 0 or self.seed is None):
            # torch's fused attention; the scale folds into the query, masked scores get Keras's -1e9.
            scaled_query = query * self.scale if self.scale is not None else query
            bias = None
            if scores_mask is not None:
                bias = torch.where(scores_mask, 0.0, -_max_value(query.dtype)).to(query.dtype)
            outputs = F.scaled_dot_product_attention(
                scaled_query, key, value, attn_mask=bias, dropout_p=dropout, scale=1.0
            )
            weights = None
        else:
            scores = self._calculate_scores(query, key)
            if scores_mask is not None:
                scores = torch.where(scores_mask, scores, scores - _max_value(scores.dtype))
            weights = torch.softmax(scores, dim=-1)
            if dropout > 0:
                weights = random.dropout(weights, dropout, seed=self._seed_generator)
            outputs = torch.matmul(weights, value)
        if query_mask is not None:
            outputs = torch.where(query_mask.unsqueeze(-1), outputs, 0.0)
        if return_attention_scores:
            return outputs, weights
        return outputs

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def _validate_inputs(self, inputs, mask=None):
        name = self.__class__.__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f"{name} layer must be called on a list of inputs, namely [query, value] or "
                f"[query, value, key]. Received: inputs={inputs}."
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                f"[query, value, key]. Received length: {len(inputs)}."
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f"{name} layer mask must be a list, namely [query_mask, value_mask]. Received: mask={mask}."
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received {len(mask)} masks.")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


def _scores_mask(query_steps: int, value_steps: int, value_mask, use_causal_mask: bool, device):
    """Which scores count: the unmasked value steps, and with a causal mask only steps `j <= i`."""
    if value_mask is not None:
        value_mask = value_mask.bool().unsqueeze(-2)
    if not use_causal_mask:
        return value_mask
    causal = torch.ones(query_steps, value_steps, dtype=torch.bool, device=device).tril().unsqueeze(0)
    return causal if value_mask is None else value_mask & causal


def _max_value(dtype: torch.dtype) -> float:
    """What Keras subtracts from masked scores."""
    return 65504.0 if dtype == torch.float16 else 1.0e9
