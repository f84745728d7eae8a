"""Normalization layers."""

from kerasish.layers import keras2_modules
from kerasish.layers.normalization.batch_normalization import BatchNormalization
from kerasish.layers.normalization.group_normalization import GroupNormalization
from kerasish.layers.normalization.layer_normalization import LayerNormalization
from kerasish.layers.normalization.rms_normalization import RMSNormalization
from kerasish.layers.normalization.spectral_normalization import SpectralNormalization
from kerasish.layers.normalization.unit_normalization import UnitNormalization

__all__ = [
    "BatchNormalization",
    "GroupNormalization",
    "LayerNormalization",
    "RMSNormalization",
    "SpectralNormalization",
    "UnitNormalization",
]

# Keras 2's `keras.layers.normalization` module held more names (`from keras.layers.normalization import ...`).
__getattr__ = keras2_modules.family_getattr("normalization")
