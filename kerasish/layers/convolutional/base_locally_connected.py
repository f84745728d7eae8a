"""BaseLocallyConnected: tf.keras 2's locally-connected layers (a convolution whose weights are not shared).

The three `implementation`s of tf.keras 2 keep their own kernel layouts, so tf.keras files load as they are:
  1. `kernel (prod(output_spatial), prod(kernel_size) * channels, filters)`: one matrix per output position,
     applied to the patch under it (patch features ordered `(*kernel_size, channels)` channels-last,
     `(channels, *kernel_size)` channels-first). "valid" padding only.
  2. `kernel (*input_spatial, channels, *output_spatial, filters)` (channels-first: `(channels, *input_spatial,
     filters, *output_spatial)`): a dense input-to-output matrix, multiplied by a fixed 0/1 connectivity mask.
  3. `kernel (nnz,)`: the values of that matrix's connected entries only, sorted by (output, input) flat index.
The bias is `(*output_spatial, filters)` for all of them. "same" padding (implementations 2 and 3) centres the
window on `output_position * stride`, clipped at the edges, as tf.keras's masks do.
"""

from __future__ import annotations

import math

import torch

from kerasish import activations, constraints, initializers, regularizers
from kerasish.layers.convolutional.conv_utils import (
    conv_output_length,
    standardize_data_format,
    standardize_padding,
    standardize_tuple,
)
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer


class BaseLocallyConnected(Layer):
    """Base of LocallyConnected1D/2D (tf.keras 2): like a convolution, but each output position has its own
    weights.

    Args:
        rank: the number of spatial axes (1 or 2).
        filters: the number of output channels.
        kernel_size, strides: an int or `rank` ints.
        padding: `"valid"`, or `"same"` with implementation 2 or 3.
        data_format: `"channels_last"` or `"channels_first"`; defaults to `keras.config.image_data_format()`.
        activation: the activation (None: linear).
        use_bias: whether to add a bias per output position and filter.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as in `Conv2D`.
        implementation: 1 (a matrix per output position; small inputs, many filters), 2 (a masked dense
            matrix; often fastest) or 3 (only the connected weights; large, sparse cases).
    """

    def __init__(
        self,
        rank: int,
        filters: int,
        kernel_size,
        strides=1,
        padding: str = "valid",
        data_format: str | None = None,
        activation=None,
        use_bias: bool = True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        implementation: int = 1,
        **kwargs,
    ):
        name = self.__class__.__name__
        if not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{name}: `filters` must be a positive integer. Received: filters={filters}")
        kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        strides = standardize_tuple(strides, rank, "strides")
        padding = standardize_padding(padding)
        if implementation not in (1, 2, 3):
            raise ValueError(f"{name}: unrecognized implementation mode: {implementation} (expected 1, 2 or 3).")
        if padding != "valid" and implementation == 1:
            raise ValueError(
                f'Invalid border mode for {name} (only "valid" is supported if implementation is 1): {padding}'
            )
        data_format = standardize_data_format(data_format)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.padding = padding
        self.data_format = data_format
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.implementation = implementation
        self.input_spec = InputSpec(ndim=rank + 2)

    def build(self, input_shape):
        channels_last = self.data_format == "channels_last"
        spatial = tuple(input_shape[1:-1] if channels_last else input_shape[2:])
        channels = input_shape[-1] if channels_last else input_shape[1]
        if None in spatial or channels is None:
            raise ValueError(
                f"The spatial dimensions and the channels of the inputs to a {self.__class__.__name__} layer should "
                f"be fully-defined, but layer received the inputs shape {tuple(input_shape)}"
            )
        self.output_spatial = self._output_spatial(spatial)
        if any(n <= 0 for n in self.output_spatial):
            raise ValueError(
                f"One of the dimensions in the output is <= 0 due to downsampling in {self.name}. Consider "
                f"increasing the input size. Received input shape {tuple(input_shape)} which would produce output "
                f"shape with a zero or negative value in a dimension."
            )
        self.input_spatial = spatial
        self.input_channels = channels
        if self.implementation == 1:
            shape = (math.prod(self.output_spatial), math.prod(self.kernel_size) * channels, self.filters)
        elif self.implementation == 2:
            if channels_last:
                shape = spatial + (channels,) + self.output_spatial + (self.filters,)
            else:
                shape = (channels,) + spatial + (self.filters,) + self.output_spatial
        else:
            connected = self._connectivity().nonzero()
            shape = (connected.shape[0],)
        self.kernel = self.add_weight(
            shape=shape,
            initializer=self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=self.output_spatial + (self.filters,),
                initializer=self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        # The fixed connectivity: not weights (not in weight files), but moved with the layer.
        device = self.kernel.device
        if self.implementation == 2:
            self.register_buffer("kernel_mask", self._kernel_mask().to(device), persistent=False)
        elif self.implementation == 3:
            self.register_buffer("kernel_idxs", connected.T.contiguous().to(device), persistent=False)
        channel_axis = -1 if channels_last else 1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels})

    def _output_spatial(self, spatial) -> tuple:
        return tuple(
            conv_output_length(n, k, self.padding, s) for n, k, s in zip(spatial, self.kernel_size, self.strides)
        )

    def _axis_connectivity(self, axis: int) -> torch.Tensor:
        """`(input_length, output_length)` booleans: which inputs of a spatial axis each output position sees."""
        n, k, s = self.input_spatial[axis], self.kernel_size[axis], self.strides[axis]
        centers = torch.arange(self.output_spatial[axis]) * s + (k // 2 if self.padding == "valid" else 0)
        starts = (centers - k // 2).clamp(min=0)
        ends = (centers + k - k // 2).clamp(max=n)
        positions = torch.arange(n)[:, None]
        return (positions >= starts) & (positions < ends)

    def _spatial_connectivity(self) -> torch.Tensor:
        """`(*input_spatial, *output_spatial)` booleans: the outer product of the axes' connectivities."""
        conn = [self._axis_connectivity(axis) for axis in range(self.rank)]
        if self.rank == 1:
            return conn[0]
        return conn[0][:, None, :, None] & conn[1][None, :, None, :]

    def _kernel_mask(self) -> torch.Tensor:
        spatial = self._spatial_connectivity().float()
        if self.data_format == "channels_last":  # (*in, 1, *out, 1)
            return spatial.reshape(self.input_spatial + (1,) + self.output_spatial + (1,))
        return spatial.reshape((1,) + self.input_spatial + (1,) + self.output_spatial)

    def _connectivity(self) -> torch.Tensor:
        """`(output_size, input_size)` booleans over flat indices in the data format's order (implementation 3)."""
        r = self.rank
        spatial = self._spatial_connectivity()  # (*in, *out)
        spatial = spatial.permute(tuple(range(r, 2 * r)) + tuple(range(r)))  # (*out, *in)
        ones = torch.ones(self.filters, self.input_channels, dtype=torch.bool)
        if self.data_format == "channels_last":  # out (*out, f_out), in (*in, f_in)
            full = spatial.reshape(self.output_spatial + (1,) + self.input_spatial + (1,)) & ones.reshape(
                (1,) * r + (self.filters,) + (1,) * r + (self.input_channels,)
            )
        else:  # out (f_out, *out), in (f_in, *in)
            full = spatial.reshape((1,) + self.output_spatial + (1,) + self.input_spatial) & ones.reshape(
                (self.filters,) + (1,) * r + (self.input_channels,) + (1,) * r
            )
        return full.reshape(self.filters * math.prod(self.output_spatial), -1)

    def call(self, inputs):
        batch = inputs.shape[0]
        channels_last = self.data_format == "channels_last"
        kernel = self.kernel.to(inputs.dtype)
        if self.implementation == 1:
            outputs = self._local_conv(inputs, kernel)
        elif self.implementation == 2:
            in_size = math.prod(self.input_spatial) * self.input_channels
            matrix = (kernel * self.kernel_mask.to(kernel.dtype)).reshape(in_size, -1)
            outputs = inputs.reshape(batch, -1) @ matrix
        else:
            out_index, in_index = self.kernel_idxs
            contributions = inputs.reshape(batch, -1)[:, in_index] * kernel
            outputs = contributions.new_zeros(batch, self.filters * math.prod(self.output_spatial))
            outputs = outputs.index_add(1, out_index, contributions)
        out_shape = self.output_spatial + (self.filters,) if channels_last else (self.filters,) + self.output_spatial
        outputs = outputs.reshape((batch,) + out_shape)
        if self.bias is not None:
            # tf.keras reshapes (not transposes) the `(*output_spatial, filters)` bias for channels-first outputs.
            outputs = outputs + self.bias.to(outputs.dtype).reshape(out_shape)
        return self.activation(outputs) if self.activation is not None else outputs

    def _local_conv(self, inputs: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
        """Implementation 1: the patches under each output position, times that position's matrix."""
        r = self.rank
        x = torch.movedim(inputs, -1, 1) if self.data_format == "channels_last" else inputs
        for axis in range(r):
            x = x.unfold(2 + axis, self.kernel_size[axis], self.strides[axis])
        # x: (batch, channels, *output_spatial, *kernel_size)
        outputs_axes = tuple(range(2, 2 + r))
        window_axes = tuple(range(2 + r, 2 + 2 * r))
        if self.data_format == "channels_last":
            patches = x.permute((0,) + outputs_axes + window_axes + (1,))
        else:
            patches = x.permute((0,) + outputs_axes + (1,) + window_axes)
        patches = patches.reshape(x.shape[0], kernel.shape[0], kernel.shape[1])
        outputs = torch.einsum("bpk,pkf->bpf", patches, kernel)
        if self.data_format == "channels_first":
            outputs = outputs.transpose(1, 2)
        return outputs

    def compute_output_shape(self, input_shape):
        channels_last = self.data_format == "channels_last"
        spatial = self._output_spatial(input_shape[1:-1] if channels_last else input_shape[2:])
        if channels_last:
            return (input_shape[0],) + spatial + (self.filters,)
        return (input_shape[0], self.filters) + spatial

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "implementation": self.implementation,
        }
