"""tf.keras 2's `keras.layers.convolutional_recurrent` module path: the convolutional LSTM layers."""

from kerasish.layers.rnn.conv_lstm1d import ConvLSTM1D
from kerasish.layers.rnn.conv_lstm2d import ConvLSTM2D
from kerasish.layers.rnn.conv_lstm3d import ConvLSTM3D

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
