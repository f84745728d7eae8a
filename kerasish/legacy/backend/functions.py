"""Keras 2's `K` tensor functions, as thin wrappers of `kerasish.ops` with Keras 2's argument names and
defaults (`K.concatenate` joins along the last axis, `K.argmax` and `K.expand_dims` default to -1, `K.sqrt`
clips at 0, `K.hard_sigmoid` is `0.2 x + 0.5`, ...)."""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config, ops
from kerasish import random as kerasish_random
from kerasish.backend.common.tensors import convert_to_tensor

# Functions whose Keras 2 form is exactly the Keras 3 op.
abs = ops.abs  # noqa: A001
all = ops.all  # noqa: A001
any = ops.any  # noqa: A001
cast = ops.cast
cos = ops.cos
dtype = ops.dtype
elu = ops.elu
equal = ops.equal
exp = ops.exp
greater = ops.greater
greater_equal = ops.greater_equal
less = ops.less
less_equal = ops.less_equal
log = ops.log
logsumexp = ops.logsumexp
max = ops.max  # noqa: A001
maximum = ops.maximum
mean = ops.mean
min = ops.min  # noqa: A001
minimum = ops.minimum
not_equal = ops.not_equal
prod = ops.prod
reshape = ops.reshape
round = ops.round  # noqa: A001
sigmoid = ops.sigmoid
sign = ops.sign
sin = ops.sin
softplus = ops.softplus
softsign = ops.softsign
square = ops.square
stack = ops.stack
std = ops.std
stop_gradient = ops.stop_gradient
sum = ops.sum  # noqa: A001
tanh = ops.tanh
tile = ops.tile
var = ops.var
zeros_like = ops.zeros_like
ones_like = ops.ones_like
binary_crossentropy = ops.binary_crossentropy
categorical_crossentropy = ops.categorical_crossentropy


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer `target` ids and `output` (probabilities or logits)."""
    return ops.sparse_categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


def argmax(x, axis=-1):
    """Index of the maximum along `axis` (the last by default)."""
    return ops.argmax(x, axis=axis)


def argmin(x, axis=-1):
    """Index of the minimum along `axis` (the last by default)."""
    return ops.argmin(x, axis=axis)


def cumsum(x, axis=0):
    """Cumulative sum along `axis` (the first by default)."""
    return ops.cumsum(x, axis=axis)


def cumprod(x, axis=0):
    """Cumulative product along `axis` (the first by default)."""
    return ops.cumprod(x, axis=axis)


def concatenate(tensors, axis=-1):
    """The tensors joined along `axis` (the last by default)."""
    return ops.concatenate(tensors, axis=axis)


def expand_dims(x, axis=-1):
    """`x` with a new size-1 axis at `axis` (the end by default)."""
    return ops.expand_dims(x, axis)


def squeeze(x, axis):
    """`x` without its size-1 axis `axis`."""
    return ops.squeeze(x, axis)


def permute_dimensions(x, pattern):
    """`x` with its axes permuted by `pattern`."""
    return ops.transpose(x, pattern)


def transpose(x):
    """`x` with its axes reversed."""
    return ops.transpose(x)


def flatten(x):
    """`x` as a 1-D tensor."""
    return ops.reshape(x, (-1,))


def batch_flatten(x):
    """`x` as `(batch, everything else)`."""
    x = convert_to_tensor(x)
    return x.reshape(x.shape[0], -1)


def pow(x, a):  # noqa: A001
    """`x ** a`."""
    return ops.power(x, a)


def sqrt(x):
    """Square root, with negative inputs clipped to 0 first."""
    return ops.sqrt(ops.maximum(x, 0.0))


def clip(x, min_value, max_value):
    """`x` limited to `[min_value, max_value]` (None for no bound; a max below the min becomes the min)."""
    if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
        max_value = min_value
    return torch.clamp(convert_to_tensor(x), min=min_value, max=max_value)


def dot(x, y):
    """Matrix product; for N-D inputs, sums over the last axis of `x` and the second-to-last of `y`."""
    return ops.dot(x, y)


def batch_dot(x, y, axes=None):
    """Dot product of each pair of batch entries of `x` and `y`, over `axes` (a pair, or one int for both).

    By default the last axis of `x` meets the second-to-last of `y` (its last if `y` is 2-D). Inputs of rank 2
    give `(batch, 1)` when both are 2-D, as in Keras 2.
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"batch_dot needs inputs of rank >= 2; received shapes {tuple(x.shape)} and {tuple(y.shape)}.")
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 1 if y.ndim == 2 else y.ndim - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    a0, a1 = axes[0] % x.ndim, axes[1] % y.ndim
    if 0 in (a0, a1):
        raise ValueError("Cannot perform batch_dot over axis 0 (the batch axis).")
    if x.shape[a0] != y.shape[a1]:
        raise ValueError(f"batch_dot: x.shape[{a0}] != y.shape[{a1}] ({x.shape[a0]} != {y.shape[a1]}).")
    xm = torch.movedim(x, a0, -1)
    ym = torch.movedim(y, a1, 1)
    x_rest, y_rest = xm.shape[1:-1], ym.shape[2:]
    out = torch.bmm(xm.reshape(x.shape[0], -1, x.shape[a0]), ym.reshape(y.shape[0], y.shape[a1], -1))
    out = out.reshape((x.shape[0],) + tuple(x_rest) + tuple(y_rest))
    return out.unsqueeze(-1) if out.ndim == 1 else out


def l2_normalize(x, axis=None):
    """`x / sqrt(max(sum(x ** 2), 1e-12))` over `axis` (all axes if None)."""
    x = convert_to_tensor(x)
    dims = tuple(range(x.ndim)) if axis is None else axis
    return x * torch.rsqrt(torch.clamp(torch.sum(x * x, dim=dims, keepdim=True), min=1e-12))


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras 2's options: `alpha` slope below `threshold`, output capped at
    `max_value`."""
    x = convert_to_tensor(x)
    negative = torch.relu(threshold - x) if alpha != 0.0 else None
    out = x * (x > threshold).to(x.dtype) if threshold != 0 else torch.relu(x)
    if max_value is not None:
        out = torch.clamp(out, 0, max_value)
    if negative is not None:
        out = out - alpha * negative
    return out


def softmax(x, axis=-1):
    """Softmax over `axis`."""
    return ops.softmax(x, axis=axis)


def hard_sigmoid(x):
    """`clip(0.2 * x + 0.5, 0, 1)` (Keras 2's piecewise-linear sigmoid)."""
    return torch.clamp(0.2 * convert_to_tensor(x) + 0.5, 0.0, 1.0)


def switch(condition, then_expression, else_expression):
    """`then_expression` where `condition` holds, else `else_expression` (either may be a callable). A scalar
    condition picks one whole expression; a lower-rank condition applies along the leading axes."""
    condition = convert_to_tensor(condition)
    if condition.ndim == 0:
        chosen = then_expression if bool(condition) else else_expression
        return chosen() if callable(chosen) else chosen
    then_value = then_expression() if callable(then_expression) else then_expression
    else_value = else_expression() if callable(else_expression) else else_expression
    then_value = convert_to_tensor(then_value, device=condition.device)
    extra = then_value.ndim - condition.ndim
    if extra < 0:
        raise ValueError(
            f"Rank of `condition` ({condition.ndim}) must not exceed that of `then_expression` ({then_value.ndim})."
        )
    condition = condition.bool().reshape(tuple(condition.shape) + (1,) * extra)
    return ops.where(condition, then_value, else_value)


def in_train_phase(x, alt, training=None):
    """`x` in training, `alt` otherwise (either may be a callable); `training` None means inference."""
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


def in_test_phase(x, alt, training=None):
    """`x` in inference, `alt` in training."""
    return in_train_phase(alt, x, training=training)


def ones(shape, dtype=None, name=None):
    """A tensor of ones (floatx by default)."""
    return ops.ones(shape, dtype=dtype)


def zeros(shape, dtype=None, name=None):
    """A tensor of zeros (floatx by default)."""
    return ops.zeros(shape, dtype=dtype)


def eye(size, dtype=None, name=None):
    """The identity matrix of `size` (an int or a pair `(rows, cols)`)."""
    rows, cols = (size, size) if isinstance(size, int) else size
    return ops.eye(rows, cols, dtype=dtype)


def arange(start, stop=None, step=1, dtype="int32"):
    """Evenly spaced values in `[start, stop)` (int32 by default)."""
    return ops.arange(start, stop, step, dtype=dtype)


def shape(x) -> torch.Tensor:
    """The shape of `x` as an int32 tensor (Keras 2's symbolic shape; see `int_shape` for a tuple)."""
    return torch.tensor(tuple(convert_to_tensor(x).shape), dtype=torch.int32)


def gather(reference, indices):
    """Rows of `reference` at `indices`."""
    return ops.take(reference, indices, axis=0)


def one_hot(indices, num_classes):
    """One-hot encoding of integer `indices` along a new last axis."""
    return ops.one_hot(indices, num_classes)


def repeat(x, n):
    """The 2-D `(batch, dim)` `x` repeated into `(batch, n, dim)`."""
    x = convert_to_tensor(x)
    if x.ndim != 2:
        raise ValueError(f"Expected input `x` to have rank 2. Received: rank(x)={x.ndim}")
    return x.unsqueeze(1).expand(-1, n, -1)


def repeat_elements(x, rep, axis):
    """Each slice of `x` along `axis` repeated `rep` times."""
    return ops.repeat(x, rep, axis=axis)


def reverse(x, axes):
    """`x` reversed along `axes`."""
    return ops.flip(x, axis=axes)


def bias_add(x, bias, data_format=None):
    """`x + bias`, with the bias along the channel axis of `data_format`."""
    x, bias = convert_to_tensor(x), convert_to_tensor(bias)
    if (data_format or config.image_data_format()) == "channels_first" and x.ndim > 2 and bias.ndim == 1:
        bias = bias.reshape((1, -1) + (1,) * (x.ndim - 2))
    return x + bias


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution (Keras kernel layout `(width, in, out)`)."""
    return ops.conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2-D convolution (Keras kernel layout `(h, w, in, out)`)."""
    return ops.conv(x, kernel, strides, padding, data_format, dilation_rate)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    """3-D convolution."""
    return ops.conv(x, kernel, strides, padding, data_format, dilation_rate)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """Depthwise 2-D convolution (kernel `(h, w, in, depth_multiplier)`)."""
    return ops.depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2-D max (`pool_mode="max"`) or average (`"avg"`) pooling."""
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"pool_mode must be 'max' or 'avg'; received {pool_mode!r}.")
    pool = ops.max_pool if pool_mode == "max" else ops.average_pool
    return pool(x, pool_size, strides, padding, data_format)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """`(x - mean) / sqrt(var + epsilon) * gamma + beta` (Keras 2's argument order)."""
    return ops.batch_normalization(x, mean, var, axis, offset=beta, scale=gamma, epsilon=epsilon)


def dropout(x, level, noise_shape=None, seed=None):
    """Zeroes entries with probability `level`, scaling the rest by `1 / (1 - level)`."""
    return kerasish_random.dropout(x, level, noise_shape=noise_shape, seed=seed)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples."""
    return kerasish_random.normal(shape, mean, stddev, dtype=dtype, seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in `[minval, maxval)`."""
    return kerasish_random.uniform(shape, minval, maxval, dtype=dtype, seed=seed)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability `p`, else 0."""
    return (kerasish_random.uniform(shape, seed=seed) < p).to(config.standardize_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn beyond two standard deviations."""
    return kerasish_random.truncated_normal(shape, mean, stddev, dtype=dtype, seed=seed)


def update(x, new_x):
    """Assigns `new_x` to the variable `x`; returns `x`."""
    with torch.no_grad():
        x.copy_(convert_to_tensor(new_x, dtype=x.dtype, device=x.device))
    return x


def update_add(x, increment):
    """Adds `increment` to the variable `x`; returns `x`."""
    with torch.no_grad():
        x.add_(convert_to_tensor(increment, dtype=x.dtype, device=x.device))
    return x


def update_sub(x, decrement):
    """Subtracts `decrement` from the variable `x`; returns `x`."""
    with torch.no_grad():
        x.sub_(convert_to_tensor(decrement, dtype=x.dtype, device=x.device))
    return x


def moving_average_update(x, value, momentum):
    """`x = x * momentum + value * (1 - momentum)`, in place; returns `x`."""
    with torch.no_grad():
        x.mul_(momentum).add_(convert_to_tensor(value, dtype=x.dtype, device=x.device), alpha=1 - momentum)
    return x


def print_tensor(x, message=""):
    """Prints `message` and `x`; returns `x`."""
    print(message, np.asarray(x.detach().cpu()) if isinstance(x, torch.Tensor) else x)
    return x


def map_fn(fn, elems, name=None, dtype=None):
    """`fn` applied to each slice of `elems` along the first axis, stacked."""
    return ops.map(fn, elems)


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if not name.startswith("_")
    and callable(value)
    and name not in ("config", "convert_to_tensor", "ops", "np", "torch")
)
