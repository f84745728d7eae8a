"""tf.keras 2's `keras.layers.experimental`: layers that tf.keras kept under this path (EinsumDense, which Keras 3
moved to `keras.layers`; RandomFourierFeatures; SyncBatchNormalization).

tf.keras's `DynamicEmbedding` and `DynamicLookup` are absent (see docs/migrating.md).
"""

from kerasish.layers.core.einsum_dense import EinsumDense
from kerasish.layers.experimental import preprocessing
from kerasish.layers.experimental.random_fourier_features import RandomFourierFeatures
from kerasish.layers.experimental.sync_batch_normalization import SyncBatchNormalization

__all__ = ["EinsumDense", "RandomFourierFeatures", "SyncBatchNormalization", "preprocessing"]
