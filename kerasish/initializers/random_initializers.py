"""Initializers that draw random values: plain distributions, variance scaling and orthogonal.

Seeding follows Keras 3: an initializer gives the same values every time it is called with the same shape,
whether it was given an int `seed` or none. Unseeded initializers draw their seed from torch's global RNG
on first use, so `torch.manual_seed` (and `kerasish.utils.set_random_seed`) makes them reproducible. Values
follow the same distributions as Keras's, not the same bits (the RNGs differ).
"""

from __future__ import annotations

import math

import torch

from kerasish import config as kconfig
from kerasish.initializers.initializer import Initializer, standardize_shape

# Standard deviation of a standard normal truncated to [-2, 2]; dividing by it restores the intended variance.
_TRUNCATED_STDDEV = 0.87962566103423978


def _float_dtype(dtype) -> torch.dtype:
    dtype = kconfig.standardize_dtype(dtype)
    if not dtype.is_floating_point:
        raise ValueError(f"Random initializers need a floating-point dtype, got {kconfig.dtype_name(dtype)}.")
    return dtype


def _empty(shape, dtype: torch.dtype) -> torch.Tensor:
    # Draw in float32 (float64 when asked) so half-precision weights get the same statistics, then cast.
    return torch.empty(standardize_shape(shape), dtype=torch.float64 if dtype == torch.float64 else torch.float32)


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed and makes the generator each draw uses.

    Args:
        seed: An int for a fixed draw, or None to take a seed from torch's global RNG on first call.
    """

    def __init__(self, seed: int | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` argument should be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self._drawn_seed: int | None = None

    def _generator(self) -> torch.Generator:
        seed = self.seed
        if seed is None:
            if self._drawn_seed is None:
                self._drawn_seed = int(torch.randint(1, 10**9, ()).item())
            seed = self._drawn_seed
        return torch.Generator().manual_seed(seed % 2**64)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Draws from a normal distribution.

    Args:
        mean: Mean of the values.
        stddev: Standard deviation of the values.
        seed: An int for a reproducible draw, or None.

    Example:
        >>> RandomNormal(mean=0.0, stddev=1.0, seed=1)((2, 2)).shape
        torch.Size([2, 2])
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = _float_dtype(dtype)
        return _empty(shape, dtype).normal_(self.mean, self.stddev, generator=self._generator()).to(dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Draws from a normal distribution truncated to two standard deviations around the mean.

    Args:
        mean: Mean of the (untruncated) normal distribution.
        stddev: Standard deviation of the (untruncated) normal distribution.
        seed: An int for a reproducible draw, or None.

    Example:
        >>> TruncatedNormal(stddev=1.0, seed=1)((1000,)).abs().max() <= 2.0
        tensor(True)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = _float_dtype(dtype)
        return _truncated_normal(_empty(shape, dtype), self.mean, self.stddev, self._generator()).to(dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


def _truncated_normal(out: torch.Tensor, mean: float, stddev: float, generator: torch.Generator) -> torch.Tensor:
    # Inverse-CDF sampling: exact truncation, no rejection loop.
    return torch.nn.init.trunc_normal_(out, mean, stddev, mean - 2 * stddev, mean + 2 * stddev, generator=generator)


class RandomUniform(RandomInitializer):
    """Draws from a uniform distribution on `[minval, maxval)`.

    Args:
        minval: Lower bound (inclusive).
        maxval: Upper bound (exclusive).
        seed: An int for a reproducible draw, or None.

    Example:
        >>> RandomUniform(-1.0, 1.0, seed=1)((2, 2)).shape
        torch.Size([2, 2])
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = _float_dtype(dtype)
        return _empty(shape, dtype).uniform_(self.minval, self.maxval, generator=self._generator()).to(dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """Fan-in and fan-out of a weight of Keras layout (`(..., in, out)`, e.g. `(kh, kw, in, out)`).

    Args:
        shape: The weight's shape.
        input_axes: Axes whose sizes multiply to the fan-in (used only together with `output_axes`).
        output_axes: Axes whose sizes multiply to the fan-out.

    Returns:
        `(fan_in, fan_out)`: for rank 1 both are the size; for rank 2 `shape[0], shape[1]`; for higher ranks
        `shape[-2]` and `shape[-1]` times the receptive field `prod(shape[:-2])`.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class VarianceScaling(RandomInitializer):
    """Draws with a variance of `scale / n`, `n` being the fan-in, the fan-out or their average.

    With a normal distribution the standard deviation (after truncation, for `"truncated_normal"`) is
    `sqrt(scale / n)`; with `"uniform"` the values lie in `[-limit, limit]`, `limit = sqrt(3 * scale / n)`.

    Args:
        scale: Positive scaling factor.
        mode: `"fan_in"`, `"fan_out"` or `"fan_avg"`.
        distribution: `"truncated_normal"` (also `"normal"`), `"untruncated_normal"` or `"uniform"`.
        seed: An int for a reproducible draw, or None.
        input_axes: Optional axes that make up the fan-in (with `output_axes`).
        output_axes: Optional axes that make up the fan-out (with `input_axes`).

    Example:
        >>> VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=1)((3, 4)).shape
        torch.Size([3, 4])
    """

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
        input_axes: list[int] | None = None,
        output_axes: list[int] | None = None,
    ):
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Please use one of 'fan_in', 'fan_out', 'fan_avg'.")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(
                f"Invalid `distribution` argument: {distribution!r}. Please use one of 'uniform', "
                "'truncated_normal', 'untruncated_normal'."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = _float_dtype(dtype)
        shape = standardize_shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        out, generator = _empty(shape, dtype), self._generator()
        if self.distribution == "truncated_normal":
            out = _truncated_normal(out, 0.0, math.sqrt(variance) / _TRUNCATED_STDDEV, generator)
        elif self.distribution == "untruncated_normal":
            out = out.normal_(0.0, math.sqrt(variance), generator=generator)
        else:
            limit = math.sqrt(3.0 * variance)
            out = out.uniform_(-limit, limit, generator=generator)
        return out.to(dtype)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling preset: its config is only the seed and the fan axes."""

    _scale: float
    _mode: str
    _distribution: str

    def __init__(
        self, seed: int | None = None, input_axes: list[int] | None = None, output_axes: list[int] | None = None
    ):
        super().__init__(self._scale, self._mode, self._distribution, seed, input_axes, output_axes)

    def get_config(self) -> dict:
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: `U(-limit, limit)` with `limit = sqrt(6 / (fan_in + fan_out))`.

    Args:
        seed: An int for a reproducible draw, or None.
        input_axes: Optional axes that make up the fan-in (with `output_axes`).
        output_axes: Optional axes that make up the fan-out (with `input_axes`).
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with `stddev = sqrt(2 / (fan_in + fan_out))`.

    Args:
        seed: An int for a reproducible draw, or None.
        input_axes: Optional axes that make up the fan-in (with `output_axes`).
        output_axes: Optional axes that make up the fan-out (with `input_axes`).
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """He uniform: `U(-limit, limit)` with `limit = sqrt(6 / fan_in)`.

    Args:
        seed: An int for a reproducible draw, or None.
        input_axes: Optional axes that make up the fan-in (with `output_axes`).
        output_axes: Optional axes that make up the fan-out (with `input_axes`).
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with `stddev = sqrt(2 / fan_in)`.

    Args:
        seed: An int for a reproducible draw, or None.
        input_axes: Optional axes that make up the fan-in (with `output_axes`).
        output_axes: Optional axes that make up the fan-out (with `input_axes`).
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: `U(-limit, limit)` with `limit = sqrt(3 / fan_in)`.

    Args:
        seed: An int for a reproducible draw, or None.
        input_axes: Optional axes that make up the fan-in (with `output_axes`).
        output_axes: Optional axes that make up the fan-out (with `input_axes`).
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with `stddev = sqrt(1 / fan_in)`.

    Args:
        seed: An int for a reproducible draw, or None.
        input_axes: Optional axes that make up the fan-in (with `output_axes`).
        output_axes: Optional axes that make up the fan-out (with `input_axes`).
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class Orthogonal(RandomInitializer):
    """Draws a (semi-)orthogonal matrix: the Q of the QR decomposition of a standard normal matrix.

    A shape of rank > 2 is filled as a `(prod(shape[:-1]), shape[-1])` matrix and reshaped. With fewer rows
    than columns the rows are orthonormal, otherwise the columns are.

    Args:
        gain: Multiplicative factor applied to the matrix.
        seed: An int for a reproducible draw, or None.

    Example:
        >>> q = Orthogonal(seed=1)((4, 4))
        >>> torch.allclose(q.T @ q, torch.eye(4), atol=1e-5)
        True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = _float_dtype(dtype)
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"The tensor to initialize must be at least two-dimensional. Received: shape={shape} of rank "
                f"{len(shape)}."
            )
        num_rows, num_cols = math.prod(shape[:-1]), shape[-1]
        a = _empty((max(num_rows, num_cols), min(num_rows, num_cols)), dtype).normal_(generator=self._generator())
        q, r = torch.linalg.qr(a)
        # Signs from R's diagonal make Q uniformly distributed over orthogonal matrices.
        q = q * torch.sign(torch.diagonal(r))
        if num_rows < num_cols:
            q = q.T
        return (self.gain * q.reshape(shape)).to(dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "gain": self.gain}
