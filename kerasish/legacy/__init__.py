"""Keras 2's APIs that Keras 3 keeps only for compatibility: the `K` backend module (`legacy/backend`).

A facade on the top floor: it may import any package below it, and none of them imports it.
"""

from kerasish.legacy import saving  # noqa: F401  (keras.legacy.saving)
