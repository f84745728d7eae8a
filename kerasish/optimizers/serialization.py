"""`serialize`/`deserialize` for optimizers, by the registry's "optimizers" namespace.

This module imports no optimizer: `kerasish.optimizers` registers its table (lower-cased names) in
`object_registry.builtin_objects("optimizers")`, read when a config is, so an optimizer that holds another
(LossScaleOptimizer) can import it without importing the package that imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kerasish.optimizers.schedules import learning_rate_schedule
from kerasish.saving import object_registry
from kerasish.utils import legacy as legacy_serialization

if TYPE_CHECKING:
    from kerasish.optimizers.optimizer import Optimizer


def serialize(optimizer: Optimizer, use_legacy_format: bool = False) -> dict:
    """Serializes an optimizer to Keras 3's `{"module", "class_name", "config", "registered_name"}` dict."""
    if use_legacy_format:  # tf.keras 2's switch: Keras 2's {"class_name", "config"} shape
        return legacy_serialization.serialize_keras_object(optimizer)
    return object_registry.serialize_keras_object(optimizer)


def deserialize(config: dict | str, custom_objects: dict | None = None, use_legacy_format: bool = False) -> Optimizer:
    """Builds an optimizer from a name or a dict written by `serialize` (Keras 2 or Keras 3 shape).

    Args:
        config: the serialized optimizer.
        custom_objects: user optimizers (and schedules) by name.
    """
    del use_legacy_format  # tf.keras 2's switch: Keras 2's and Keras 3's shapes are both read
    known = object_registry.builtin_objects("optimizers")
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if isinstance(config, dict) and str(config.get("class_name", "")).startswith("Custom>"):
        # tf.keras 2.11+ registers its (new) optimizers as "Custom>Adam".
        stripped = config["class_name"].split(">", 1)[1]
        if stripped.lower() in known:
            config = {**config, "class_name": stripped}
    # Keras looks built-in optimizers up case-insensitively: "adam", "Adam" and "ADAM" all work.
    if isinstance(config, dict) and str(config.get("class_name", "")).lower() in known:
        config = {**config, "class_name": config["class_name"].lower(), "registered_name": None}
    if isinstance(config, dict) and isinstance(config.get("config"), dict):
        learning_rate = config["config"].get("learning_rate")
        if isinstance(learning_rate, dict):
            # The schedule is built here so that `custom_objects` reaches it.
            learning_rate = learning_rate_schedule.deserialize(learning_rate, custom_objects=custom_objects)
            config = {**config, "config": {**config["config"], "learning_rate": learning_rate}}
    # In a scope, so that the optimizer a LossScaleOptimizer wraps finds `custom_objects` too.
    with object_registry.CustomObjectScope(custom_objects):
        return object_registry.deserialize_keras_object(
            config, module_objects=known, custom_objects=custom_objects, printable_module_name="optimizer"
        )
