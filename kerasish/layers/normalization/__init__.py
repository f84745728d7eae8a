"""Normalization layers."""

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
