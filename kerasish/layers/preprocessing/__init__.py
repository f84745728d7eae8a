"""Preprocessing layers for structured data, and the feature-column layers."""

from __future__ import annotations

from kerasish.layers.preprocessing.category_encoding import CategoryEncoding
from kerasish.layers.preprocessing.dense_features import DenseFeatures, SequenceFeatures
from kerasish.layers.preprocessing.discretization import Discretization
from kerasish.layers.preprocessing.hashed_crossing import HashedCrossing
from kerasish.layers.preprocessing.hashing import Hashing
from kerasish.layers.preprocessing.image import *  # noqa: F401,F403
from kerasish.layers.preprocessing.image import __all__ as _image_all
from kerasish.layers.preprocessing.integer_lookup import IntegerLookup
from kerasish.layers.preprocessing.mel_spectrogram import MelSpectrogram
from kerasish.layers.preprocessing.normalization import Normalization
from kerasish.layers.preprocessing.rescaling import Rescaling
from kerasish.layers.preprocessing.stft_spectrogram import STFTSpectrogram
from kerasish.layers.preprocessing.string_lookup import StringLookup
from kerasish.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding",
    "DenseFeatures",
    "Discretization",
    "HashedCrossing",
    "Hashing",
    "IntegerLookup",
    "MelSpectrogram",
    "Normalization",
    "Rescaling",
    "STFTSpectrogram",
    "SequenceFeatures",
    "StringLookup",
    "TextVectorization",
]
__all__ += _image_all
