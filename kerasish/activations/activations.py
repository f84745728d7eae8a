"""Keras 3's built-in activation functions, written with torch ops.

Every function takes a tensor and returns a tensor of the same shape and dtype, on the same device, with the
argument names and defaults of `keras.activations`. Python lists and numbers are accepted too (converted to a
`floatx()` tensor), as Keras accepts them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from kerasish import config


def _tensor(x) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    return torch.as_tensor(x, dtype=config.standardize_dtype(None))


def relu(
    x,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
    *,
    alpha: float | None = None,
) -> torch.Tensor:
    """Rectified linear unit, with Keras's optional leak, cap and threshold.

    With the defaults this is `max(x, 0)`. Otherwise it computes
    `where(x > threshold, x, 0)` (or `relu(x)` when `threshold == 0`), clipped to `[0, max_value]`, minus
    `negative_slope * relu(threshold - x)`.

    Args:
        x: Input tensor.
        negative_slope: Slope for values below the threshold.
        max_value: Largest value the function returns; None for no cap.
        threshold: Values at or below it are damped (to 0 or along `negative_slope`).
        alpha: Keras 2's name for `negative_slope`.

    Example:
        >>> relu(torch.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), negative_slope=0.5)
        tensor([-5.0000, -2.5000,  0.0000,  5.0000, 10.0000])
    """
    x = _tensor(x)
    if alpha is not None:
        negative_slope = alpha
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return torch.relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return F.leaky_relu(x, negative_slope)
    negative_part = F.relu(threshold - x) if negative_slope != 0.0 else None
    if threshold != 0.0:
        y = torch.where(x > threshold, x, torch.zeros_like(x))
    else:
        y = F.relu(x)
    if max_value is not None:
        y = torch.clamp(y, 0.0, max_value)
    if negative_part is not None:
        y = y - negative_slope * negative_part
    return y


def leaky_relu(x, negative_slope: float = 0.2) -> torch.Tensor:
    """Leaky ReLU: `x` for `x >= 0`, `negative_slope * x` otherwise.

    Args:
        x: Input tensor.
        negative_slope: Slope for negative inputs.
    """
    return F.leaky_relu(_tensor(x), negative_slope)


def relu6(x) -> torch.Tensor:
    """ReLU capped at 6: `min(max(x, 0), 6)`.

    Args:
        x: Input tensor.
    """
    return F.relu6(_tensor(x))


def softmax(x, axis: int = -1) -> torch.Tensor:
    """Softmax, `exp(x) / sum(exp(x))` along `axis`.

    The input logits are kept on the output as `_keras_logits` (as Keras does) so that a crossentropy loss
    can compute from the logits instead of the probabilities.

    Args:
        x: Input tensor.
        axis: Axis along which the softmax is taken.
    """
    x = _tensor(x)
    output = F.softmax(x, dim=axis)
    output._keras_logits = x
    return output


def elu(x, alpha: float = 1.0) -> torch.Tensor:
    """Exponential linear unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        x: Input tensor.
        alpha: Scale of the negative section.
    """
    return F.elu(_tensor(x), alpha)


def selu(x) -> torch.Tensor:
    """Scaled ELU with `alpha=1.67326324` and `scale=1.05070098`.

    Args:
        x: Input tensor.
    """
    return F.selu(_tensor(x))


def softplus(x) -> torch.Tensor:
    """Softplus, `log(exp(x) + 1)`.

    Args:
        x: Input tensor.
    """
    return F.softplus(_tensor(x))


def softsign(x) -> torch.Tensor:
    """Softsign, `x / (abs(x) + 1)`.

    Args:
        x: Input tensor.
    """
    return F.softsign(_tensor(x))


def soft_shrink(x, threshold: float = 0.5) -> torch.Tensor:
    """Soft shrink: `x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0.

    Args:
        x: Input tensor.
        threshold: Half-width of the zeroed band.
    """
    return F.softshrink(_tensor(x), threshold)


def sparse_plus(x) -> torch.Tensor:
    """SparsePlus: 0 for `x <= -1`, `(x + 1)**2 / 4` for `-1 < x < 1`, `x` for `x >= 1`.

    Args:
        x: Input tensor.
    """
    x = _tensor(x)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def silu(x) -> torch.Tensor:
    """Swish (SiLU), `x * sigmoid(x)`.

    Args:
        x: Input tensor.
    """
    return F.silu(_tensor(x))


def squareplus(x, b: float = 4) -> torch.Tensor:
    """Squareplus, `(x + sqrt(x**2 + b)) / 2`.

    Args:
        x: Input tensor.
        b: Smoothness parameter.
    """
    x = _tensor(x)
    return (x + torch.sqrt(x * x + b)) / 2


def gelu(x, approximate: bool = False) -> torch.Tensor:
    """Gaussian error linear unit, `x * P(X <= x)` for a standard normal `X`.

    Args:
        x: Input tensor.
        approximate: Whether to use the tanh approximation instead of the exact `erf` form.
    """
    return F.gelu(_tensor(x), approximate="tanh" if approximate else "none")


def celu(x, alpha: float = 1.0) -> torch.Tensor:
    """Continuously differentiable ELU: `x` for `x >= 0`, `alpha * (exp(x / alpha) - 1)` otherwise.

    Args:
        x: Input tensor.
        alpha: Scale of the negative section.
    """
    return F.celu(_tensor(x), alpha)


def glu(x, axis: int = -1) -> torch.Tensor:
    """Gated linear unit: splits `x` in halves `a, b` along `axis` and returns `a * sigmoid(b)`.

    Args:
        x: Input tensor; its size along `axis` must be even.
        axis: Axis to split.
    """
    return F.glu(_tensor(x), dim=axis)


def tanh(x) -> torch.Tensor:
    """Hyperbolic tangent.

    Args:
        x: Input tensor.
    """
    return torch.tanh(_tensor(x))


def tanh_shrink(x) -> torch.Tensor:
    """Tanh shrink, `x - tanh(x)`.

    Args:
        x: Input tensor.
    """
    return F.tanhshrink(_tensor(x))


def hard_tanh(x) -> torch.Tensor:
    """Hard tanh: `x` clipped to `[-1, 1]`.

    Args:
        x: Input tensor.
    """
    return F.hardtanh(_tensor(x), -1.0, 1.0)


def hard_shrink(x, threshold: float = 0.5) -> torch.Tensor:
    """Hard shrink: `x` where `|x| > threshold`, else 0.

    Args:
        x: Input tensor.
        threshold: Half-width of the zeroed band.
    """
    return F.hardshrink(_tensor(x), threshold)


def threshold(x, threshold: float, default_value: float) -> torch.Tensor:
    """`x` where `x > threshold`, else `default_value`.

    Args:
        x: Input tensor.
        threshold: Values at or below it are replaced.
        default_value: The replacement value.
    """
    return F.threshold(_tensor(x), threshold, default_value)


def sigmoid(x) -> torch.Tensor:
    """Sigmoid, `1 / (1 + exp(-x))`.

    The input logits are kept on the output as `_keras_logits` (as Keras does) so that a crossentropy loss
    can compute from the logits instead of the probabilities.

    Args:
        x: Input tensor.
    """
    x = _tensor(x)
    output = torch.sigmoid(x)
    output._keras_logits = x
    return output


def sparse_sigmoid(x) -> torch.Tensor:
    """Sparse sigmoid: 0 for `x <= -1`, `(x + 1) / 2` for `-1 < x < 1`, 1 for `x >= 1`.

    Args:
        x: Input tensor.
    """
    return torch.clamp(0.5 * (_tensor(x) + 1), 0.0, 1.0)


def exponential(x) -> torch.Tensor:
    """Exponential, `exp(x)`.

    Args:
        x: Input tensor.
    """
    return torch.exp(_tensor(x))


def hard_sigmoid(x) -> torch.Tensor:
    """Hard sigmoid: `x / 6 + 0.5` clipped to `[0, 1]`.

    Args:
        x: Input tensor.
    """
    return F.hardsigmoid(_tensor(x))


def log_sigmoid(x) -> torch.Tensor:
    """Log of the sigmoid, `-softplus(-x)`, computed stably.

    Args:
        x: Input tensor.
    """
    return F.logsigmoid(_tensor(x))


def hard_silu(x) -> torch.Tensor:
    """Hard SiLU (hard swish): `x * hard_sigmoid(x)`.

    Args:
        x: Input tensor.
    """
    return F.hardswish(_tensor(x))


def linear(x):
    """Identity: returns `x` unchanged.

    Args:
        x: Input tensor.
    """
    return x


def mish(x) -> torch.Tensor:
    """Mish, `x * tanh(softplus(x))`.

    Args:
        x: Input tensor.
    """
    return F.mish(_tensor(x))


def log_softmax(x, axis: int = -1) -> torch.Tensor:
    """Log of the softmax along `axis`, computed stably.

    Args:
        x: Input tensor.
        axis: Axis along which the softmax is taken.
    """
    return F.log_softmax(_tensor(x), dim=axis)


def sparsemax(x, axis: int = -1) -> torch.Tensor:
    """Sparsemax: the Euclidean projection of `x` onto the probability simplex along `axis`.

    `sparsemax(x) = max(x - tau, 0)` with `tau` chosen so each slice sums to 1; unlike softmax, it gives
    exact zeros.

    Args:
        x: Input tensor.
        axis: Axis along which the projection is taken.
    """
    x = _tensor(x)
    z, _ = torch.sort(x, dim=axis, descending=True)
    cumsum = torch.cumsum(z, dim=axis)
    shape = [1] * x.dim()
    shape[axis] = -1
    k = torch.arange(1, x.shape[axis] + 1, device=x.device, dtype=x.dtype).view(shape)
    # The support is the largest k with 1 + k * z_k > sum of the top k.
    support = (1 + k * z) > cumsum
    k_max = support.sum(dim=axis, keepdim=True)
    tau = (torch.gather(cumsum, axis, k_max - 1) - 1) / k_max.to(x.dtype)
    return torch.clamp(x - tau, min=0.0)
