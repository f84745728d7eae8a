"""GroupQueryAttention: attention whose key and value heads are shared by groups of query heads."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kerasish import config, constraints, initializers, regularizers
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.layers.activations.softmax import Softmax
from kerasish.layers.attention.multi_head_attention import ShapesDictBuild
from kerasish.layers.core.einsum_dense import EinsumDense
from kerasish.layers.layer import Layer
from kerasish.layers.regularization.dropout import Dropout
from kerasish.ops import sdpa
from kerasish.saving import object_registry

# What Keras's fused attention puts in place of masked logits: a fully masked query row then attends uniformly.
_MASKED_LOGIT = {torch.float16: -0.7 * 65500.0}
_MASKED_LOGIT_DEFAULT = -0.7 * 3.38953e38


class GroupedQueryAttention(ShapesDictBuild, Layer):
    """Grouped-query attention (Ainslie et al., 2023): `num_query_heads` query heads share `num_key_value_heads`
    key/value heads in equal groups (1 is multi-query attention; `num_query_heads` is multi-head attention).

    Weights, as Keras lays them out (EinsumDense sublayers): `query/kernel (dim, num_query_heads, head_dim)`,
    `key/kernel` and `value/kernel (dim, num_key_value_heads, head_dim)`, their biases, then
    `attention_output/kernel (num_query_heads, head_dim, dim)` and its bias (`gate/...` before `value` with
    `use_gate=True`). The attention runs in torch's `scaled_dot_product_attention` unless the scores are
    requested or dropout is set (as Keras, which then takes its explicit path).

    Args:
        head_dim: the size of each head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key and value heads; must divide `num_query_heads`.
        dropout: the dropout rate on the attention weights.
        use_bias: whether the projections have biases.
        sliding_window: if set, query step `i` only attends to steps `j` with `|i - j| < sliding_window`.
        flash_attention: True requires torch's flash kernel (and forbids dropout and returned scores); False keeps
            off it; None follows `keras.config.enable/disable_flash_attention`.
        kernel_initializer, bias_initializer: initializers of the projections (each gets its own copy).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties, applied to every projection.
        kernel_constraint, bias_constraint: the projections' constraints.
        use_gate: whether to gate the attention output with `sigmoid(gate projection of the query)`.
        seed: an int makes the dropout reproducible.

    Call arguments:
        query: `(batch, Tq, dim)`.
        value: `(batch, Tv, dim)`.
        key: `(batch, Tv, dim)`; `value` if None.
        query_mask, value_mask, key_mask: `(batch, T)` boolean masks (taken from the tensors' masks if absent).
        attention_mask: `(batch, Tq, Tv)` boolean: which query step may attend to which key step.
        return_attention_scores: whether to also return the weights `(batch, num_query_heads, Tq, Tv)`.
        training: whether dropout applies.
        use_causal_mask: whether query step `i` may only attend to steps `j <= i`.

    Example:
        layer = GroupQueryAttention(head_dim=16, num_query_heads=8, num_key_value_heads=2)
        y = layer(x, x)  # self-attention, y.shape == x.shape
    """

    # Keras's class is GroupedQueryAttention (so its default name and weight-file path are
    # "grouped_query_attention"), exported and serialized as GroupQueryAttention.
    _keras_class_name = "GroupQueryAttention"

    def __init__(
        self,
        head_dim: int,
        num_query_heads: int,
        num_key_value_heads: int,
        dropout: float = 0.0,
        use_bias: bool = True,
        sliding_window: int | None = None,
        flash_attention: bool | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate: bool = False,
        seed: int | None = None,
        **kwargs,
    ):
        for argument, value in (
            ("head_dim", head_dim),
            ("num_query_heads", num_query_heads),
            ("num_key_value_heads", num_key_value_heads),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"GroupQueryAttention: `{argument}` must be a positive integer. Received: {argument}={value}"
                )
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(
                f"`num_query_heads` must be divisible by `num_key_value_heads`. Received: "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}"
            )
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                f"`sliding_window` must be `None` or a positive integer. Received: sliding_window={sliding_window}"
            )
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"GroupQueryAttention: `dropout` must be in [0, 1). Received: dropout={dropout}")
        flash_attention = flash_attention or config.is_flash_attention_enabled()
        if flash_attention and dropout > 0.0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. Please set dropout to 0.0 to use "
                "flash attention."
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        self._build_shapes_dict = None

    # ---- building --------------------------------------------------------------------------------------

    def __call__(self, query, value=None, key=None, **kwargs):
        # Built from the shapes of query, value and key together (`Layer.__call__` builds from its first argument).
        if not self.built and value is not None:
            self.build(tuple(query.shape), tuple(value.shape), None if key is None else tuple(key.shape))
            device = getattr(query, "device", None)
            if isinstance(device, torch.device) and device.type != "meta":
                self.to(device)
        args = (query, value) if key is None else (query, value, key)
        return super().__call__(*args, **kwargs)

    def build(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            raise ValueError(
                f'Layer "{self.name}" is built from the shapes of query and value: call it as '
                f"`layer(query, value)` or `layer.build(query_shape, value_shape)`."
            )
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        heads, kv_heads, size = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._projection("query", "bqm,muh->bquh", (None, heads, size), "uh", query_shape)
        self._key_dense = self._projection("key", "bkm,mvh->bkvh", (None, kv_heads, size), "vh", key_shape)
        if self.use_gate:
            self._gate_dense = self._projection(
                "gate", "bqm,muh->bquh", (None, heads, size), "uh", query_shape, activation="sigmoid"
            )
        self._value_dense = self._projection("value", "bkm,mvh->bkvh", (None, kv_heads, size), "vh", value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self.dropout, dtype=self.dtype_policy, seed=self.seed)
        self._output_dense = self._projection(
            "attention_output", "bquh,uhm->bqm", (None, self.feature_dim), "m", (None, None, heads, size)
        )
        self._build_shapes_dict = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_shape is not value_shape:
            self._build_shapes_dict["key_shape"] = list(key_shape)
        self.built = True

    def _projection(self, name, equation, output_shape, bias_axes, input_shape, activation=None) -> EinsumDense:
        layer = EinsumDense(
            equation,
            output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None,
            activation=activation,
            kernel_initializer=_fresh(self.kernel_initializer),
            bias_initializer=_fresh(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint,
            bias_constraint=self.bias_constraint,
            dtype=self.dtype_policy,
            name=name,
        )
        layer.build(tuple(input_shape))
        return layer

    # ---- calling ---------------------------------------------------------------------------------------

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores: bool = False,
        training=None,
        use_causal_mask: bool = False,
    ):
        if key is None:
            key = value
        if self._flash_attention and return_attention_scores:
            raise ValueError(
                "Returning attention scores is not supported when flash attention is enabled. Please disable "
                "flash attention to access attention scores."
            )
        causal_only = (
            use_causal_mask
            and query_mask is None
            and value_mask is None
            and key_mask is None
            and attention_mask is None
            and self.sliding_window is None
        )
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
            )
        gate = self._gate_dense(query) if self.use_gate else None
        query = self._query_dense(query)  # (batch, Tq, query heads, head_dim)
        key = self._key_dense(key).repeat_interleave(self.num_repeats, dim=2)  # each kv head serves its group
        value = self._value_dense(value).repeat_interleave(self.num_repeats, dim=2)
        output, scores = self._compute_attention(
            query, key, value, attention_mask, training, return_attention_scores, causal_only
        )
        output = self._output_dense(output * gate if gate is not None else output)
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask, training, return_attention_scores, causal_only):
        """Attention over `(batch, T, heads, head_dim)` projections; returns `(batch, Tq, heads, head_dim)` and
        the scores `(batch, heads, Tq, Tv)` (None on the fused path)."""
        if attention_mask is not None:
            attention_mask = attention_mask.bool()
            while attention_mask.dim() < 4:  # (batch, Tq, Tv) -> (batch, 1, Tq, Tv): the same for every head
                attention_mask = attention_mask.unsqueeze(-3)
        query, key, value = (t.transpose(1, 2) for t in (query, key, value))  # (batch, heads, T, head_dim)
        if not (self.dropout > 0.0 or return_attention_scores):  # Keras's fused path
            bias = None
            if attention_mask is not None:
                bias = torch.where(attention_mask, 0.0, _MASKED_LOGIT.get(query.dtype, _MASKED_LOGIT_DEFAULT))
                bias = bias.to(query.dtype)
            with sdpa.kernel_scope(self._flash_attention):
                output = F.scaled_dot_product_attention(
                    query, key, value, attn_mask=bias, is_causal=causal_only, scale=self._inverse_sqrt_head_dim
                )
            return output.transpose(1, 2), None
        if causal_only:
            attention_mask = self._causal_mask(query.shape[-2], key.shape[-2], query.device)
        scores = torch.matmul(query * self._inverse_sqrt_head_dim, key.transpose(-1, -2))
        scores = self._softmax(scores, mask=attention_mask)
        weights = self._dropout_layer(scores, training=training) if self.dropout > 0.0 else scores
        return torch.matmul(weights, value).transpose(1, 2), scores

    def _compute_attention_mask(
        self, query, value, query_mask=None, value_mask=None, key_mask=None, attention_mask=None, use_causal_mask=False
    ):
        """Combines the query/value/key masks, the causal and sliding-window masks and `attention_mask` into one
        boolean `(batch, Tq, Tv)` mask (None when there is nothing to mask)."""
        auto_mask = None
        if query_mask is not None:
            auto_mask = query_mask.bool().unsqueeze(-1)  # (batch, Tq, 1)
        for mask in (value_mask, key_mask):
            if mask is not None:
                mask = mask.bool().unsqueeze(-2)  # (batch, 1, Tv)
                auto_mask = mask if auto_mask is None else auto_mask & mask
        steps = (query.shape[1], value.shape[1], query.device)
        if use_causal_mask:
            mask = self._causal_mask(*steps)
            auto_mask = mask if auto_mask is None else auto_mask & mask
        if self.sliding_window is not None:
            rows = torch.arange(steps[0], device=steps[2]).reshape(1, -1, 1)
            cols = torch.arange(steps[1], device=steps[2]).reshape(1, 1, -1)
            mask = (rows - cols).abs() < self.sliding_window
            auto_mask = mask if auto_mask is None else auto_mask & mask
        if auto_mask is not None:
            attention_mask = auto_mask if attention_mask is None else attention_mask.bool() & auto_mask
        return attention_mask

    @staticmethod
    def _causal_mask(query_steps: int, key_steps: int, device) -> torch.Tensor:
        return torch.ones(1, query_steps, key_steps, dtype=torch.bool, device=device).tril()

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                f"The last dimension of `query_shape` and `value_shape` must be equal, but are {query_shape[-1]}, "
                f"{value_shape[-1]}. Received: query_shape={tuple(query_shape)}, value_shape={tuple(value_shape)}"
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                f"value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}"
            )
        return tuple(query_shape)

    def compute_output_spec(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
    ):
        shape = self.compute_output_shape(query.shape, value.shape, None if key is None else key.shape)
        output = KerasTensor(shape, dtype=self.compute_dtype)
        if not return_attention_scores:
            return output
        steps = (value if key is None else key).shape[1]
        return output, KerasTensor((query.shape[0], self.num_query_heads, query.shape[1], steps), self.compute_dtype)

    def get_config(self) -> dict:
        config_ = {k: v for k, v in super().get_config().items() if k != "activity_regularizer"}
        return {
            **config_,
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


GroupQueryAttention = GroupedQueryAttention  # Keras exports the class under this name
object_registry.register_builtin("layers", "GroupQueryAttention")(GroupedQueryAttention)


def _fresh(initializer):
    """A copy of an initializer, so that each projection draws its own values (as Keras clones them)."""
    if initializer is None or not hasattr(initializer, "get_config"):
        return initializer
    return initializer.__class__.from_config(initializer.get_config())
