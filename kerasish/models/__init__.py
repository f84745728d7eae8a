"""Models, as `keras.models`."""

from __future__ import annotations

import json

from kerasish.layers import deserialize
from kerasish.models import experimental, linear_model, wide_deep_model  # noqa: F401  (tf.keras 2's premade models)
from kerasish.models.cloning import clone_model
from kerasish.models.functional import Functional
from kerasish.models.model import Model
from kerasish.models.sequential import Sequential
from kerasish.saving.object_registry import building_from_config
from kerasish.saving.saving_api import load_model, save_model


def model_from_config(config: dict, custom_objects: dict | None = None):
    """Builds a model (untrained) from `{"class_name", "config"}`, as `get_config`/Keras write it."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"model_from_config expects a dict with a `class_name`; received {_describe(config)}.")
    with building_from_config("Cannot build a model from this config"):
        return deserialize(config, custom_objects=custom_objects)


def _describe(config) -> str:
    if isinstance(config, dict):
        return f"a dict with keys {sorted(map(str, config))}"
    return f"a {type(config).__name__}"


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """Builds a model (untrained) from `model.to_json()` output, or a config written by Keras."""
    try:
        config = json.loads(json_string)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"model_from_json: the text is not valid JSON ({e}).") from e
    return model_from_config(config, custom_objects=custom_objects)


def model_from_yaml(yaml_string: str, custom_objects: dict | None = None):
    """Builds a model from `model.to_yaml()` output. The YAML is read with `yaml.safe_load` only: a document with
    Python tags (`!!python/object`, ...) is refused and nothing in it runs."""
    import yaml

    try:
        config = yaml.safe_load(yaml_string)
    except yaml.constructor.ConstructorError as e:
        raise ValueError(
            f"model_from_yaml refuses this YAML: it holds a tag that safe loading does not allow "
            f"({e.problem}). Model YAML is plain data; nothing was executed."
        ) from e
    except (yaml.YAMLError, RecursionError) as e:
        raise ValueError(f"model_from_yaml: the text is not valid YAML ({e}).") from e
    return model_from_config(config, custom_objects=custom_objects)


__all__ = [
    "Functional",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "save_model",
]
