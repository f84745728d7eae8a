"""Models, as `keras.models`."""

from __future__ import annotations

import json

from kerasish.models.functional import Functional
from kerasish.models.model import Model
from kerasish.models.sequential import Sequential


def model_from_json(json_string: str, custom_objects: dict | None = None):
    """Builds a model (untrained) from `model.to_json()` output, or a config written by Keras."""
    from kerasish.layers import deserialize

    try:
        config = json.loads(json_string)
    except ValueError as e:
        raise ValueError(f"model_from_json: the text is not valid JSON ({e}).") from e
    return deserialize(config, custom_objects=custom_objects)


__all__ = ["Functional", "Model", "Sequential", "model_from_json"]
