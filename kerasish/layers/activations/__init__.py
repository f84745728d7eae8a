"""Activation layers."""

from kerasish.layers.activations.activation import Activation
from kerasish.layers.activations.elu import ELU
from kerasish.layers.activations.leaky_relu import LeakyReLU
from kerasish.layers.activations.prelu import PReLU
from kerasish.layers.activations.relu import ReLU
from kerasish.layers.activations.softmax import Softmax
from kerasish.layers.activations.thresholded_relu import ThresholdedReLU

__all__ = ["Activation", "ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU"]
