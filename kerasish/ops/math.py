"""Math ops (`keras.ops.math`): segment reductions, top-k, logsumexp, FFTs and special functions.

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


__all__ = sorted(
    name
    for name, value in list(globals().items())
    if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__
)
