"""Keras's small datasets, as `keras.datasets`: downloaded into (and shared with) Keras's cache, `~/.keras/datasets`."""

from __future__ import annotations

from kerasish.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
