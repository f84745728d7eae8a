"""Neural-network ops (`keras.ops.nn`): activations, convolution and pooling, one-hot, cross-entropies,
normalization and attention, on torch tensors in Keras's layouts.

Images are channels-last unless `data_format="channels_first"` (default: `config.image_data_format()`), and
kernels are in Keras's layout (`spatial dims + (in_channels // groups, out_channels)`); the torch layout is a
permuted view of it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kerasish import config
from kerasish.backend.common.tensors import convert_to_tensor, convert_to_tensors, ensure_float
from kerasish.ops import ctc_decoding, sdpa
from kerasish.ops.operation import keras_op

# ---- activations -------------------------------------------------------------------------------------------


@keras_op
def relu(x):
    """`max(x, 0)`."""
    return torch.relu(convert_to_tensor(x))


@keras_op
def relu6(x):
    """`min(max(x, 0), 6)`."""
    return F.relu6(ensure_float(convert_to_tensor(x)))


@keras_op
def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return torch.sigmoid(ensure_float(convert_to_tensor(x)))


@keras_op
def sparse_sigmoid(x):
    """0 below -1, 1 above 1, and `(x + 1) / 2` between."""
    return torch.clamp((ensure_float(convert_to_tensor(x)) + 1) / 2, 0, 1)


@keras_op
def softplus(x):
    """`log(1 + exp(x))`."""
    return F.softplus(ensure_float(convert_to_tensor(x)))


@keras_op
def softsign(x):
    """`x / (1 + |x|)`."""
    return F.softsign(ensure_float(convert_to_tensor(x)))


@keras_op
def silu(x):
    """`x * sigmoid(x)` (also called swish)."""
    return F.silu(ensure_float(convert_to_tensor(x)))


swish = silu


@keras_op
def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return F.logsigmoid(ensure_float(convert_to_tensor(x)))


@keras_op
def leaky_relu(x, negative_slope=0.2):
    """`x` where positive, `negative_slope * x` elsewhere."""
    return F.leaky_relu(ensure_float(convert_to_tensor(x)), negative_slope)


@keras_op
def hard_sigmoid(x):
    """`relu6(x + 3) / 6`."""
    return F.hardsigmoid(ensure_float(convert_to_tensor(x)))


@keras_op
def hard_silu(x):
    """`x * hard_sigmoid(x)` (also called hard swish)."""
    return F.hardswish(ensure_float(convert_to_tensor(x)))


hard_swish = hard_silu


@keras_op
def elu(x, alpha=1.0):
    """`x` where positive, `alpha * (exp(x) - 1)` elsewhere."""
    return F.elu(ensure_float(convert_to_tensor(x)), alpha)


@keras_op
def selu(x):
    """Scaled ELU with Klambauer et al.'s constants."""
    return F.selu(ensure_float(convert_to_tensor(x)))


@keras_op
def gelu(x, approximate=True):
    """Gaussian error linear unit; the tanh approximation unless `approximate=False`."""
    return F.gelu(ensure_float(convert_to_tensor(x)), approximate="tanh" if approximate else "none")


@keras_op
def celu(x, alpha=1.0):
    """`max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0)`."""
    return F.celu(ensure_float(convert_to_tensor(x)), alpha)


@keras_op
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` for the two halves `a`, `b` of `x` along `axis`."""
    x = ensure_float(convert_to_tensor(x))
    if x.shape[axis] % 2:
        raise ValueError(f"glu needs an even size along axis {axis}; received shape {tuple(x.shape)}.")
    return F.glu(x, dim=axis)


@keras_op
def tanh_shrink(x):
    """`x - tanh(x)`."""
    return F.tanhshrink(ensure_float(convert_to_tensor(x)))


@keras_op
def hard_tanh(x):
    """`x` clipped to [-1, 1]."""
    return F.hardtanh(ensure_float(convert_to_tensor(x)))


@keras_op
def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0."""
    return F.hardshrink(ensure_float(convert_to_tensor(x)), threshold)


@keras_op
def soft_shrink(x, threshold=0.5):
    """`x` moved `threshold` towards zero, 0 within `threshold` of it."""
    return F.softshrink(ensure_float(convert_to_tensor(x)), threshold)


@keras_op
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    return F.threshold(ensure_float(convert_to_tensor(x)), threshold, default_value)


@keras_op
def squareplus(x, b=4):
    """`(x + sqrt(x ** 2 + b)) / 2`."""
    x = ensure_float(convert_to_tensor(x))
    return (x + torch.sqrt(x * x + b)) / 2


@keras_op
def sparse_plus(x):
    """0 below -1, `x` above 1, and `(x + 1) ** 2 / 4` between."""
    x = ensure_float(convert_to_tensor(x))
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, x, (x + 1) ** 2 / 4))


def _softmax_dims(x, axis):
    """Softmax over several axes: those axes moved last and flattened, and the function to undo it."""
    axes = sorted(a % x.ndim for a in axis)
    rest = [d for d in range(x.ndim) if d not in axes]
    moved = x.permute(rest + axes)
    flat = moved.reshape(moved.shape[: len(rest)] + (-1,))
    inverse = [0] * x.ndim
    for position, d in enumerate(rest + axes):
        inverse[d] = position
    return flat, lambda y: y.reshape(moved.shape).permute(inverse)


@keras_op
def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` over `axis` (an int, a tuple, or None for all axes)."""
    x = ensure_float(convert_to_tensor(x))
    if isinstance(axis, int):
        return torch.softmax(x, dim=axis)
    flat, restore = _softmax_dims(x, range(x.ndim) if axis is None else axis)
    return restore(torch.softmax(flat, dim=-1))


@keras_op
def log_softmax(x, axis=-1):
    """`x - logsumexp(x)` over `axis` (an int, a tuple, or None for all axes)."""
    x = ensure_float(convert_to_tensor(x))
    if isinstance(axis, int):
        return torch.log_softmax(x, dim=axis)
    flat, restore = _softmax_dims(x, range(x.ndim) if axis is None else axis)
    return restore(torch.log_softmax(flat, dim=-1))


@keras_op
def sparsemax(x, axis=-1):
    """The Euclidean projection of `x` onto the simplex along `axis` (sparse probabilities)."""
    x = ensure_float(convert_to_tensor(x))
    z = torch.sort(x, dim=axis, descending=True).values
    k = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype, device=x.device)
    shape = [1] * x.ndim
    shape[axis] = -1
    k = k.reshape(shape)
    cumulative = torch.cumsum(z, dim=axis)
    support = (1 + k * z) > cumulative
    k_z = torch.sum(support, dim=axis, keepdim=True).to(x.dtype)
    tau = (torch.sum(z * support, dim=axis, keepdim=True) - 1) / k_z
    return torch.clamp(x - tau, min=0)


# ---- convolution and pooling -------------------------------------------------------------------------------


def _tuple(value, n: int) -> tuple:
    return (value,) * n if isinstance(value, int) else tuple(value)


def _channels_first(inputs: torch.Tensor, data_format) -> tuple[torch.Tensor, bool]:
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; received {data_format!r}.")
    if data_format == "channels_last":
        return torch.movedim(inputs, -1, 1), True
    return inputs, False


def _same_padding(x: torch.Tensor, kernel: tuple, strides: tuple, dilation: tuple, value=0.0) -> torch.Tensor:
    """Pads the spatial dims of a channels-first `x` as TensorFlow's "same" does (the extra pixel after)."""
    widths = []
    for size, k, s, d in zip(x.shape[2:], kernel, strides, dilation):
        total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
        widths.append((total // 2, total - total // 2))
    flat = [w for pair in reversed(widths) for w in pair]
    return F.pad(x, flat, value=value) if any(flat) else x


def _check_padding(padding: str) -> str:
    padding = padding.lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same'; received {padding!r}.")
    return padding


def _conv_nd(x, weight, strides, padding, dilation, groups):
    n = x.ndim - 2
    strides, dilation = _tuple(strides, n), _tuple(dilation, n)
    if _check_padding(padding) == "same":
        x = _same_padding(x, weight.shape[2:], strides, dilation)
    return (F.conv1d, F.conv2d, F.conv3d)[n - 1](x, weight, None, strides, 0, dilation, groups)


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1 to 3 spatial dims) with a kernel in Keras's layout `spatial + (in // groups, out)`.

    Args:
        inputs: `(batch,) + spatial + (channels,)` (or channels first).
        kernel: the kernel; `in_channels // kernel.shape[-2]` is the number of groups.
        strides: an int or one per spatial dim.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"` (default: the configured image data format).
        dilation_rate: an int or one per spatial dim.
    """
    inputs, kernel = convert_to_tensors(inputs, kernel)
    x, moved = _channels_first(inputs, data_format)
    n = x.ndim - 2
    weight = kernel.permute((n + 1, n) + tuple(range(n))).to(x.dtype)
    groups = x.shape[1] // kernel.shape[-2]
    out = _conv_nd(x, weight, strides, padding, dilation_rate, groups)
    return torch.movedim(out, 1, -1) if moved else out


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise convolution with a kernel in Keras's layout `spatial + (in_channels, depth_multiplier)`."""
    inputs, kernel = convert_to_tensors(inputs, kernel)
    x, moved = _channels_first(inputs, data_format)
    n = x.ndim - 2
    channels, multiplier = kernel.shape[-2], kernel.shape[-1]
    weight = kernel.reshape(kernel.shape[:n] + (1, channels * multiplier)).permute((n + 1, n) + tuple(range(n)))
    out = _conv_nd(x, weight.to(x.dtype), strides, padding, dilation_rate, channels)
    return torch.movedim(out, 1, -1) if moved else out


@keras_op
def separable_conv(
    inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None, dilation_rate=1
):
    """A depthwise convolution followed by a 1x1 (pointwise) convolution."""
    depthwise = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format)


def _pool(inputs, pool_size, strides, padding, data_format, average: bool):
    inputs = convert_to_tensor(inputs)
    x, moved = _channels_first(inputs, data_format)
    n = x.ndim - 2
    pool_size = _tuple(pool_size, n)
    strides = pool_size if strides is None else _tuple(strides, n)
    pool = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d) if average else (F.max_pool1d, F.max_pool2d, F.max_pool3d)
    pool = pool[n - 1]
    if _check_padding(padding) == "valid":
        out = pool(x, pool_size, strides)
    elif average:
        # TensorFlow's "same" average ignores the padding: divide by the count of real pixels in each window.
        padded = _same_padding(x, pool_size, strides, (1,) * n)
        ones = _same_padding(torch.ones_like(x[:1, :1]), pool_size, strides, (1,) * n)
        out = pool(padded, pool_size, strides) / pool(ones, pool_size, strides)
    else:
        out = pool(_same_padding(x, pool_size, strides, (1,) * n, value=-math.inf), pool_size, strides)
    return torch.movedim(out, 1, -1) if moved else out


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1 to 3 spatial dims (`strides` default to `pool_size`)."""
    return _pool(inputs, pool_size, strides, padding, data_format, average=False)


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over 1 to 3 spatial dims (`"same"` padding averages real pixels only, as Keras)."""
    return _pool(inputs, pool_size, strides, padding, data_format, average=True)


def _adaptive_pool(inputs, output_size, data_format, average: bool):
    # Keras's bins: output i of an axis of length n pools [floor(i * n / out), ceil((i + 1) * n / out)), which are
    # torch's adaptive pooling bins (Keras's torch backend calls these kernels; its other backends gather the same
    # windows).
    inputs = convert_to_tensor(inputs)
    n = inputs.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(
            f"Inputs to adaptive {'average' if average else 'max'} pooling must have ndim=3, 4 or 5. Received "
            f"input shape: {tuple(inputs.shape)}."
        )
    output_size = _tuple(output_size, n)
    if len(output_size) != n or any(not isinstance(s, int) or s <= 0 for s in output_size):
        raise ValueError(
            f"`output_size` must be a positive integer or {n} positive integers for inputs with {n} spatial "
            f"dims. Received: output_size={output_size}"
        )
    x, moved = _channels_first(inputs, data_format)
    if average:
        pool = (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d)[n - 1]
        out = pool(ensure_float(x), output_size)
    else:
        out = (F.adaptive_max_pool1d, F.adaptive_max_pool2d, F.adaptive_max_pool3d)[n - 1](x, output_size)
    return torch.movedim(out, 1, -1) if moved else out


@keras_op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Adaptive average pooling over 1 to 3 spatial dims: pools to `output_size` whatever the input size.

    Args:
        inputs: `(batch,) + spatial + (channels,)` (or channels first).
        output_size: an int (the same for every spatial dim) or one int per spatial dim.
        data_format: `"channels_last"` or `"channels_first"` (default: the configured image data format).
    """
    return _adaptive_pool(inputs, output_size, data_format, average=True)


@keras_op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Adaptive max pooling over 1 to 3 spatial dims: pools to `output_size` whatever the input size.

    Args:
        inputs: `(batch,) + spatial + (channels,)` (or channels first).
        output_size: an int (the same for every spatial dim) or one int per spatial dim.
        data_format: `"channels_last"` or `"channels_first"` (default: the configured image data format).
    """
    return _adaptive_pool(inputs, output_size, data_format, average=False)


# ---- encodings and losses ----------------------------------------------------------------------------------


@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encoding of the integer tensor `x`; out-of-range (and negative) ids give all zeros.

    Args:
        x: integer class ids.
        num_classes: the encoding's depth.
        axis: where the new axis goes.
        dtype: the result dtype (floatx by default).
        sparse: must be False.
    """
    if sparse:
        raise ValueError("kerasish supports dense tensors only; received sparse=True.")
    x = convert_to_tensor(x)
    classes = torch.arange(num_classes, device=x.device)
    out = (x.long().unsqueeze(-1) == classes).to(config.standardize_dtype(dtype))
    return torch.movedim(out, -1, axis) if axis != -1 else out


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encoding: for each row of class ids (or the one 1-D list), 1 at every id present."""
    num_classes = num_classes if num_classes is not None else kwargs.pop("num_tokens", None)
    inputs = convert_to_tensor(inputs)
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype, sparse=sparse)
    return torch.amax(encoded, dim=1 if inputs.ndim > 1 else 0)


@keras_op
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary cross-entropy between `target` and `output` (probabilities clipped to
    `[epsilon, 1 - epsilon]`, or logits)."""
    target, output = convert_to_tensors(target, output)
    output = ensure_float(output)
    target = target.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = config.epsilon()
    output = torch.clamp(output, eps, 1.0 - eps)
    return -(target * torch.log(output) + (1.0 - target) * torch.log(1.0 - output))


def _log_probabilities(output: torch.Tensor, from_logits: bool, axis: int) -> torch.Tensor:
    if from_logits:
        return torch.log_softmax(output, dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = config.epsilon()
    return torch.log(torch.clamp(output, eps, 1.0 - eps))


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot `target` and `output` (probabilities, renormalized and clipped, or
    logits) along `axis`."""
    target, output = convert_to_tensors(target, output)
    output = ensure_float(output)
    if target.shape != output.shape:
        raise ValueError(
            f"Arguments `target` and `output` must have the same shape. Received: "
            f"target.shape={tuple(target.shape)}, output.shape={tuple(output.shape)}"
        )
    return -torch.sum(target.to(output.dtype) * _log_probabilities(output, from_logits, axis), dim=axis)


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer `target` ids and `output` (probabilities or logits) along `axis`."""
    target, output = convert_to_tensors(target, output)
    output = ensure_float(output)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target.squeeze(-1)
    log_probabilities = _log_probabilities(output, from_logits, axis)
    encoded = one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return -torch.sum(encoded * log_probabilities, dim=axis)


# ---- normalization -----------------------------------------------------------------------------------------


@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    """`(mean, variance)` of `x` over `axes` (half precision computed in float32)."""
    x = convert_to_tensor(x)
    dims = (axes,) if isinstance(axes, int) else tuple(axes)
    compute = x.float() if x.dtype in (torch.float16, torch.bfloat16) or not x.is_floating_point() else x
    variance, mean = torch.var_mean(compute, dim=dims, correction=0, keepdim=keepdims)
    out = x.dtype if x.is_floating_point() else compute.dtype
    return mean.to(out), variance.to(out)


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, with the 1-D statistics along `axis`."""
    x = convert_to_tensor(x)
    shape = [1] * x.ndim
    shape[axis] = -1

    def along(v):
        return None if v is None else convert_to_tensor(v, device=x.device).to(x.dtype).reshape(shape)

    inv = torch.rsqrt(along(variance) + epsilon)
    if scale is not None:
        inv = inv * along(scale)
    shift = -along(mean) * inv
    if offset is not None:
        shift = shift + along(offset)
    return x * inv + shift


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x / max(norm(x), epsilon)` along `axis` (`order` is the norm's order; epsilon defaults to
    `config.epsilon()`)."""
    x = ensure_float(convert_to_tensor(x))
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        inv_norm = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True))
        return x * torch.clamp(inv_norm, max=1.0 / epsilon)
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / torch.clamp(norm, min=epsilon)


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalizes `x` to zero mean and unit variance over `axis`, then scales by `gamma` and shifts by `beta`."""
    x = convert_to_tensor(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    out_dtype = x.dtype if x.is_floating_point() else torch.float32
    compute = x.float() if x.dtype in (torch.float16, torch.bfloat16) or not x.is_floating_point() else x
    axes = sorted(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis))
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]

    def along(v):
        return None if v is None else convert_to_tensor(v, device=x.device).to(compute.dtype).reshape(shape)

    variance, mean = torch.var_mean(compute, dim=axes, correction=0, keepdim=True)
    out = (compute - mean) * torch.rsqrt(variance + epsilon)
    if gamma is not None:
        out = out * along(gamma)
    if beta is not None:
        out = out + along(beta)
    return out.to(out_dtype)


@keras_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x * rsqrt(mean(x ** 2) + epsilon) * scale` over `axis`."""
    x = convert_to_tensor(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    compute = ensure_float(x).float() if x.dtype in (torch.float16, torch.bfloat16) else ensure_float(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = compute * torch.rsqrt(torch.mean(compute * compute, dim=axes, keepdim=True) + epsilon)
    if scale is not None:
        out = out * convert_to_tensor(scale, device=x.device).to(out.dtype)
    return out.to(x.dtype if x.is_floating_point() else out.dtype)


@keras_op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: `20 log10(max_val) - 10 log10(mean((x1 - x2) ** 2))`."""
    x1, x2 = convert_to_tensors(x1, x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr needs inputs of the same shape; received {tuple(x1.shape)} and {tuple(x2.shape)}.")
    mse = torch.mean((ensure_float(x1) - ensure_float(x2)) ** 2)
    return 20.0 * math.log10(max_val) - 10.0 * torch.log10(mse)


@keras_op
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss per batch item.

    Args:
        target: `(batch, max_label_length)` integer labels.
        output: `(batch, time, classes)` logits.
        target_length: `(batch,)` label lengths.
        output_length: `(batch,)` output lengths.
        mask_index: the blank class.
    """
    target, output, target_length, output_length = convert_to_tensors(target, output, target_length, output_length)
    log_probs = torch.log_softmax(ensure_float(output), dim=-1).transpose(0, 1)
    return F.ctc_loss(
        log_probs,
        target.long(),
        output_length.long(),
        target_length.long(),
        blank=mask_index,
        reduction="none",
        zero_infinity=False,
    )


@keras_op
def dot_product_attention(
    query,
    key,
    value,
    bias=None,
    mask=None,
    scale=None,
    is_causal=False,
    flash_attention=None,
    attn_logits_soft_cap=None,
):
    """Scaled dot-product attention on `(batch, length, heads, head_dim)` tensors (Keras's layout).

    Args:
        query, key, value: the inputs; `key`/`value` may have fewer heads (grouped-query attention).
        bias: added to the attention logits.
        mask: boolean, True where attention is allowed.
        scale: the logits' scale (`1 / sqrt(head_dim)` by default).
        is_causal: apply a causal mask.
        flash_attention: True: torch's flash kernel only; False: any kernel but flash; None: as
            `keras.config.is_flash_attention_enabled()` says.
        attn_logits_soft_cap: cap the logits with `cap * tanh(logits / cap)`.
    """
    query, key, value = convert_to_tensors(query, key, value)
    q, k, v = (t.transpose(1, 2) for t in (query, key, value))  # (batch, heads, length, dim)
    if k.shape[1] != q.shape[1]:
        repeats = q.shape[1] // k.shape[1]
        k, v = k.repeat_interleave(repeats, dim=1), v.repeat_interleave(repeats, dim=1)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    if bias is None and attn_logits_soft_cap is None and not (is_causal and mask is not None):
        attn_mask = None if mask is None else convert_to_tensor(mask, device=q.device).bool()
        with sdpa.kernel_scope(flash_attention):
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal, scale=scale)
        return out.transpose(1, 2)
    logits = torch.matmul(q, k.transpose(-1, -2)) * scale
    if attn_logits_soft_cap is not None:
        logits = attn_logits_soft_cap * torch.tanh(logits / attn_logits_soft_cap)
    if bias is not None:
        logits = logits + convert_to_tensor(bias, device=q.device).to(logits.dtype)
    allowed = None if mask is None else convert_to_tensor(mask, device=q.device).bool()
    if is_causal:
        causal = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device).tril()
        allowed = causal if allowed is None else allowed & causal
    if allowed is not None:
        logits = logits.masked_fill(~allowed, torch.finfo(logits.dtype).min)
    return torch.matmul(torch.softmax(logits, dim=-1), v).transpose(1, 2)


# ---- transposed convolution, space/depth and patch rearrangements ------------------------------------------


def _transpose_crops(size: int, kernel: int, stride: int, dilation: int, padding: str, output_padding) -> tuple:
    """(left, right) amounts Keras removes from the full transposed output `(size - 1) * stride + effective`, the
    right one negative where Keras's output extends past it."""
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        left_pad, right_pad = effective - 1, effective - 1 + extra
    else:  # output length `size * stride` by default, else `(size - 1) * stride + effective % 2 + output_padding`
        total = stride + effective - 2 if output_padding is None else effective + effective % 2 - 2 + output_padding
        left_pad = min(total // 2 + total % 2, effective - 1)
        right_pad = total - left_pad
    return effective - 1 - left_pad, effective - 1 - right_pad


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None, dilation_rate=1):
    """N-D transposed convolution (1 to 3 spatial dims), the gradient of `conv` with respect to its input.

    Args:
        inputs: `(batch,) + spatial + (channels,)` (or channels first).
        kernel: Keras's layout `spatial + (out_channels, in_channels)`.
        strides: an int or one per spatial dim.
        padding: `"valid"` or `"same"` (output `spatial * strides`).
        output_padding: an int or one per spatial dim (each below its stride) added to the output length, or None.
        data_format: `"channels_last"` or `"channels_first"` (default: the configured image data format).
        dilation_rate: an int or one per spatial dim.
    """
    inputs, kernel = convert_to_tensors(inputs, kernel)
    padding = _check_padding(padding)
    x, moved = _channels_first(inputs, data_format)
    n = x.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(f"conv_transpose: inputs must have rank 3, 4 or 5; received shape {tuple(inputs.shape)}.")
    if kernel.shape[-1] != x.shape[1]:
        raise ValueError(
            f"conv_transpose: the kernel's last axis ({kernel.shape[-1]}) must equal the input channels "
            f"({x.shape[1]}); received kernel shape {tuple(kernel.shape)}."
        )
    strides, dilation = _tuple(strides, n), _tuple(dilation_rate, n)
    output_padding = (None,) * n if output_padding is None else _tuple(output_padding, n)
    weight = kernel.permute((n + 1, n) + tuple(range(n))).to(x.dtype)  # (in, out, *spatial)
    out = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[n - 1](
        x, weight, None, strides, 0, 0, 1, dilation
    )
    crops = [
        _transpose_crops(size, k, s, d, padding, p)
        for size, k, s, d, p in zip(x.shape[2:], kernel.shape[:n], strides, dilation, output_padding)
    ]
    # Negative crops widen the output with zeros (positions no input reaches); pad first, then slice.
    pads = [w for left, right in reversed(crops) for w in (max(-left, 0), max(-right, 0))]
    if any(pads):
        out = F.pad(out, pads)
    index = (slice(None), slice(None)) + tuple(
        slice(max(left, 0), out.shape[2 + i] - max(right, 0)) for i, (left, right) in enumerate(crops)
    )
    out = out[index]
    return torch.movedim(out, 1, -1) if moved else out


def _block_layout(x: torch.Tensor, block_size: int, data_format: str, name: str) -> str:
    if x.ndim != 4:
        raise ValueError(f"`{name}` requires a 4D input tensor. Received: x.shape={tuple(x.shape)}")
    if block_size < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; received {data_format!r}.")
    return data_format


@keras_op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves depth into `block_size x block_size` spatial blocks: `(N, H, W, C)` -> `(N, H*b, W*b, C / b**2)`,
    with TensorFlow's channel order (the block position is the slower-varying part of the channel index)."""
    x = convert_to_tensor(x)
    data_format = _block_layout(x, block_size, data_format, "depth_to_space")
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        if c % (b * b):
            raise ValueError(f"The number of channels ({c}) must be divisible by block_size**2 ({b * b}).")
        return x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b, -1)
    n, c, h, w = x.shape
    if c % (b * b):
        raise ValueError(f"The number of channels ({c}) must be divisible by block_size**2 ({b * b}).")
    return x.reshape(n, b, b, c // (b * b), h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, -1, h * b, w * b)


@keras_op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves `block_size x block_size` spatial blocks into depth: `(N, H, W, C)` -> `(N, H/b, W/b, C * b**2)`
    (the inverse of `depth_to_space`)."""
    x = convert_to_tensor(x)
    data_format = _block_layout(x, block_size, data_format, "space_to_depth")
    b = block_size
    h, w = (x.shape[1], x.shape[2]) if data_format == "channels_last" else (x.shape[2], x.shape[3])
    if h % b or w % b:
        raise ValueError(f"Height ({h}) and width ({w}) must be divisible by block_size ({b}).")
    if data_format == "channels_last":
        n, _, _, c = x.shape
        return x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5).reshape(n, h // b, w // b, -1)
    n, c = x.shape[:2]
    return x.reshape(n, c, h // b, b, w // b, b).permute(0, 3, 5, 1, 2, 4).reshape(n, -1, h // b, w // b)


@keras_op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding `kernel_size` blocks of a channels-first `(N, C, H, W)` image as columns: `(N, C * kH * kW, L)` with
    `L` blocks (im2col)."""
    x = convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={tuple(x.shape)}")
    return F.unfold(x, kernel_size, dilation=dilation, padding=padding, stride=stride)


@keras_op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns of blocks `(N, C * kH * kW, L)` back into a channels-first `(N, C) + output_size` image (col2im,
    the adjoint of `unfold`)."""
    x = convert_to_tensor(x)
    if x.ndim != 3:
        raise ValueError(f"Input must be a 3D tensor. Received: input.shape={tuple(x.shape)}")
    return F.fold(x, output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)


@keras_op
def polar(abs_, angle):
    """The complex tensor `abs_ * (cos(angle) + 1j * sin(angle))`."""
    abs_, angle = convert_to_tensors(abs_, angle)
    abs_, angle = ensure_float(abs_), ensure_float(angle)
    dtype = torch.promote_types(abs_.dtype, angle.dtype)
    if dtype in (torch.float16, torch.bfloat16):
        dtype = torch.float32
    return torch.polar(abs_.to(dtype), angle.to(dtype))


@keras_op
def ctc_decode(
    inputs,
    sequence_lengths,
    strategy="greedy",
    beam_width=100,
    top_paths=1,
    merge_repeated=True,
    mask_index=0,
):
    """Decodes CTC outputs `(batch, time, classes)` (logits) into label sequences.

    Args:
        inputs: the logits.
        sequence_lengths: `(batch,)` valid time steps per item.
        strategy: `"greedy"` (best path) or `"beam_search"` (prefix beam search).
        beam_width: the beam width of `"beam_search"`.
        top_paths: how many best sequences `"beam_search"` returns.
        merge_repeated: whether `"greedy"` merges repeated labels.
        mask_index: the blank class.

    Returns:
        `(decoded, scores)`: `decoded` is `(paths, batch, time)` int32 with the labels left-aligned and -1 after them
        (`paths` is 1 for greedy, else `top_paths`); `scores` is `(batch, 1)`, the negative sum of the chosen logits,
        for greedy, else `(batch, top_paths)` log probabilities.
    """
    inputs, sequence_lengths = convert_to_tensors(inputs, sequence_lengths)
    if inputs.ndim != 3:
        raise ValueError(f"ctc_decode: inputs must be (batch, time, classes); received shape {tuple(inputs.shape)}.")
    dtype = torch.float64 if inputs.dtype == torch.float64 else torch.float32
    inputs, lengths = inputs.to(dtype), sequence_lengths.to(device=inputs.device, dtype=torch.long)
    blank = mask_index % inputs.shape[-1]
    if strategy == "greedy":
        return ctc_decoding.greedy_decode(inputs, lengths, merge_repeated, blank)
    if strategy == "beam_search":
        return ctc_decoding.beam_search_decode(inputs, lengths, beam_width, top_paths, blank)
    raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and 'beam_search'.")


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__
)
