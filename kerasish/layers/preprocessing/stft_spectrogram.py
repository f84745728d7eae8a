"""STFTSpectrogram: Keras 3's short-time Fourier transform as a convolution with (trainable) STFT kernels."""

from __future__ import annotations

import math
import warnings

import torch
import torch.nn.functional as F

from kerasish import config
from kerasish.initializers.constant_initializers import STFT
from kerasish.layers.convolutional.conv_utils import same_padding, standardize_data_format
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Spectrograms of 1-D signals `(batch, time, channels)` by convolving them with the real and imaginary STFT
    kernels (`keras.initializers.STFT`), which can be trained like any convolution.

    Args:
        mode: "log" (log magnitude), "magnitude", "psd" (power spectral density), "real", "imag", "angle" or
            "stft" (real then imaginary bins).
        frame_length: the window's length in samples.
        frame_step: samples between frames (defaults to `frame_length // 2`).
        fft_length: the FFT size (defaults to the next power of two of `frame_length`).
        window: a window name ("hann", "hamming", ...), `frame_length` values, or None.
        periodic: a periodic rather than symmetric named window.
        scaling: "density", "spectrum" or None.
        padding: "valid" or "same" (TensorFlow's, extra sample on the right).
        expand_dims: put frequencies and channels on separate axes.
        data_format: "channels_last" (default) or "channels_first".

    Example:
        layer = STFTSpectrogram(frame_length=256, frame_step=128)
        layer(torch.randn(2, 16000, 1)).shape  # (2, 124, 129)
    """

    def __init__(
        self,
        mode: str = "log",
        frame_length: int = 256,
        frame_step=None,
        fft_length=None,
        window="hann",
        periodic: bool = False,
        scaling="density",
        padding: str = "valid",
        expand_dims: bool = False,
        data_format=None,
        **kwargs,
    ):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(
                "`frame_step` should be a positive integer not greater than `frame_length`. "
                f"Received frame_step={frame_step}, frame_length={frame_length}"
            )
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                "`fft_length` should be not less than `frame_length`. "
                f"Received fft_length={fft_length}, frame_length={frame_length}"
            )
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(
                f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}", stacklevel=2
            )
        if mode not in _MODES:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(_MODES)}. Received: mode={mode}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received scaling={scaling}"
            )
        if padding not in ("valid", "same"):
            raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
        STFT("real", window, scaling, periodic)  # refuses an unknown window name now, as Keras does
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape, initializer=STFT("real", self.window, self.scaling, self.periodic)
            )
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape, initializer=STFT("imag", self.window, self.scaling, self.periodic)
            )

    def _convolve(self, signals: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """(batch * channels, 1, time) signals -> (batch * channels, bins, frames)."""
        weight = kernel.to(signals.dtype).permute(2, 1, 0)  # (bins, 1, frame_length)
        if self.padding == "same":
            left, right = same_padding(signals.shape[-1], self.frame_length, self._frame_step)
            signals = F.pad(signals, (left, right))
        return F.conv1d(signals, weight, stride=self._frame_step)

    def _arrange(self, outputs: torch.Tensor, batch: int, channels: int) -> torch.Tensor:
        """(batch * channels, bins, frames) in Keras's output layout."""
        outputs = outputs.reshape(batch, channels, outputs.shape[-2], outputs.shape[-1])
        if self.data_format == "channels_last":
            if self.expand_dims:
                return outputs.permute(0, 3, 2, 1)  # (batch, frames, bins, channels)
            return outputs.reshape(batch, -1, outputs.shape[-1]).transpose(1, 2)  # (batch, frames, channels * bins)
        if self.expand_dims:
            return outputs.transpose(2, 3)  # (batch, channels, frames, bins)
        return outputs.reshape(batch, -1, outputs.shape[-1])  # (batch, channels * bins, frames)

    def call(self, inputs):
        if not inputs.is_floating_point() or inputs.dtype == torch.bfloat16:
            raise TypeError(
                f"Invalid input type. Expected `float16`, `float32` or `float64`. Received: input type={inputs.dtype}"
            )
        if inputs.dim() != 3:
            raise ValueError(
                f"STFTSpectrogram '{self.name}' expects inputs of rank 3 (batch, time, channels), got shape "
                f"{tuple(inputs.shape)}."
            )
        signals = inputs.transpose(1, 2) if self.data_format == "channels_last" else inputs
        batch, channels = signals.shape[0], signals.shape[1]
        signals = signals.reshape(batch * channels, 1, signals.shape[-1])
        real = self._convolve(signals, self.real_kernel) if self.mode != "imag" else None
        imag = self._convolve(signals, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._arrange(real, batch, channels)
        if self.mode == "imag":
            return self._arrange(imag, batch, channels)
        if self.mode == "angle":
            return self._arrange(torch.atan2(imag, real), batch, channels)
        if self.mode == "stft":
            return self._arrange(torch.cat([real, imag], dim=1), batch, channels)
        power = real.square() + imag.square()
        if self.mode == "psd":
            # Keras doubles every bin but DC and Nyquist (the one-sided spectrum's energy).
            return self._arrange(power + F.pad(power[:, 1:-1], (0, 0, 1, 1)), batch, channels)
        epsilon = config.epsilon()
        magnitude = self._arrange(torch.sqrt(torch.clamp(power, min=epsilon)), batch, channels)
        if self.mode == "magnitude":
            return magnitude
        return torch.log(torch.clamp(magnitude, min=epsilon))

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        channels = input_shape[-1] if self.data_format == "channels_last" else input_shape[1]
        time = input_shape[1] if self.data_format == "channels_last" else input_shape[-1]
        bins = self._fft_length // 2 + 1
        if self.mode == "stft":
            bins *= 2
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = -(-time // self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, bins, channels)
            return (batch, channels, frames, bins)
        wide = None if channels is None else bins * channels
        return (batch, frames, wide) if self.data_format == "channels_last" else (batch, wide, frames)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        }
