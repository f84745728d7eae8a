"""Saving: the object registry and Keras's file formats."""

from __future__ import annotations

from kerasish.saving.file_editor import KerasFileEditor
from kerasish.saving.object_registry import (
    CustomObjectScope,
    SafeModeScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)
from kerasish.saving.saving_api import load_model, load_weights, save_model, save_weights
from kerasish.saving.serialization_lib import deserialize_keras_object

__all__ = [
    "KerasFileEditor",
    "CustomObjectScope",
    "SafeModeScope",
    "load_model",
    "load_weights",
    "save_model",
    "save_weights",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
]
