"""Dtype policies: the dtype a layer keeps its variables in and the dtype it computes in.

`"mixed_float16"` and `"mixed_bfloat16"` keep variables in float32 and compute under `torch.autocast` in the
half type; losses and metrics stay in float32. On CUDA, float16 training scales the loss with
`torch.amp.GradScaler` (bfloat16 needs no scaling and also runs on CPU).
"""

from __future__ import annotations

import torch

from kerasish import config

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


class DTypePolicy:
    """A layer's dtype policy.

    Args:
        name: a dtype name ("float32", "bfloat16", ...) or "mixed_float16"/"mixed_bfloat16"; floatx by default.

    Example:
        kerasish.mixed_precision.set_global_policy("mixed_bfloat16")
        layer = kerasish.layers.Dense(8)      # variables float32, computes in bfloat16
        layer.compute_dtype, layer.variable_dtype  # ("bfloat16", "float32")
    """

    def __init__(self, name: str | None = None):
        name = config.floatx() if name is None else name
        if not isinstance(name, str):
            raise ValueError(f"A DTypePolicy name must be a string, such as 'mixed_float16'; received {name!r}.")
        if name in _MIXED:
            self._compute, self._variable = _MIXED[name], "float32"
        else:
            try:
                dtype = config.dtype_name(config.standardize_dtype(name))
            except (ValueError, TypeError, KeyError) as e:
                raise ValueError(
                    f"Unknown dtype policy {name!r}: expected a dtype name or one of {sorted(_MIXED)}."
                ) from e
            self._compute = self._variable = dtype
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute

    @property
    def variable_dtype(self) -> str:
        return self._variable

    @property
    def is_mixed(self) -> bool:
        return self._compute != self._variable

    def get_config(self) -> dict:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config_: dict) -> DTypePolicy:
        return cls(**config_)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # Keras 2's name

_GLOBAL_POLICY: DTypePolicy | None = None


def get(identifier) -> DTypePolicy:
    """A policy from None (the global policy), a name, a policy, a torch dtype or a Keras config dict."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):  # {"class_name": "DTypePolicy", "config": {"name": ...}}
        return DTypePolicy(identifier.get("config", {}).get("name"))
    if isinstance(identifier, torch.dtype):
        return DTypePolicy(config.dtype_name(identifier))
    return DTypePolicy(identifier)


def set_global_policy(policy) -> None:
    """Sets the policy of layers created afterwards without a `dtype`; None resets it to floatx."""
    global _GLOBAL_POLICY
    _GLOBAL_POLICY = None if policy is None else get(policy)


def global_policy() -> DTypePolicy:
    """The policy of layers created without a `dtype` (floatx unless `set_global_policy` was called)."""
    return _GLOBAL_POLICY if _GLOBAL_POLICY is not None else DTypePolicy(config.floatx())


set_dtype_policy = set_global_policy  # Keras 3's names
dtype_policy = global_policy
