"""`keras.legacy.saving`: Keras 2's `serialize_keras_object`/`deserialize_keras_object` (see kerasish.utils.legacy)."""

from __future__ import annotations

from kerasish.utils.legacy import deserialize_keras_object, serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]
