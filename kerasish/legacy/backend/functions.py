"""Keras 2's `K` tensor functions, as thin wrappers of `kerasish.ops` with Keras 2's argument names and
defaults (`K.concatenate` joins along the last axis, `K.argmax` and `K.expand_dims` default to -1, `K.sqrt`
clips at 0, `K.hard_sigmoid` is `0.2 x + 0.5`, ...)."""

from __future__ import annotations

import builtins
import sys
import warnings

import numpy as np
import torch

from kerasish import config, ops
from kerasish import random as kerasish_random
from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.backend.common.variable import Variable
from kerasish.legacy.backend.session import variable

# Functions whose Keras 2 form is exactly the Keras 3 op.
abs = ops.abs  # noqa: A001
all = ops.all  # noqa: A001
any = ops.any  # noqa: A001
cast = ops.cast
cos = ops.cos
dtype = ops.dtype
elu = ops.elu
exp = ops.exp
log = ops.log
logsumexp = ops.logsumexp
max = ops.max  # noqa: A001
mean = ops.mean
min = ops.min  # noqa: A001
prod = ops.prod
round = ops.round  # noqa: A001
sigmoid = ops.sigmoid
sign = ops.sign
sin = ops.sin
softplus = ops.softplus
softsign = ops.softsign
square = ops.square
stack = ops.stack
std = ops.std
sum = ops.sum  # noqa: A001
tanh = ops.tanh
var = ops.var
binary_crossentropy = ops.binary_crossentropy
categorical_crossentropy = ops.categorical_crossentropy


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, ignore_class=None):
    """Cross-entropy between integer `target` ids and `output` (probabilities or logits).

    Entries whose target is `ignore_class` get a loss of 0, and the result carries the mask of the others
    (`_keras_mask`), as in tf.keras.
    """
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)
    target = convert_to_tensor(target)
    valid = target != ignore_class
    loss = ops.sparse_categorical_crossentropy(
        torch.where(valid, target, torch.zeros_like(target)), output, from_logits=from_logits, axis=axis
    )
    loss = torch.where(valid.reshape(loss.shape), loss, torch.zeros((), dtype=loss.dtype, device=loss.device))
    loss._keras_mask = valid.reshape(loss.shape)
    return loss


def _comparison(name: str, op, doc: str):
    def compare(x, y):
        return op(x, y)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = doc
    return compare


# Keras 2 names their operands `x` and `y` (Keras 3's ops: `x1`, `x2`).
equal = _comparison("equal", ops.equal, "`x == y`, elementwise.")
not_equal = _comparison("not_equal", ops.not_equal, "`x != y`, elementwise.")
greater = _comparison("greater", ops.greater, "`x > y`, elementwise.")
greater_equal = _comparison("greater_equal", ops.greater_equal, "`x >= y`, elementwise.")
less = _comparison("less", ops.less, "`x < y`, elementwise.")
less_equal = _comparison("less_equal", ops.less_equal, "`x <= y`, elementwise.")
maximum = _comparison("maximum", ops.maximum, "The larger of `x` and `y`, elementwise.")
minimum = _comparison("minimum", ops.minimum, "The smaller of `x` and `y`, elementwise.")


def zeros_like(x, dtype=None, name=None):
    """Zeros of `x`'s shape (and dtype, unless `dtype` is given)."""
    return ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    """Ones of `x`'s shape (and dtype, unless `dtype` is given)."""
    return ops.ones_like(x, dtype=dtype)


def reshape(x, shape):
    """`x` with the new `shape` (one dim may be -1)."""
    return ops.reshape(x, shape)


def tile(x, n):
    """`x` repeated `n[i]` times along axis `i` (an int repeats the last axis)."""
    return ops.tile(x, n)


def stop_gradient(variables):
    """`variables` (a tensor or a list of them) cut from the gradient computation."""
    if isinstance(variables, (list, tuple)):
        return [ops.stop_gradient(v) for v in variables]
    return ops.stop_gradient(variables)


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


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """1 with probability `p`, else 0 (deprecated alias of `random_bernoulli`)."""
    warnings.warn(
        "`tf.keras.backend.random_binomial` is deprecated, and will be removed in a future version.Please use "
        "`tf.keras.backend.random_bernoulli` instead.",
        stacklevel=2,
    )
    return random_bernoulli(shape, p, dtype, seed)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None) -> Variable:
    """A variable of `shape` filled with uniform samples in `[low, high)`."""
    return variable(kerasish_random.uniform(shape, low, high, dtype=dtype, seed=seed), dtype=dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None) -> Variable:
    """A variable of `shape` filled with normal samples of mean `mean` and standard deviation `scale`."""
    return variable(kerasish_random.normal(shape, mean, scale, dtype=dtype, seed=seed), dtype=dtype, name=name)


def in_top_k(predictions, targets, k) -> torch.Tensor:
    """Whether each target class is among the `k` highest `predictions` of its row (ties at the boundary count as
    in); False for a non-finite prediction or a target out of range."""
    predictions, targets = convert_to_tensor(predictions), convert_to_tensor(targets)
    targets = targets.to(device=predictions.device, dtype=torch.long)
    in_range = (targets >= 0) & (targets < predictions.shape[-1])
    target_scores = predictions.gather(-1, targets.clamp(0, predictions.shape[-1] - 1).unsqueeze(-1))
    higher = (predictions > target_scores).sum(dim=-1)
    return in_range & (higher < k) & torch.isfinite(target_scores.squeeze(-1))


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalizes `x` by its mean and variance over `reduction_axes`, then scales by `gamma` and shifts by `beta`
    (either may be None). Returns `(normalized, mean, variance)`, the statistics without the reduced axes."""
    x = convert_to_tensor(x)
    axes = sorted(a % x.ndim for a in reduction_axes)
    kept = [d for d in range(x.ndim) if d not in axes]
    compute = x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
    variance, mean = torch.var_mean(compute, dim=axes, correction=0, keepdim=True)
    if x.ndim == 4 and axes == [0, 1, 2]:
        epsilon = builtins.max(epsilon, 1.001e-5)
    normalized = (compute - mean) * torch.rsqrt(variance + epsilon)
    stats_shape = [x.shape[d] for d in kept]
    broadcast = [1 if d in axes else x.shape[d] for d in range(x.ndim)]
    if gamma is not None:
        normalized = normalized * convert_to_tensor(gamma, device=x.device).reshape(broadcast)
    if beta is not None:
        normalized = normalized + convert_to_tensor(beta, device=x.device).reshape(broadcast)
    if x.ndim == 4 and axes == [0, 1, 2]:
        # tf.keras runs this case through TensorFlow's fused batch norm, which returns the unbiased variance (the
        # one moving averages take) and floors epsilon at 1.001e-5.
        count = x.shape[0] * x.shape[1] * x.shape[2]
        variance = variance * (count / builtins.max(count - 1, 1))
    return normalized.to(x.dtype), mean.reshape(stats_shape).to(x.dtype), variance.reshape(stats_shape).to(x.dtype)


def is_sparse(tensor) -> bool:
    """Whether `tensor` is a torch sparse tensor (COO, CSR, ...)."""
    return isinstance(tensor, torch.Tensor) and tensor.layout != torch.strided


def to_dense(tensor):
    """`tensor` as a dense tensor (unchanged if it is one already)."""
    return tensor.to_dense() if is_sparse(tensor) else tensor


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


def print_tensor(x, message="", summarize=3):
    """Prints `message` and `x` (the first and last `summarize` entries of each axis; all with -1); returns `x`."""
    value = np.asarray(x.detach().cpu()) if isinstance(x, torch.Tensor) else np.asarray(x)
    if summarize is None or summarize < 0:
        options = {"threshold": sys.maxsize}
    else:
        options = {"threshold": 0, "edgeitems": summarize}
    with np.printoptions(**options):
        print(message, value)
    return x


def map_fn(fn, elems, name=None, dtype=None):
    """`fn` applied to each slice of `elems` along the first axis, stacked."""
    return ops.map(fn, elems)


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if not name.startswith("_")
    and callable(value)
    and name not in ("config", "convert_to_tensor", "ops", "np", "torch", "Variable", "variable")
)
