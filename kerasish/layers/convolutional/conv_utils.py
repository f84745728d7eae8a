"""Argument checks and TensorFlow padding arithmetic shared by the convolution, pooling and reshaping layers.

Keras's "same" padding is TensorFlow's: the total padding of an axis is
`max((ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)`, split with the extra element on the right. torch takes
only symmetric padding, so an asymmetric split is applied with `F.pad` (convolutions) or reproduced by the
pooling kernels' own bounds (pooling layers).
"""

from __future__ import annotations

from kerasish import config


def standardize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """`value` (an int or `n` ints) as a tuple of `n` ints, each > 0 (>= 0 with `allow_zero`)."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(values) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ValueError(message)
    lowest = 0 if allow_zero else 1
    if any(v < lowest for v in values):
        raise ValueError(f"{message}, including values that do not satisfy `value {'>=' if allow_zero else '>'} 0`")
    return values


def pop_keras2_groups(kwargs: dict, class_name: str) -> None:
    """Removes the `groups` that tf.keras 2 writes for every convolution (its subclasses inherit Conv's config)
    from `kwargs`: 1 is the only value these layers mean, as tf.keras 2 never applied it to them."""
    groups = kwargs.pop("groups", 1)
    if groups != 1:
        raise ValueError(
            f"{class_name} does not take `groups` (a tf.keras 2 config key accepted only as 1). "
            f"Received: groups={groups}"
        )


def standardize_padding(value: str, allow_causal: bool = False) -> str:
    """`"valid"`, `"same"` (or `"causal"` where allowed), lowercased."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = str(value).lower()
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be one of {allowed}. Received: padding={value!r}")
    return padding


def standardize_data_format(data_format: str | None) -> str:
    """`data_format`, or `config.image_data_format()` when None."""
    if data_format is None:
        return config.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            f"The `data_format` argument must be one of 'channels_first', 'channels_last'. "
            f"Received: data_format={data_format}"
        )
    return data_format


def channels_first_order(rank: int) -> tuple[int, ...]:
    """The permutation taking a channels-last tensor of `rank` spatial axes to channels-first."""
    return (0, rank + 1) + tuple(range(1, rank + 1))


def channels_last_order(rank: int) -> tuple[int, ...]:
    """The permutation taking a channels-first tensor of `rank` spatial axes to channels-last."""
    return (0,) + tuple(range(2, rank + 2)) + (1,)


def same_padding(length: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TensorFlow's "same" padding of one axis: (left, right), the extra element on the right."""
    effective = (kernel - 1) * dilation + 1
    total = max((-(-length // stride) - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def same_padding_args(spatial_shape, kernel_size, strides, dilation_rate):
    """How a torch convolution reproduces "same" padding: `(padding, None)` when it is symmetric (torch's own
    `padding` argument), else `(0, pad)` with `pad` the `F.pad` widths (last axis first)."""
    pads = [same_padding(n, k, s, d) for n, k, s, d in zip(spatial_shape, kernel_size, strides, dilation_rate)]
    if all(left == right for left, right in pads):
        return tuple(left for left, _ in pads), None
    return 0, tuple(width for left, right in reversed(pads) for width in (left, right))


def conv_output_length(length: int | None, kernel: int, padding: str, stride: int, dilation: int = 1) -> int | None:
    """Output length of a convolution or pooling axis (None stays None)."""
    if length is None:
        return None
    if padding == "valid":
        return (length - (kernel - 1) * dilation - 1) // stride + 1
    return (length - 1) // stride + 1  # "same" and "causal"


def conv_output_shape(layer, input_shape, channels: int, kernel_size, strides, padding, dilation_rate):
    """Output shape of a convolution or pooling layer; a ValueError naming `layer` if an axis would be empty."""
    input_shape = tuple(input_shape)
    channels_last = layer.data_format == "channels_last"
    spatial = input_shape[1:-1] if channels_last else input_shape[2:]
    lengths = tuple(
        conv_output_length(n, k, padding, s, d) for n, k, s, d in zip(spatial, kernel_size, strides, dilation_rate)
    )
    if any(n is not None and n <= 0 for n in lengths):
        raise ValueError(
            f'Layer "{layer.name}": computed output size would be zero or negative. Received input '
            f"shape={input_shape}, kernel/pool size={tuple(kernel_size)}, strides={tuple(strides)}, "
            f"dilation_rate={tuple(dilation_rate)}, padding={padding!r}."
        )
    if channels_last:
        return (input_shape[0],) + lengths + (channels,)
    return (input_shape[0], channels) + lengths


def standardize_pairs(value, n: int, name: str) -> tuple[tuple[int, int], ...]:
    """`value` as `n` (before, after) pairs of ints >= 0: an int (the same everywhere), `n` ints (symmetric per
    axis) or `n` pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value),) * n
    if not hasattr(value, "__len__") or len(value) != n:
        raise ValueError(
            f"`{name}` should be an int, a tuple of {n} ints or a tuple of {n} tuples of 2 ints. "
            f"Received: {name}={value}."
        )
    ordinals = ("1st", "2nd", "3rd")
    return tuple(
        standardize_tuple(v, 2, f"{ordinals[i]} entry of {name}", allow_zero=True) for i, v in enumerate(value)
    )
