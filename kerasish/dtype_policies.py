"""`keras.dtype_policies`: the float dtype policies (Keras's quantized policies have no kerasish counterpart)."""

from __future__ import annotations

from kerasish.mixed_precision.dtype_policy import (
    DTypePolicy,
    DTypePolicyMap,
    FloatDTypePolicy,
    deserialize,
    get,
    serialize,
)

__all__ = ["DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "deserialize", "get", "serialize"]
