"""Merge: the base of layers that combine a list of tensors into one."""

from __future__ import annotations

from kerasish.layers.layer import Layer


class Merge(Layer):
    """Base class of Add, Concatenate and friends: called on a list of at least two tensors."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f'A merge layer ("{self.name}") should be called on a list of inputs. '
                             f"Received: input_shape={input_shape} (not a list of shapes)")
        if len(input_shape) < 1:
            raise ValueError(f'A merge layer ("{self.name}") should be called on a list of at least 1 input. '
                             f"Got {len(input_shape)} inputs.")
        self._check_shapes([tuple(s) for s in input_shape])

    def _check_shapes(self, shapes: list[tuple]) -> None:
        """Element-wise merges need shapes that broadcast (batch axis aside)."""
        rank = max(len(s) for s in shapes)
        for axis in range(1, rank):
            sizes = {s[axis - rank + len(s)] for s in shapes if axis - rank + len(s) >= 1} - {None, 1}
            if len(sizes) > 1:
                raise ValueError(f'Layer "{self.name}": inputs have incompatible shapes. Received shapes '
                                 f"{', '.join(str(s[1:]) for s in shapes)}")
