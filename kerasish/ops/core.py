"""Core ops (`keras.ops.core`): conversion, dtypes and shapes, control flow, scatter and slice.

`convert_to_tensor` is the ground floor's (`kerasish.backend.common.tensors`), which states Keras's conversion
rules and where new tensors go.
"""

from __future__ import annotations

import builtins
import functools

import numpy as np
import torch

from kerasish import config
from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.backend.common.tensors import convert_to_tensor
from kerasish.ops.operation import keras_op


def convert_to_numpy(x) -> np.ndarray:
    """A NumPy copy of `x` (bfloat16 becomes float32, which NumPy lacks)."""
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    return np.asarray(x)


def is_tensor(x) -> bool:
    """Whether `x` is a torch tensor."""
    return isinstance(x, torch.Tensor)


def shape(x) -> tuple:
    """The shape of `x` as a tuple (with None for the unknown dims of a symbolic tensor)."""
    if isinstance(x, KerasTensor):
        return x.shape
    return tuple(convert_to_tensor(x).shape)


def dtype(x) -> str:
    """The Keras name of `x`'s dtype (`"float32"`)."""
    if isinstance(x, KerasTensor):
        return x.dtype
    return config.dtype_name(convert_to_tensor(x).dtype)


@keras_op
def cast(x, dtype):
    """Casts `x` to `dtype`.

    Args:
        x: the tensor.
        dtype: a Keras dtype name or torch dtype.
    """
    return convert_to_tensor(x).to(config.standardize_dtype(dtype))


@keras_op
def saturate_cast(x, dtype):
    """Casts `x` to `dtype`, clipping values to the range of `dtype` first."""
    x = convert_to_tensor(x)
    target = config.standardize_dtype(dtype)
    info = torch.finfo(target) if target.is_floating_point else torch.iinfo(target)
    if x.is_floating_point() or not target.is_floating_point:
        x = x.clamp(builtins.max(info.min, _min_of(x.dtype)), builtins.min(info.max, _max_of(x.dtype)))
    return x.to(target)


def _min_of(dtype):
    return torch.finfo(dtype).min if dtype.is_floating_point else torch.iinfo(dtype).min if dtype != torch.bool else 0


def _max_of(dtype):
    return torch.finfo(dtype).max if dtype.is_floating_point else torch.iinfo(dtype).max if dtype != torch.bool else 1


@keras_op
def stop_gradient(variable):
    """`variable`'s value with no gradient flowing back through it."""
    return convert_to_tensor(variable).detach()


def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`. (`pred` is read on the host.)"""
    return true_fn() if bool(pred) else false_fn()


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` is true.

    Args:
        cond: a function of the loop variables returning a boolean.
        body: a function of the loop variables returning new values for them, in the same structure.
        loop_vars: a tensor or a tuple/list of tensors.
        maximum_iterations: stop after this many iterations if given.
    """
    is_sequence = isinstance(loop_vars, (tuple, list))
    values = tuple(loop_vars) if is_sequence else (loop_vars,)
    iteration = 0
    while (maximum_iterations is None or iteration < maximum_iterations) and bool(cond(*values)):
        values = body(*values)
        values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
        iteration += 1
    return values if is_sequence else values[0]


def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)`, starting from `init_val`."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def switch(index, branches, *operands):
    """`branches[index](*operands)`, with `index` clamped to the valid range."""
    index = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[index](*operands)


def map(f, xs):  # noqa: A001 (Keras's name)
    """`f` applied to each slice of `xs` along its first axis, results stacked."""
    from kerasish.utils import tree

    leaves = tree.flatten(xs)
    results = [f(tree.pack_sequence_as(xs, [leaf[i] for leaf in leaves])) for i in range(leaves[0].shape[0])]
    flat = [tree.flatten(r) for r in results]
    return tree.pack_sequence_as(results[0], [torch.stack(parts) for parts in zip(*flat)])


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the first axis of `xs`; returns `(carry, stacked ys)`.

    Args:
        f: the step function.
        init: the initial carry.
        xs: the sequence (or None, with `length`).
        length: the number of steps when `xs` is None.
        reverse: whether to scan from the end.
        unroll: accepted for compatibility (torch runs eagerly).
    """
    steps = length if xs is None else xs.shape[0]
    order = range(steps - 1, -1, -1) if reverse else range(steps)
    carry, ys = init, [None] * steps
    for i in order:
        carry, ys[i] = f(carry, None if xs is None else xs[i])
    if ys and ys[0] is not None:
        return carry, torch.stack(ys)
    return carry, None


@keras_op
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (an `(N, k)` array of indices into the first
    `k` axes); repeated indices add up."""
    values = convert_to_tensor(values)
    indices = convert_to_tensor(indices, device=values.device).long()
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    return out.index_put_(tuple(indices.unbind(-1)), values, accumulate=True)


@keras_op
def scatter_update(inputs, indices, updates, reduction=None):
    """A copy of `inputs` whose entries at `indices` are replaced by `updates` (or combined with them).

    Args:
        inputs: the tensor.
        indices: an `(N, k)` array of indices into the first `k` axes.
        updates: the new values, shape `(N,) + inputs.shape[k:]`.
        reduction: None (replace), `"add"`, `"mul"`, `"max"` or `"min"`.
    """
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype, device=inputs.device)
    indices = convert_to_tensor(indices, device=inputs.device).long()
    if reduction is None:
        return inputs.index_put(tuple(indices.unbind(-1)), updates)
    if reduction == "add":
        return inputs.index_put(tuple(indices.unbind(-1)), updates, accumulate=True)
    reduce = {"mul": "prod", "max": "amax", "min": "amin"}.get(reduction)
    if reduce is None:
        raise ValueError(f"Invalid reduction: expected None, 'add', 'mul', 'max' or 'min'; got {reduction!r}.")
    k = indices.shape[-1]
    lead = inputs.shape[:k]
    flat = inputs.reshape((-1,) + inputs.shape[k:])
    strides = torch.tensor([int(np.prod(lead[i + 1 :])) for i in range(k)], device=inputs.device)
    linear = (indices * strides).sum(-1)
    index = linear.reshape((-1,) + (1,) * (flat.ndim - 1)).expand((linear.shape[0],) + flat.shape[1:])
    out = flat.scatter_reduce(0, index, updates.reshape((-1,) + flat.shape[1:]), reduce=reduce)
    return out.reshape(inputs.shape)


@keras_op
def slice(inputs, start_indices, shape):  # noqa: A001 (Keras's name)
    """The block of `inputs` of size `shape` starting at `start_indices`."""
    inputs = convert_to_tensor(inputs)
    index = tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))
    return inputs[index]


@keras_op
def slice_update(inputs, start_indices, updates):
    """A copy of `inputs` with the block starting at `start_indices` replaced by `updates`."""
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates, dtype=inputs.dtype, device=inputs.device)
    index = tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(start_indices, updates.shape))
    out = inputs.clone()
    out[index] = updates
    return out


@keras_op
def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list."""
    return list(torch.unbind(convert_to_tensor(x), dim=axis))


@keras_op
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of `elems` along `axis` with the associative binary `f`, in O(log n) sequential steps.

    Args:
        f: `f(a, b) -> c`, associative, elementwise over `axis`; `a`, `b` and `c` have the structure of `elems`.
        elems: a tensor or a nest of tensors of the same length along `axis`.
        reverse: scan from the end.
        axis: the scanned axis.

    Returns:
        The structure of `elems`, whose `k`-th slice along `axis` is `f` applied to the first `k + 1` slices:
        `[a, f(a, b), f(f(a, b), c), ...]`.
    """
    from kerasish.utils import tree

    if not callable(f):
        raise TypeError(f"`f` should be a callable. Received: f={f}")
    leaves = [convert_to_tensor(leaf) for leaf in tree.flatten(elems)]
    lengths = {leaf.shape[axis] for leaf in leaves}
    if len(lengths) != 1:
        raise ValueError(
            f"Array inputs to associative_scan must have the same length along axis {axis}. "
            f"(saw: {[tuple(leaf.shape) for leaf in leaves]})"
        )
    if reverse:
        leaves = [torch.flip(leaf, (axis,)) for leaf in leaves]

    def take(xs, start, stop=None, step=1):
        return [x[(builtins.slice(None),) * (axis % x.ndim) + (builtins.slice(start, stop, step),)] for x in xs]

    def combine(a, b):
        return [
            convert_to_tensor(c)
            for c in tree.flatten(f(tree.pack_sequence_as(elems, a), tree.pack_sequence_as(elems, b)))
        ]

    def interleave(evens, odds):
        out = []
        for even, odd in zip(evens, odds):
            dim = axis % even.ndim
            paired = torch.stack([even.narrow(dim, 0, odd.shape[dim]), odd], dim=dim + 1).flatten(dim, dim + 1)
            if even.shape[dim] > odd.shape[dim]:
                paired = torch.cat([paired, even.narrow(dim, even.shape[dim] - 1, 1)], dim=dim)
            out.append(paired)
        return out

    def scan(xs):
        n = xs[0].shape[axis]
        if n < 2:
            return xs
        odds = scan(combine(take(xs, 0, -1, 2), take(xs, 1, None, 2)))  # results at positions 1, 3, 5, ...
        tail = combine(take(odds, 0, -1) if n % 2 == 0 else odds, take(xs, 2, None, 2))  # positions 2, 4, ...
        evens = [torch.cat([first, rest], dim=axis) for first, rest in zip(take(xs, 0, 1), tail)]
        return interleave(evens, odds)

    results = scan(leaves)
    if reverse:
        results = [torch.flip(r, (axis,)) for r in results]
    return tree.pack_sequence_as(elems, results)


def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along the first axis (with `torch.vmap`)."""
    return torch.vmap(function)(elements)


def custom_gradient(f):
    """Decorates `f(*args)` returning `(output, grad_fn)` so that backpropagation uses `grad_fn(upstream)`.

    Example:
        @custom_gradient
        def log1pexp(x):
            e = ops.exp(x)
            return ops.log(1 + e), lambda upstream: upstream * (1 - 1 / (1 + e))
    """

    class _Function(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            with torch.enable_grad():
                output, grad_fn = f(*args)
            ctx.grad_fn = grad_fn
            return output.detach() if isinstance(output, torch.Tensor) else output

        @staticmethod
        def backward(ctx, *upstream):
            grads = ctx.grad_fn(*upstream)
            return grads if isinstance(grads, tuple) else (grads,)

    @functools.wraps(f)
    def wrapper(*args):
        return _Function.apply(*args)

    return wrapper
