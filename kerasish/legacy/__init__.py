"""Keras 2's APIs that Keras 3 keeps only for compatibility: the `K` backend module (`legacy/backend`), Keras 2's
serialization (`legacy.saving`) and tf.keras 2's `utils.warmstart_embedding_matrix` (`legacy/warmstart_embedding`).

A facade on the top floor: it may import any package below it, and none of them imports it.
"""

from kerasish.legacy import saving  # noqa: F401  (keras.legacy.saving)
