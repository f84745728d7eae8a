"""Initializers whose values do not depend on a random draw."""

from __future__ import annotations

import math

import torch

from kerasish import config as kconfig
from kerasish.initializers.initializer import Initializer, standardize_shape
from kerasish.saving.object_registry import deserialize_keras_object, serialize_keras_object


class Constant(Initializer):
    """Fills tensors with one value.

    Args:
        value: A Python scalar (or anything that broadcasts to the requested shape).

    Example:
        >>> Constant(10.0)((2, 2))
        tensor([[10., 10.],
                [10., 10.]])
    """

    def __init__(self, value: float = 0.0):
        self.value = value

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        shape = standardize_shape(shape)
        value = torch.as_tensor(self.value, dtype=kconfig.standardize_dtype(dtype), device="cpu")
        return value.expand(shape).clone()

    def get_config(self) -> dict:
        return {"value": serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config: dict) -> Constant:
        value = config["value"]
        if isinstance(value, dict):
            value = deserialize_keras_object(value)
        return cls(value)


class Zeros(Initializer):
    """Fills tensors with 0.

    Example:
        >>> Zeros()((2,))
        tensor([0., 0.])
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return torch.zeros(standardize_shape(shape), dtype=kconfig.standardize_dtype(dtype))


class Ones(Initializer):
    """Fills tensors with 1.

    Example:
        >>> Ones()((2,))
        tensor([1., 1.])
    """

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        return torch.ones(standardize_shape(shape), dtype=kconfig.standardize_dtype(dtype))


class Identity(Initializer):
    """Fills a 2-D tensor with `gain` times the identity matrix (ones on the main diagonal).

    Args:
        gain: Multiplicative factor applied to the identity matrix.

    Example:
        >>> Identity(gain=2.0)((2, 3))
        tensor([[2., 0., 0.],
                [0., 2., 0.]])
    """

    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer can only be used for 2D matrices. Received: shape={shape} of rank {len(shape)}."
            )
        return self.gain * torch.eye(*shape, dtype=kconfig.standardize_dtype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain}


# scipy.signal.get_window's names for the windows torch provides without extra parameters.
_WINDOWS = {
    "hann": torch.signal.windows.hann,
    "hamming": torch.signal.windows.hamming,
    "blackman": torch.signal.windows.blackman,
    "bartlett": torch.signal.windows.bartlett,
    "cosine": torch.signal.windows.cosine,
    "nuttall": torch.signal.windows.nuttall,
}


class STFT(Initializer):
    """Conv kernel computing the real or imaginary part of a short-time Fourier transform.

    For a kernel shape `(frame_length, 1, fft_length // 2 + 1)` the value at `(t, 0, f)` is
    `cos(-2 pi t f / fft_length)` (or `sin` for `side="imag"`), times the window at `t`, divided by the
    window's scaling. Used by `STFTSpectrogram`.

    Args:
        side: `"real"` or `"imag"`: which part of the transform the kernel computes.
        window: Name of a window (`"hann"`, `"hamming"`, `"blackman"`, `"bartlett"`, `"cosine"`,
            `"nuttall"`), a sequence of `frame_length` window values, or None for no window.
        scaling: `"density"` (divide by the window's L2 norm), `"spectrum"` (by its L1 norm) or None.
        periodic: Whether a named window is periodic (for spectral analysis) rather than symmetric.

    Example:
        >>> STFT("real", "hann")((128, 1, 65)).shape
        torch.Size([128, 1, 65])
    """

    def __init__(self, side: str = "real", window="hann", scaling: str | None = "density", periodic: bool = False):
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side!r}.")
        if isinstance(window, str) and window not in _WINDOWS:
            raise ValueError(f"Unknown window {window!r}: expected one of {sorted(_WINDOWS)} or a sequence of values.")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"Scaling is invalid, it must be None, 'density' or 'spectrum'. Received: {scaling!r}.")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None) -> torch.Tensor:
        dtype = kconfig.standardize_dtype(dtype)
        frame_length, _, fft_length = standardize_shape(shape)
        # Built in float64 so the float32 kernel is exact to rounding.
        time = torch.arange(frame_length, dtype=torch.float64).view(frame_length, 1, 1)
        freq = torch.arange(fft_length, dtype=torch.float64).view(1, 1, fft_length) / ((fft_length - 1) * 2)
        angle = -2.0 * math.pi * time * freq
        kernel = torch.cos(angle) if self.side == "real" else torch.sin(angle)
        if self.window is not None:
            if isinstance(self.window, str):
                win = _WINDOWS[self.window](frame_length, sym=not self.periodic, dtype=torch.float64)
            else:
                win = torch.as_tensor(self.window, dtype=torch.float64)
            if win.shape != (frame_length,):
                raise ValueError(
                    f"The shape of `window` must be equal to [frame_length]=[{frame_length}]. "
                    f"Received: window shape={list(win.shape)}."
                )
            kernel = kernel * win.view(frame_length, 1, 1)
            if self.scaling == "density":
                kernel = kernel / torch.sqrt(torch.sum(win * win))
            elif self.scaling == "spectrum":
                kernel = kernel / torch.sum(torch.abs(win))
        return kernel.to(dtype)

    def get_config(self) -> dict:
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}
