"""tf.keras 2's `keras.layers.experimental.preprocessing`: the preprocessing layers under their old path.

Every name here is the `keras.layers` class itself, plus `PreprocessingLayer`, tf.keras 2's base of the adaptable
layers.
"""

from __future__ import annotations

from kerasish.layers.experimental.preprocessing_layer import PreprocessingLayer
from kerasish.layers.preprocessing import (
    CategoryEncoding,
    CenterCrop,
    Discretization,
    HashedCrossing,
    Hashing,
    IntegerLookup,
    Normalization,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomHeight,
    RandomRotation,
    RandomTranslation,
    RandomWidth,
    RandomZoom,
    Rescaling,
    Resizing,
    StringLookup,
    TextVectorization,
)

# tf.keras 2.x's list of names under this path.
__all__ = [
    "CategoryEncoding",
    "CenterCrop",
    "Discretization",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "Normalization",
    "PreprocessingLayer",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomHeight",
    "RandomRotation",
    "RandomTranslation",
    "RandomWidth",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "StringLookup",
    "TextVectorization",
]
