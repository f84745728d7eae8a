"""Merging layers and their functional forms."""

from kerasish.layers.merging.add import Add, add
from kerasish.layers.merging.average import Average, average
from kerasish.layers.merging.concatenate import Concatenate, concatenate
from kerasish.layers.merging.dot import Dot, dot
from kerasish.layers.merging.maximum import Maximum, maximum
from kerasish.layers.merging.minimum import Minimum, minimum
from kerasish.layers.merging.multiply import Multiply, multiply
from kerasish.layers.merging.subtract import Subtract, subtract

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]
