"""Layers, as `keras.layers`, and `serialize`/`deserialize` for any layer or model."""

from __future__ import annotations

from kerasish.layers import (
    activations,
    attention,
    convolutional,
    core,
    experimental,  # noqa: F401  (tf.keras 2's `layers.experimental` path)
    keras2_modules,
    merging,
    normalization,
    pooling,
    preprocessing,
    regularization,
    reshaping,
    rnn,
)

# Each family package lists its public names in `__all__`; they are all `keras.layers` names.
from kerasish.layers.activations import *  # noqa: F401,F403
from kerasish.layers.attention import *  # noqa: F401,F403
from kerasish.layers.convolutional import *  # noqa: F401,F403
from kerasish.layers.core import *  # noqa: F401,F403
from kerasish.layers.input_layer import Input, InputLayer
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.layers.merging import *  # noqa: F401,F403
from kerasish.layers.normalization import *  # noqa: F401,F403
from kerasish.layers.pooling import *  # noqa: F401,F403
from kerasish.layers.preprocessing import *  # noqa: F401,F403
from kerasish.layers.regularization import *  # noqa: F401,F403
from kerasish.layers.reshaping import *  # noqa: F401,F403
from kerasish.layers.rnn import *  # noqa: F401,F403
from kerasish.layers.serialization import deserialize, serialize  # noqa: F401  (in __all__)
from kerasish.saving import object_registry


def _register_layer_classes() -> None:
    """Every layer class exported here is a `keras.layers` name that configs may use. Models add themselves to the
    same namespace where they are defined (kerasish/models/), so reading a config needs no model class here."""
    register = object_registry.register_builtin("layers")
    for obj in list(globals().values()):
        if isinstance(obj, type) and issubclass(obj, Layer):
            register(obj)


_register_layer_classes()
keras2_modules.install(globals())


__all__ = sorted(
    {
        name
        for family in (
            activations,
            attention,
            convolutional,
            core,
            merging,
            normalization,
            pooling,
            preprocessing,
            regularization,
            reshaping,
            rnn,
        )
        for name in family.__all__
    }
    | {"Input", "InputLayer", "InputSpec", "Layer", "deserialize", "serialize"}
)
