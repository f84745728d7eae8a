"""Math ops (`keras.ops.math`): segment reductions, top-k, logsumexp, FFTs, STFTs and special functions.

FFT ops take and return `(real, imag)` pairs of tensors, as Keras's do.
"""

from __future__ import annotations

import torch

from kerasish.backend.common.tensors import convert_to_tensor, convert_to_tensors, ensure_float
from kerasish.ops.operation import keras_op


def _segment(data, segment_ids, num_segments, reduce: str):
    data, segment_ids = convert_to_tensors(data, segment_ids)
    segment_ids = segment_ids.long()
    if num_segments is None:
        num_segments = int(segment_ids.max()) + 1  # reads the ids on the host, as it must to size the result
    # Ids out of range go to an extra row that is dropped.
    segment_ids = torch.where((segment_ids >= 0) & (segment_ids < num_segments), segment_ids, num_segments)
    index = segment_ids.reshape((-1,) + (1,) * (data.ndim - 1)).expand_as(data)
    out = torch.zeros((num_segments + 1,) + tuple(data.shape[1:]), dtype=data.dtype, device=data.device)
    if reduce == "sum":
        out = out.scatter_add(0, index, data)
    else:
        out = out.scatter_reduce(0, index, data, reduce=reduce, include_self=False)
    return out[:-1]


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002 (Keras's name)
    """Sums of the rows of `data` by `segment_ids` (`num_segments` rows; max id + 1 by default)."""
    return _segment(data, segment_ids, num_segments, "sum")


@keras_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Maxima of the rows of `data` by `segment_ids` (empty segments give 0)."""
    return _segment(data, segment_ids, num_segments, "amax")


@keras_op
def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Minima of the rows of `data` by `segment_ids` (empty segments give 0)."""
    return _segment(data, segment_ids, num_segments, "amin")


@keras_op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Products of the rows of `data` by `segment_ids` (empty segments give 0)."""
    return _segment(data, segment_ids, num_segments, "prod")


@keras_op
def top_k(x, k, sorted=True):  # noqa: A002
    """`(values, indices)` of the `k` largest entries along the last axis (int64 indices, as Keras on torch)."""
    values, indices = torch.topk(convert_to_tensor(x), k, dim=-1, sorted=sorted)
    return values, indices


@keras_op
def in_top_k(targets, predictions, k):
    """Whether each target id is among the `k` highest `predictions` of its row (ties count in its favour)."""
    targets, predictions = convert_to_tensors(targets, predictions)
    target_scores = torch.gather(predictions, 1, targets.long().reshape(-1, 1))
    return torch.sum(predictions > target_scores, dim=1) < k


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis` (all axes if None), computed stably."""
    x = ensure_float(convert_to_tensor(x))
    dims = tuple(range(x.ndim)) if axis is None else axis
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@keras_op
def rsqrt(x):
    """`1 / sqrt(x)`, elementwise."""
    return torch.rsqrt(ensure_float(convert_to_tensor(x)))


@keras_op
def erf(x):
    """The error function, elementwise."""
    return torch.erf(ensure_float(convert_to_tensor(x)))


@keras_op
def erfc(x):
    """`1 - erf(x)`, elementwise."""
    return torch.erfc(ensure_float(convert_to_tensor(x)))


@keras_op
def erfinv(x):
    """The inverse error function, elementwise."""
    return torch.erfinv(ensure_float(convert_to_tensor(x)))


@keras_op
def logdet(x):
    """`log(det(x))` of the positive-definite matrices `x`."""
    return torch.logdet(ensure_float(convert_to_tensor(x)))


@keras_op
def cdist(x, y):
    """Euclidean distances between the rows of `x` and those of `y`."""
    x, y = convert_to_tensors(x, y)
    return torch.cdist(ensure_float(x), ensure_float(y))


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` samples every `sequence_stride` samples along the last axis."""
    return convert_to_tensor(x).unfold(-1, sequence_length, sequence_stride)


def _complex(x) -> torch.Tensor:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"Expected a (real, imag) pair of tensors; received {type(x).__name__}.")
    real, imag = (ensure_float(t) for t in convert_to_tensors(*x))
    if real.shape != imag.shape:
        raise ValueError(
            f"real and imag parts must have the same shape; received {tuple(real.shape)} and {tuple(imag.shape)}."
        )
    return torch.complex(real, imag)


@keras_op
def fft(x):
    """FFT along the last axis of the `(real, imag)` pair `x`; returns `(real, imag)`."""
    out = torch.fft.fft(_complex(x))
    return out.real, out.imag


@keras_op
def fft2(x):
    """2-D FFT over the last two axes of the `(real, imag)` pair `x`; returns `(real, imag)`."""
    out = torch.fft.fft2(_complex(x))
    return out.real, out.imag


@keras_op
def ifft2(x):
    """Inverse 2-D FFT over the last two axes of the `(real, imag)` pair `x`; returns `(real, imag)`."""
    out = torch.fft.ifft2(_complex(x))
    return out.real, out.imag


@keras_op
def rfft(x, fft_length=None):
    """FFT of the real `x` along its last axis; returns `(real, imag)` of the non-negative frequencies."""
    out = torch.fft.rfft(ensure_float(convert_to_tensor(x)), n=fft_length)
    return out.real, out.imag


@keras_op
def irfft(x, fft_length=None):
    """Inverse of `rfft`: a real signal from the `(real, imag)` pair `x`."""
    return torch.fft.irfft(_complex(x), n=fft_length)


@keras_op
def view_as_complex(x):
    """A complex tensor from `x` whose last axis holds (real, imag)."""
    return torch.view_as_complex(ensure_float(convert_to_tensor(x)).contiguous())


@keras_op
def view_as_real(x):
    """The complex `x` as a real tensor with a last axis of (real, imag)."""
    return torch.view_as_real(convert_to_tensor(x))


def _stft_window(window, sequence_length: int, dtype, device) -> torch.Tensor | None:
    """Keras's stft window: periodic "hann" or "hamming", an array of `sequence_length` values, or None."""
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(
                f'If a string is passed to `window`, it must be one of `"hann"`, `"hamming"`. Received: window={window}'
            )
        make = torch.hann_window if window == "hann" else torch.hamming_window
        return make(sequence_length, periodic=True, dtype=dtype, device=device)
    win = convert_to_tensor(window).to(dtype=dtype, device=device)
    if win.dim() != 1 or win.shape[-1] != sequence_length:
        raise ValueError(
            f"The shape of `window` must be equal to [sequence_length]. Received: window shape={tuple(win.shape)}"
        )
    return win


@keras_op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis; returns `(real, imag)` of shape `(..., frames, bins)`.

    As Keras on TensorFlow: frames of `fft_length` samples every `sequence_stride` samples (reflect-padded by
    `fft_length // 2` on both sides when `center`), the window (`sequence_length` long, periodic) centred in the
    frame with zeros around it; `fft_length // 2 + 1` bins.
    """
    x = convert_to_tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"Invalid input type. Expected `float32` or `float64`. Received: input type={x.dtype}")
    if fft_length < sequence_length:
        raise ValueError(
            "`fft_length` must equal or larger than `sequence_length`. "
            f"Received: sequence_length={sequence_length}, fft_length={fft_length}"
        )
    win = _stft_window(window, sequence_length, x.dtype, x.device)
    if win is None:  # no window: all `fft_length` samples of a frame, as TensorFlow's stft without window_fn
        win, sequence_length = torch.ones(fft_length, dtype=x.dtype, device=x.device), fft_length
    lead = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1])
    if center:
        flat = torch.nn.functional.pad(flat[:, None], (fft_length // 2, fft_length // 2), mode="reflect")[:, 0]
    out = torch.stft(
        flat,
        n_fft=fft_length,
        hop_length=sequence_stride,
        win_length=sequence_length,
        window=win,
        center=False,
        return_complex=True,
    ).transpose(-1, -2)
    out = out.reshape(*lead, *out.shape[-2:])
    return out.real.contiguous(), out.imag.contiguous()


@keras_op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse of `stft`: a signal from the `(real, imag)` pair `x` of shape `(..., frames, bins)`.

    As TensorFlow's `inverse_stft` under Keras: each frame's inverse FFT times the window divided by the windows'
    summed squares at its phase (`inverse_stft_window_fn`), overlap-added; then cut to `length` (or, when
    `center`, without the `fft_length // 2` padding on each side).
    """
    spectrum = _complex(x)
    dtype = spectrum.real.dtype
    frames = torch.fft.irfft(spectrum, n=fft_length)
    win = _stft_window(window, sequence_length, dtype, spectrum.device)
    if win is not None:
        left = (fft_length - sequence_length) // 2
        win = torch.nn.functional.pad(win, (left, fft_length - sequence_length - left))
        overlaps = -(-fft_length // sequence_stride)
        denom = torch.nn.functional.pad(win.square(), (0, overlaps * sequence_stride - fft_length))
        denom = denom.reshape(overlaps, sequence_stride).sum(0).repeat(overlaps)[:fft_length]
        frames = frames * (win / denom)
    lead, count = frames.shape[:-2], frames.shape[-2]
    total = fft_length + sequence_stride * (count - 1)
    signal = torch.nn.functional.fold(
        frames.reshape(-1, count, fft_length).transpose(1, 2),
        output_size=(1, total),
        kernel_size=(1, fft_length),
        stride=(1, sequence_stride),
    ).reshape(*lead, total)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = total - fft_length // 2
    else:
        end = total
    return signal[..., start:end]


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__
)
