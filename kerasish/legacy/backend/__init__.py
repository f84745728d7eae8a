"""Keras 2's backend module (`from keras import backend as K`), on torch; `kerasish.backend` re-exports it.

Settings (`K.floatx()`, `K.epsilon()`, `K.image_data_format()`, their setters, `K.clear_session()`), shape and
variable helpers (`K.int_shape`, `K.is_keras_tensor`, `K.variable`, `K.get_value`), and the tensor functions
(`K.mean`, `K.sum`, `K.dot`, `K.batch_dot`, ...) as thin wrappers of `kerasish.ops` with Keras 2's defaults.
"""

from __future__ import annotations

from kerasish.legacy.backend import functions, session
from kerasish.legacy.backend.functions import *  # noqa: F401,F403
from kerasish.legacy.backend.session import *  # noqa: F401,F403

__all__ = sorted(set(functions.__all__) | set(session.__all__))
