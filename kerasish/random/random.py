"""Random ops (`keras.random`) on torch, with Keras's seeding.

`seed` is an int (the same values on every call), a `SeedGenerator` (a new, reproducible draw on each call) or
None (torch's global generator, reproducible after `kerasish.utils.set_random_seed`).
"""

from __future__ import annotations

import torch

from kerasish import config
from kerasish.backend.common.tensors import convert_to_tensor, default_device
from kerasish.random.seed_generator import SeedGenerator


def _generator(seed, device) -> torch.Generator | None:
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        return seed.generator(device)
    if isinstance(seed, int) and not isinstance(seed, bool):
        generator = torch.Generator(device=device)
        generator.manual_seed(seed)
        return generator
    raise ValueError(
        f"Argument `seed` must be an int, a `kerasish.random.SeedGenerator` or None. Received: seed={seed!r}"
    )


def _float_dtype(dtype) -> torch.dtype:
    dtype = config.standardize_dtype(dtype)
    if not dtype.is_floating_point:
        raise ValueError(f"Expected a float dtype for this random op; received dtype={config.dtype_name(dtype)}.")
    return dtype


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution.

    Args:
        shape: the output shape.
        mean: the distribution's mean.
        stddev: its standard deviation.
        dtype: a float dtype (floatx by default).
        seed: an int, a `SeedGenerator` or None.
    """
    device = default_device()
    out = torch.empty(_shape(shape), dtype=_float_dtype(dtype), device=device)
    return out.normal_(mean, stddev, generator=_generator(seed, device))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniformly from `[minval, maxval)` (float dtypes; see `randint` for integers)."""
    device = default_device()
    out = torch.empty(_shape(shape), dtype=_float_dtype(dtype), device=device)
    return out.uniform_(minval, maxval, generator=_generator(seed, device))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Samples integers uniformly from `[minval, maxval)`."""
    device = default_device()
    return torch.randint(
        int(minval),
        int(maxval),
        _shape(shape),
        generator=_generator(seed, device),
        dtype=config.standardize_dtype(dtype),
        device=device,
    )


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution, redrawing values more than two standard deviations from the mean."""
    device = default_device()
    out = torch.empty(_shape(shape), dtype=_float_dtype(dtype), device=device)
    return torch.nn.init.trunc_normal_(
        out, mean, stddev, mean - 2 * stddev, mean + 2 * stddev, generator=_generator(seed, device)
    )


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes entries of `inputs` with probability `rate` and scales the rest by `1 / (1 - rate)`.

    Args:
        inputs: the tensor.
        rate: the drop probability, in [0, 1).
        noise_shape: the shape of the keep mask, broadcast over `inputs` (None entries take the input's size).
        seed: an int, a `SeedGenerator` or None.
    """
    inputs = convert_to_tensor(inputs)
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be in [0, 1); received rate={rate}.")
    if rate == 0:
        return inputs
    shape = (
        inputs.shape
        if noise_shape is None
        else tuple(inputs.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    )
    keep = torch.empty(shape, dtype=inputs.dtype, device=inputs.device)
    keep.bernoulli_(1 - rate, generator=_generator(seed, inputs.device))
    return inputs * keep / (1 - rate)


def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` randomly permuted."""
    x = convert_to_tensor(x)
    generator = _generator(seed, x.device)
    permutation = torch.randperm(x.shape[axis], generator=generator, device=x.device)
    return torch.index_select(x, axis, permutation)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws `num_samples` class ids per row of the `(batch, classes)` `logits`."""
    logits = convert_to_tensor(logits)
    probabilities = torch.softmax(logits.float(), dim=-1)
    samples = torch.multinomial(probabilities, num_samples, replacement=True, generator=_generator(seed, logits.device))
    return samples.to(config.standardize_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from binomial distributions of `counts` trials with success `probabilities`."""
    device = default_device()
    dtype = _float_dtype(dtype)
    counts = torch.broadcast_to(convert_to_tensor(counts, dtype=dtype, device=device), _shape(shape))
    probabilities = torch.broadcast_to(convert_to_tensor(probabilities, dtype=dtype, device=device), _shape(shape))
    return torch.binomial(counts, probabilities, generator=_generator(seed, device))


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from gamma distributions of concentration `alpha` (scale 1)."""
    device = default_device()
    dtype = _float_dtype(dtype)
    concentration = torch.broadcast_to(convert_to_tensor(alpha, dtype=torch.float32, device=device), _shape(shape))
    if seed is None:
        return torch._standard_gamma(concentration).to(dtype)
    # torch's gamma sampler takes no generator: draw under a seed forked from the global state.
    draw_seed = seed.next() if isinstance(seed, SeedGenerator) else seed
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(draw_seed)
        return torch._standard_gamma(concentration).to(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from beta distributions with parameters `alpha` and `beta`."""
    if isinstance(seed, int) and not isinstance(seed, bool):
        seed = SeedGenerator(seed)
    x = gamma(shape, alpha, dtype="float32", seed=seed)
    y = gamma(shape, beta, dtype="float32", seed=seed)
    return (x / (x + y)).to(_float_dtype(dtype))
