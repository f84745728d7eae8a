"""Keras 2's backend module (`from keras import backend as K`), on torch; `kerasish.backend` re-exports it.

Settings (`K.floatx()`, `K.epsilon()`, `K.image_data_format()`, their setters, `K.clear_session()`), shape and
variable helpers (`K.int_shape`, `K.is_keras_tensor`, `K.variable`, `K.get_value`), and the tensor functions
(`K.mean`, `K.sum`, `K.dot`, `K.batch_dot`, ...) as thin wrappers of `kerasish.ops` with Keras 2's defaults.
One module per kind: `session` (settings and variables), `functions` (tensor functions), `losses` (focal and CTC),
`convolutions`, `resizing` (resizing and padding), `control_flow` (`foldl`, `foldr`, `rnn`), `symbolic`
(`placeholder`, `function`, `gradients`), `training_phase` (the learning phase) and `dtypes` (Keras 3's
`keras.backend` dtype helpers).
"""

from __future__ import annotations

from kerasish.legacy.backend import (
    control_flow,
    convolutions,
    dtypes,
    functions,
    losses,
    resizing,
    session,
    symbolic,
    training_phase,
)
from kerasish.legacy.backend.control_flow import *  # noqa: F401,F403
from kerasish.legacy.backend.convolutions import *  # noqa: F401,F403
from kerasish.legacy.backend.dtypes import *  # noqa: F401,F403
from kerasish.legacy.backend.functions import *  # noqa: F401,F403
from kerasish.legacy.backend.losses import *  # noqa: F401,F403
from kerasish.legacy.backend.resizing import *  # noqa: F401,F403
from kerasish.legacy.backend.session import *  # noqa: F401,F403
from kerasish.legacy.backend.symbolic import *  # noqa: F401,F403
from kerasish.legacy.backend.training_phase import *  # noqa: F401,F403

_MODULES = (control_flow, convolutions, dtypes, functions, losses, resizing, session, symbolic, training_phase)
__all__ = sorted(set().union(*(module.__all__ for module in _MODULES)))
