"""Rescaling: `inputs * scale + offset`."""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config
from kerasish.layers.layer import Layer


class Rescaling(Layer):
    """Rescales inputs to `inputs * scale + offset` (e.g. pixels from [0, 255] to [0, 1] with `scale=1/255`).

    Args:
        scale: a float, or a sequence broadcast against the inputs.
        offset: a float, or a sequence broadcast against the inputs.

    Example:
        layer = Rescaling(scale=1 / 127.5, offset=-1)  # [0, 255] -> [-1, 1]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = config.standardize_dtype(self.compute_dtype)
        scale = torch.as_tensor(np.asarray(self.scale), dtype=dtype, device=inputs.device)
        outputs = inputs.to(dtype) * scale
        offset = np.asarray(self.offset)
        if not offset.any():  # the common `Rescaling(1 / 255)`: adding zeros would be a pass over the batch
            return outputs
        return outputs + torch.as_tensor(offset, dtype=dtype, device=inputs.device)

    def get_config(self) -> dict:
        def plain(value):
            return np.asarray(value).tolist() if isinstance(value, (np.ndarray, torch.Tensor, list, tuple)) else value

        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}
