"""Building a model from an untrusted config under a memory budget, before its weights file is checked.

A config can ask for any size (`Dense(units=10**8)`), and a loader learns whether the file's weights fit the model
only once the model exists. So the model is first built as a probe under `MetaPastBudget`: torch calls run as usual
until their results add up to the budget (as large as the weights file, plus an allowance), and past it, calls that
would make memory from sizes return meta tensors (shapes and dtypes, no memory). The loader checks the probe's
weights against the file's datasets (metadata only), then builds the model for real (docs/saving.md, "Security").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._device import _device_constructors


def probe_then_build(build: Callable[[], Any], budget: int, check_fit: Callable[[Any], None]) -> Any:
    """The model `build()` makes, built first as a probe under `MetaPastBudget(budget)`. A model that fits the
    budget is built once, its probe being the model. Otherwise `check_fit(probe)` checks the probe's weights (some on
    the meta device) against the file, and the model is built again for real, with torch's RNG rewound so that it
    draws what a single build would.

    Args:
        build: makes the model from the config.
        budget: the bytes the probe may allocate for real: the weights file's size plus an allowance.
        check_fit: raises ValueError when the probe's weights do not fit the file; reads metadata only.

    Raises:
        ValueError: `check_fit`'s, or when the build fails on meta tensors (a layer that needs its values).
    """
    rng = torch.get_rng_state()
    probe = MetaPastBudget(budget)
    try:
        with probe:
            model = build()
    except Exception as e:
        if not probe.used_meta:
            raise
        raise ValueError(
            f"its config asks for more than the {budget} bytes its weights file accounts for, and some "
            f"layer cannot be built without that memory to check it against the file first "
            f"({type(e).__name__}: {e}). Load it with safe_mode=False only if you trust the file."
        ) from e
    if not probe.used_meta or not hasattr(model, "compile"):
        return model  # real throughout; or not a model at all, which the caller refuses
    check_fit(model)
    torch.set_rng_state(rng)
    return build()


class MetaPastBudget(TorchFunctionMode):
    """Runs torch calls as usual until their results add up to `budget` bytes. Past it, a call that makes memory
    from sizes (a factory such as `torch.empty(shape)`, `expand(...).clone()`: a result larger than its tensor
    inputs) returns a meta tensor of its result's shape instead, and so does every call that reads a meta tensor.
    Calls that only convert or transform data they are given stay real (that data already exists, and a layer may
    read its values, as lookup tables do), and so do one-element results (initializers draw seeds with `.item()`).
    `used_meta` says whether any call went to meta."""

    def __init__(self, budget: int):
        super().__init__()
        self.remaining = budget
        self.used_meta = False

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(func, "__name__", None) == "__get__":  # reading an attribute (shape, dtype, ...) makes no memory
            return func(*args, **kwargs)
        inputs = _tensors((args, kwargs))
        if any(t.is_meta for t in inputs):
            return _on_meta(func, args, kwargs)
        if func not in _CONVERSIONS:
            try:
                shape_only = _on_meta(func, args, kwargs)
            except Exception:  # no meta kernel, or the call reads values: its result is not made from sizes
                shape_only = None
            tensors = _tensors(shape_only)
            size = sum(t.nbytes for t in tensors)
            if size > self.remaining and size > sum(t.nbytes for t in inputs) and any(t.numel() > 1 for t in tensors):
                self.used_meta = True
                return shape_only
        result = func(*args, **kwargs)
        # Only fresh memory counts: not views of the inputs, nor in-place results.
        held = {t.untyped_storage().data_ptr() for t in inputs if t.layout == torch.strided}
        self.remaining -= sum(
            t.nbytes
            for t in _tensors(result)
            if t.layout == torch.strided and t.untyped_storage().data_ptr() not in held
        )
        return result


_CONVERSIONS = frozenset({torch.tensor, torch.as_tensor, torch.asarray, torch.from_numpy, torch.frombuffer})


def _tensors(value) -> list[torch.Tensor]:
    """The tensors in `value`, looking into lists, tuples and dicts (how torch calls take and return them)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


def _to_meta(value):
    if isinstance(value, torch.Tensor):
        return value.to("meta")
    if isinstance(value, (list, tuple)) and _tensors(value):
        return type(value)(_to_meta(item) for item in value) if type(value) in (list, tuple) else value
    return value


def _on_meta(func, args, kwargs):
    """`func` run on meta copies of its tensor arguments: its result's shapes and dtypes, without memory."""
    args = tuple(_to_meta(arg) for arg in args)
    # A CPU generator cannot drive a meta op.
    kwargs = {k: _to_meta(v) for k, v in kwargs.items() if k != "generator"}
    if "device" in kwargs or func in _FACTORIES:
        kwargs["device"] = "meta"
    return func(*args, **kwargs)


# The calls `with torch.device(...)` places on a device: those that make a tensor from sizes or data alone.
_FACTORIES = _device_constructors()
