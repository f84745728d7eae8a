"""MelSpectrogram: audio to a mel-scaled spectrogram, Keras 3's layer on `ops.stft` (torch.stft)."""

from __future__ import annotations

import math

import torch

from kerasish import config
from kerasish.layers.layer import Layer
from kerasish.ops.math import stft

# HTK's mel scale, as TensorFlow's `linear_to_mel_weight_matrix`: mel(f) = 1127 * ln(1 + f / 700).
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies: torch.Tensor) -> torch.Tensor:
    return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + frequencies / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(
    num_mel_bins: int = 20,
    num_spectrogram_bins: int = 129,
    sampling_rate: float = 8000,
    lower_edge_hertz: float = 125.0,
    upper_edge_hertz: float = 3800.0,
    dtype=torch.float32,
    device=None,
) -> torch.Tensor:
    """The `(num_spectrogram_bins, num_mel_bins)` matrix of triangular mel filters (peak 1, HTK's scale), zero for
    the DC bin, as TensorFlow's and Keras's `linear_to_mel_weight_matrix`."""
    nyquist = float(sampling_rate) / 2.0
    linear = torch.linspace(0.0, nyquist, num_spectrogram_bins, dtype=dtype, device=device)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None]
    edges = torch.tensor([lower_edge_hertz, upper_edge_hertz], dtype=dtype, device=device)
    low, high = _hertz_to_mel(edges)
    band_edges = torch.linspace(float(low), float(high), num_mel_bins + 2, dtype=dtype, device=device)
    lower, center, upper = band_edges[:-2][None], band_edges[1:-1][None], band_edges[2:][None]
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = torch.clamp(torch.minimum(lower_slopes, upper_slopes), min=0.0)
    return torch.nn.functional.pad(weights, (0, 0, 1, 0))


class MelSpectrogram(Layer):
    """Turns raw audio `(batch, samples)` (or `(samples,)`) into mel spectrograms `(batch, num_mel_bins, frames)`.

    The magnitude of a centred short-time Fourier transform, raised to `mag_exp`, is projected on `num_mel_bins`
    triangular mel filters between `min_freq` and `max_freq`; with `power_to_db`, converted to decibels
    (`10 log10(max(x, min_power) / ref_power)`, floored `top_db` below the largest value of the batch), as Keras.

    Args:
        fft_length: the FFT size (frames are this long).
        sequence_stride: samples between frames.
        sequence_length: the window's length (defaults to `fft_length`).
        window: "hann", "hamming" or None.
        sampling_rate: samples per second.
        num_mel_bins: the number of mel bands.
        min_freq, max_freq: the lowest and highest frequencies of the bands (`max_freq` defaults to
            `sampling_rate / 2`).
        power_to_db: whether to convert to decibels.
        top_db: the decibel range kept below the maximum.
        mag_exp: 1 for magnitude, 2 for power.
        min_power: the floor before the logarithm.
        ref_power: the reference power of 0 dB.

    Example:
        layer = MelSpectrogram(num_mel_bins=64, sampling_rate=8000, sequence_stride=256, fft_length=2048)
        layer(torch.randn(2, 16000)).shape  # (2, 64, 63)
    """

    def __init__(
        self,
        fft_length: int = 2048,
        sequence_stride: int = 512,
        sequence_length=None,
        window="hann",
        sampling_rate: int = 16000,
        num_mel_bins: int = 128,
        min_freq: float = 20.0,
        max_freq=None,
        power_to_db: bool = True,
        top_db: float = 80.0,
        mag_exp: float = 2.0,
        min_power: float = 1e-10,
        ref_power: float = 1.0,
        **kwargs,
    ):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "`fft_length` must be greater than or equal to  `sequence_length`. Received: "
                f"`sequence_length`={self.sequence_length}, `fft_length`={self.fft_length}."
            )
        if window is not None and window not in ("hann", "hamming"):
            raise ValueError(f'MelSpectrogram: window must be "hann", "hamming" or None, received window={window!r}.')
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        compute = config.standardize_dtype(self.compute_dtype)
        dtype = compute if compute in (torch.float32, torch.float64) else torch.float32  # stft's dtypes
        inputs = torch.as_tensor(inputs).to(dtype)
        if inputs.dim() not in (1, 2):
            raise ValueError(
                f"MelSpectrogram '{self.name}' expects audio of shape (batch, samples) or (samples,), got shape "
                f"{tuple(inputs.shape)}."
            )
        real, imag = stft(
            inputs,
            sequence_length=self.sequence_length,
            sequence_stride=self.sequence_stride,
            fft_length=self.fft_length,
            window=self.window,
            center=True,
        )
        spectrum = torch.sqrt(real.square() + imag.square()).pow(self.mag_exp)
        matrix = linear_to_mel_weight_matrix(
            self.num_mel_bins,
            spectrum.shape[-1],
            self.sampling_rate,
            self.min_freq,
            self.max_freq,
            dtype,
            inputs.device,
        )
        outputs = spectrum @ matrix
        if self.power_to_db:
            outputs = self._db_scale(outputs)
        return outputs.transpose(-1, -2).to(compute)

    def _db_scale(self, power: torch.Tensor) -> torch.Tensor:
        log_spec = 10.0 * torch.log10(torch.clamp(power, min=self.min_power))
        log_spec = log_spec - 10.0 * math.log10(max(abs(self.ref_power), self.min_power))
        # Keras floors against the largest value of the whole batch, not of each example.
        return torch.maximum(log_spec, log_spec.max() - self.top_db)

    def compute_output_shape(self, input_shape):
        samples = input_shape[-1]
        frames = (
            None
            if samples is None
            else 1 + (samples + 2 * (self.fft_length // 2) - self.fft_length) // (self.sequence_stride)
        )
        if len(input_shape) == 1:
            return (self.num_mel_bins, frames)
        return (input_shape[0], self.num_mel_bins, frames)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        }
