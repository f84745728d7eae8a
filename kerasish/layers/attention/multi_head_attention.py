"""MultiHeadAttention: the attention block of Transformers, with Keras's weight layout."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kerasish import constraints, initializers, random, regularizers
from kerasish.layers.activations.softmax import large_negative_number
from kerasish.layers.layer import Layer
from kerasish.ops import sdpa
from kerasish.random import SeedGenerator


class ShapesDictBuild:
    """The build config of Keras's attention layers: the `query`/`value`/`key` shapes given to `build` (a
    `shapes_dict`), or tf.keras 2's single `input_shape`; shared by MultiHeadAttention and GroupedQueryAttention."""

    def get_build_config(self) -> dict | None:
        return None if self._build_shapes_dict is None else {"shapes_dict": self._build_shapes_dict}

    def build_from_config(self, build_config: dict | None) -> None:
        if build_config and not self.built:
            shapes = build_config.get("shapes_dict") or {
                "query_shape": build_config["input_shape"],
                "value_shape": build_config["input_shape"],
            }
            self.build(**{k: tuple(v) for k, v in shapes.items()})


class MultiHeadAttention(ShapesDictBuild, Layer):
    """Multi-head attention: `num_heads` scaled dot-product attentions over learned projections of query, key
    and value, projected back to the query's size (or `output_shape`).

    Weights, as Keras lays them out: `query/kernel (dim, num_heads, key_dim)`, `query/bias (num_heads, key_dim)`,
    likewise `key/...` and `value/...` (with `value_dim`), then `attention_output/kernel
    (num_heads, value_dim, *output_shape)` and `attention_output/bias`. The attention itself runs in torch's
    `scaled_dot_product_attention` (flash / memory-efficient kernels on GPUs) unless the scores are requested.

    Args:
        num_heads: the number of attention heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (default `key_dim`).
        dropout: the dropout rate on the attention weights.
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (an int or a tuple); the query's last axis by default.
        attention_axes: the axes attention runs over (default: all axes between batch and features).
        sliding_window: if set, query step `i` only attends to steps `j` with `|i - j| < sliding_window`.
        flash_attention: True requires torch's flash kernel (and forbids dropout and returned scores); None or
            False let torch pick the kernel.
        kernel_initializer, bias_initializer: initializers of the projections.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties, applied to every projection.
        kernel_constraint, bias_constraint: projections' constraints.
        use_gate: whether to gate the attention output with `sigmoid(gate projection of the query)`.
        seed: an int makes the dropout reproducible.

    Call arguments:
        query: `(batch, Tq, dim)`.
        value: `(batch, Tv, dim)`.
        key: `(batch, Tv, dim)`; `value` if None.
        query_mask, value_mask, key_mask: `(batch, T)` boolean masks (taken from the tensors' masks if absent).
        attention_mask: `(batch, Tq, Tv)` boolean: which query step may attend to which key step.
        return_attention_scores: whether to also return the weights `(batch, num_heads, Tq, Tv)`.
        training: whether dropout applies.
        use_causal_mask: whether query step `i` may only attend to steps `j <= i`.

    Example:
        layer = MultiHeadAttention(num_heads=2, key_dim=16)
        y = layer(x, x)  # self-attention, y.shape == x.shape
    """

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape=None,
        attention_axes=None,
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
        if not isinstance(num_heads, int) or num_heads <= 0:
            raise ValueError(
                f"Received an invalid value for argument `num_heads`, expected a positive integer. "
                f"Received: num_heads={num_heads}"
            )
        if not isinstance(key_dim, int) or key_dim <= 0:
            raise ValueError(
                f"Received an invalid value for argument `key_dim`, expected a positive integer. "
                f"Received: key_dim={key_dim}"
            )
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(
                f"Received an invalid value for argument `value_dim`, expected a positive integer or "
                f"`None`. Received: value_dim={value_dim}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            if not isinstance(output_shape, (list, tuple)):
                raise ValueError(
                    f"Invalid `output_shape`: {output_shape}. When specified, the `output_shape` "
                    f"should be of type tuple, list, or int."
                )
            output_shape = tuple(output_shape)
        self._output_shape = output_shape or None
        self._flash_attention = flash_attention  # None: the global switch (keras.config) decides
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                f"`attention_axes` must be an int, list, or tuple. Received: attention_axes={attention_axes}"
            )
        self._attention_axes = tuple(attention_axes) if attention_axes else None
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                f"`sliding_window` must be `None` or a positive integer. Received: sliding_window={sliding_window}"
            )
        self._sliding_window = sliding_window
        self.seed = seed
        self._seed_generator = SeedGenerator(seed) if seed is not None else None  # None: torch's global stream
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        if self._flash_attention and dropout > 0.0:
            raise ValueError(
                "Dropout is not supported when flash attention is enabled. Please set dropout to 0.0 "
                "to use flash attention."
            )
        self._build_shapes_dict = None

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    # The projections, once built (as in Keras; the saved weights sit under these names).
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    @classmethod
    def from_config(cls, config: dict):
        """Creates the layer from `get_config()`'s dict; tf.keras 2's `query_shape`, `key_shape` and `value_shape`,
        where present, build it (as tf.keras 2 did), so its saved weights can load."""
        config = dict(config)
        shapes = [config.pop(key, None) for key in ("query_shape", "value_shape", "key_shape")]
        layer = cls(**config)
        query_shape, value_shape, key_shape = shapes
        if query_shape is not None and value_shape is not None:
            # tf.keras 2 writes key_shape = value_shape when no key was given; Keras 3 records no key then.
            key_shape = None if key_shape is None or key_shape == value_shape else tuple(key_shape)
            layer.build(tuple(query_shape), tuple(value_shape), key_shape)
        return layer

    # ---- building --------------------------------------------------------------------------------------

    def __call__(self, query, value=None, key=None, **kwargs):
        # Keras builds this layer from the shapes of query, value and key together; `Layer.__call__` builds from
        # the first argument only, so build here first.
        if not self.built and value is not None:
            self.build(_shape(query), _shape(value), None if key is None else _shape(key))
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
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"All dimensions of `value` and `key`, except the last one, must be equal. Received: "
                f"value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}"
            )
        heads = self._num_heads
        self._query_dense = self._projection("query", query_shape[-1:], (heads, self._key_dim))
        self._key_dense = self._projection("key", key_shape[-1:], (heads, self._key_dim))
        if self._use_gate:
            self._gate_dense = self._projection(
                "gate", query_shape[-1:], (heads, self._value_dim), activation=torch.sigmoid
            )
        self._value_dense = self._projection("value", value_shape[-1:], (heads, self._value_dim))
        output_shape = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection("attention_output", (heads, self._value_dim), output_shape)
        rank = len(query_shape) + 1  # rank of the projected query, (batch, ..., heads, key_dim)
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else rank - 1 + a for a in self._attention_axes)
        attention_axes = self._attention_axes
        if any(not 1 <= a <= rank - 3 for a in attention_axes):
            raise ValueError(
                f'Layer "{self.name}": attention_axes must be axes of the inputs other than the batch '
                f"and the features. Received: attention_axes={attention_axes} for query_shape="
                f"{tuple(query_shape)}"
            )
        # The projected tensors are permuted to (batch, other axes, heads, attention axes, head size), so that the
        # attention axes flatten into one sequence axis: `scaled_dot_product_attention`'s layout.
        batch_axes = [a for a in range(1, rank - 2) if a not in attention_axes]
        self._permutation = [0, *batch_axes, rank - 2, *attention_axes, rank - 1]
        self._inverse_permutation = [self._permutation.index(i) for i in range(rank)]
        self._build_shapes_dict = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_shape is not value_shape:
            self._build_shapes_dict["key_shape"] = list(key_shape)
        self.built = True

    def _projection(self, name, input_dims, output_dims, activation=None) -> _Projection:
        layer = _Projection(
            tuple(input_dims),
            tuple(output_dims),
            use_bias=self._use_bias,
            activation=activation,
            kernel_initializer=_fresh(self._kernel_initializer),
            bias_initializer=_fresh(self._bias_initializer),
            kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint,
            bias_constraint=self._bias_constraint,
            dtype=self.dtype,
            name=name,
        )
        layer.build(None)
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
                "Returning attention scores is not supported when flash attention is enabled. Please "
                "disable flash attention to access attention scores."
            )
        causal_only = (
            use_causal_mask
            and query_mask is None
            and value_mask is None
            and key_mask is None
            and attention_mask is None
            and self._sliding_window is None
        )
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
            )
        gate = self._gate_dense(query) if self._use_gate else None
        query_heads = self._query_dense(query)  # (batch, ..., heads, key_dim)
        key_heads = self._key_dense(key)
        value_heads = self._value_dense(value)
        attention_output, scores = self._compute_attention(
            query_heads, key_heads, value_heads, attention_mask, training, return_attention_scores, causal_only
        )
        if gate is not None:
            attention_output = attention_output * gate
        output = self._output_dense(attention_output)
        if query_mask is not None:
            output._keras_mask = query_mask
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask, training, return_attention_scores, causal_only):
        """Attention over the projected heads; returns the output in the query's layout and the scores."""
        permutation = self._permutation
        spans = len(self._attention_axes)
        query, key, value = (t.permute(permutation) for t in (query, key, value))
        query_steps, key_steps = query.shape[-1 - spans : -1], key.shape[-1 - spans : -1]
        query, key, value = (t.flatten(-1 - spans, -2) if spans != 1 else t for t in (query, key, value))
        if attention_mask is not None:
            attention_mask = self._flatten_mask(attention_mask.bool(), query_steps, key_steps)
        dropout = self._dropout if training else 0.0
        # torch's fused kernel wherever Keras uses its fused path (Keras takes the explicit path for any dropout;
        # a training step with unseeded dropout stays fused too, its randomness being torch's either way).
        fused = (
            not return_attention_scores
            and len(self._permutation) == 4
            and (self._dropout == 0 or (dropout > 0 and self.seed is None))
        )
        if fused:
            bias = None
            if attention_mask is not None:
                # Keras's fused path adds -0.7 * max(float) to masked logits (a fully masked row averages all).
                bias = torch.where(
                    attention_mask, 0.0, -0.7 * 3.38953e38 if query.dtype != torch.float16 else -0.7 * 65500.0
                ).to(query.dtype)
            with sdpa.kernel_scope(self._flash_attention):
                output = F.scaled_dot_product_attention(
                    query,
                    key,
                    value,
                    attn_mask=bias,
                    dropout_p=dropout,
                    is_causal=causal_only,
                    scale=self._inverse_sqrt_key_dim,
                )
            scores = None
        else:
            if causal_only:
                attention_mask = torch.ones(
                    query.shape[-2], key.shape[-2], dtype=torch.bool, device=query.device
                ).tril()
            scores = torch.matmul(query * self._inverse_sqrt_key_dim, key.transpose(-1, -2))
            if attention_mask is not None:
                scores = torch.where(attention_mask, scores, large_negative_number(scores.dtype))
            scores = torch.softmax(scores, dim=-1)
            if attention_mask is not None:
                scores = torch.where(attention_mask, scores, 0.0)
            weights = scores
            if dropout > 0:
                weights = random.dropout(weights, dropout, seed=self._seed_generator)
            output = torch.matmul(weights, value)
            scores = scores.reshape(scores.shape[:-2] + query_steps + key_steps)
        output = output.reshape(output.shape[:-2] + query_steps + output.shape[-1:])
        return output.permute(self._inverse_permutation), scores

    def _flatten_mask(self, mask, query_steps, key_steps):
        """The mask broadcast to the scores' rank as Keras does (new axes before the query steps), with its
        query and key steps flattened like the heads."""
        spans = len(self._attention_axes)
        scores_rank = len(self._permutation) - 1 + spans
        while mask.dim() < scores_rank:
            mask = mask.unsqueeze(-2 * spans - 1)
        if spans == 1:
            return mask
        lead = mask.shape[: -2 * spans]
        return mask.expand(*lead, *query_steps, *key_steps).reshape(*lead, math.prod(query_steps), math.prod(key_steps))

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
        if use_causal_mask:
            mask = self._causal_mask(query, value)
            auto_mask = mask if auto_mask is None else auto_mask & mask
        if self._sliding_window is not None:
            rows = torch.arange(query.shape[1], device=query.device).reshape(1, -1, 1)
            cols = torch.arange(value.shape[1], device=query.device).reshape(1, 1, -1)
            mask = (rows - cols).abs() < self._sliding_window
            auto_mask = mask if auto_mask is None else auto_mask & mask
        if attention_mask is not None:
            attention_mask = attention_mask.bool()
        if auto_mask is not None:
            attention_mask = auto_mask if attention_mask is None else attention_mask & auto_mask
        return attention_mask

    @staticmethod
    def _causal_mask(query, value):
        return torch.ones(1, query.shape[1], value.shape[1], dtype=torch.bool, device=query.device).tril()

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": list(self._output_shape) if self._output_shape else None,
            "attention_axes": list(self._attention_axes) if self._attention_axes is not None else None,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        }


class _Projection(Layer):
    """The `EinsumDense` projections of MultiHeadAttention as one matmul: contracts the trailing `input_dims`
    of its input with a kernel of shape `input_dims + output_dims` (Keras's layout), adds a bias of shape
    `output_dims`."""

    def __init__(
        self,
        input_dims: tuple,
        output_dims: tuple,
        use_bias: bool = True,
        activation=None,
        kernel_initializer=None,
        bias_initializer=None,
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dims, self.output_dims = input_dims, output_dims
        self.use_bias = use_bias
        self.activation = activation
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=self.input_dims + self.output_dims,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias",
                shape=self.output_dims,
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self._fan_in, self._fan_out = math.prod(self.input_dims), math.prod(self.output_dims)

    def call(self, inputs):
        lead = inputs.shape[: inputs.dim() - len(self.input_dims)]
        kernel = self.kernel.reshape(self._fan_in, self._fan_out)
        flat = inputs.reshape(*lead, self._fan_in)
        if self.bias is not None:
            outputs = torch.addmm(self.bias.reshape(-1), flat.reshape(-1, self._fan_in), kernel)
            outputs = outputs.reshape(*lead, self._fan_out)
        else:
            outputs = torch.matmul(flat, kernel)
        outputs = outputs.reshape(*lead, *self.output_dims)
        return self.activation(outputs) if self.activation is not None else outputs


def _shape(x) -> tuple:
    return tuple(x.shape)


def _fresh(initializer):
    """A copy of an initializer, so that each projection draws its own values (as Keras clones them)."""
    if initializer is None or not hasattr(initializer, "get_config"):
        return initializer
    return initializer.__class__.from_config(initializer.get_config())
