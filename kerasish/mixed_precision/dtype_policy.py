"""Dtype policies: the dtype a layer keeps its variables in and the dtype it computes in.

`"mixed_float16"` and `"mixed_bfloat16"` keep variables in float32 and compute under `torch.autocast` in the
half type; losses and metrics stay in float32. On CUDA, float16 training scales the loss with
`torch.amp.GradScaler` (bfloat16 needs no scaling and also runs on CPU).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping

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
    def from_config(cls, config: dict) -> DTypePolicy:  # noqa: F811  (Keras's argument name)
        return cls(**config)

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


Policy = DTypePolicy  # Keras 2's name


class FloatDTypePolicy(DTypePolicy):
    """Keras 3's name for a float (non-quantized) policy; the same as `DTypePolicy`."""


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Policies by layer path: a layer created with `dtype=policy_map` takes `policy_map[layer.name]`.

    A key matches a path exactly, else as a regular expression (`re.fullmatch`; "encoder/.*"); a path matched by
    several patterns is an error. Paths matching no key get `default_policy` (the global policy when None).
    """

    def __init__(self, default_policy=None, policy_map: dict | None = None):
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError(f"If specified, `policy_map` must be a dict. Received: policy_map={policy_map!r}")
        self._default_policy_arg = default_policy
        self._policy_map = {key: get(policy) for key, policy in (policy_map or {}).items()}

    @property
    def default_policy(self) -> DTypePolicy:
        return get(self._default_policy_arg)

    @property
    def name(self) -> str:
        return f"map_{self.default_policy.name}"

    @property
    def compute_dtype(self) -> str:
        return self.default_policy.compute_dtype

    @property
    def variable_dtype(self) -> str:
        return self.default_policy.variable_dtype

    @property
    def is_mixed(self) -> bool:
        return self.default_policy.is_mixed

    def __getitem__(self, key: str) -> DTypePolicy:
        if key in self._policy_map:
            return self._policy_map[key]
        matches = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification keys: {matches}. Please make sure each "
                "path only matches at most one dtype policy specification key in the DTypePolicyMap."
            )
        return self._policy_map[matches[0]] if matches else self.default_policy

    def __setitem__(self, key: str, policy) -> None:
        if key in self._policy_map:
            raise ValueError(
                f"{key} already exist in the DTypePolicyMap with value {self._policy_map[key]}. Please make sure "
                "to not use duplicated keys."
            )
        try:
            policy = get(policy)
        except (ValueError, TypeError) as e:
            raise ValueError(f"Cannot interpret the assigned value as a dtype policy. Received: {policy!r}") from e
        self._policy_map[key] = policy

    def __delitem__(self, key: str) -> None:
        self._policy_map.pop(key)

    def __contains__(self, key) -> bool:
        return key in self._policy_map

    def __len__(self) -> int:
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other) -> bool:
        return self is other

    __hash__ = object.__hash__

    def get_config(self) -> dict:
        return {
            "default_policy": self._default_policy_arg,
            "policy_map": {key: serialize(policy) for key, policy in self._policy_map.items()},
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> DTypePolicyMap:  # noqa: F811
        policy_map = {key: get(value) for key, value in (config.get("policy_map") or {}).items()}
        return cls(config.get("default_policy"), policy_map)

    def __repr__(self) -> str:
        mapping = [(key, policy.name) for key, policy in self._policy_map.items()]
        return f"<DTypePolicyMap default_policy={self.default_policy.name}, mapping={mapping}>"


_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy, "DTypePolicyMap": DTypePolicyMap}


def serialize(dtype_policy: DTypePolicy) -> dict:
    """A policy as Keras 3 serializes it: `{"module", "class_name", "config", "registered_name"}`."""
    module = "keras.dtype_policies" if isinstance(dtype_policy, DTypePolicyMap) else "keras"
    return {
        "module": module,
        "class_name": type(dtype_policy).__name__,
        "config": dtype_policy.get_config(),
        "registered_name": None,
    }


def deserialize(config: dict, custom_objects=None) -> DTypePolicy:  # noqa: F811  (Keras's argument name)
    """A policy from `serialize`'s dict (or Keras 2's `{"class_name", "config"}`)."""
    config_ = config
    class_name = config_.get("class_name") if isinstance(config_, dict) else None
    if class_name not in _CLASSES:
        raise ValueError(
            f"Cannot deserialize a dtype policy from {config_!r}: expected class_name in {list(_CLASSES)}."
        )
    return _CLASSES[class_name].from_config(config_.get("config") or {})


_GLOBAL_POLICY: DTypePolicy | None = None


def get(identifier) -> DTypePolicy:
    """A policy from None (the global policy), a name, a policy, a torch dtype or a Keras config dict."""
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):  # {"class_name": "DTypePolicy", "config": {"name": ...}}
        return deserialize(identifier)
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
