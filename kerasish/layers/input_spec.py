"""InputSpec: what rank and axis sizes a layer accepts, checked when it is built or called symbolically."""

from __future__ import annotations


class InputSpec:
    """Describes the rank and fixed axis sizes a layer expects.

    Args:
        ndim: exact rank, or None.
        min_ndim: minimum rank, or None.
        max_ndim: maximum rank, or None.
        axes: `{axis: size}` for axes whose size is fixed (negative axes count from the end).
        shape: full expected shape with None for free axes.
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
        }


def assert_input_compatibility(input_spec, shapes, layer_name: str) -> None:
    """Raises a ValueError naming the layer if `shapes` (one shape or a list) do not fit `input_spec`."""
    if input_spec is None:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    if not specs or not isinstance(specs[0], InputSpec):
        return
    if len(specs) == 1 and not (isinstance(shapes, list) and shapes and isinstance(shapes[0], (tuple, list))):
        shapes = [shapes]
    if len(shapes) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(shapes)} inputs.')
    for index, (spec, shape) in enumerate(zip(specs, shapes)):
        if spec is None:
            continue
        shape = tuple(shape)
        rank = len(shape)
        prefix = f'Input {index} of layer "{layer_name}" is incompatible with the layer'
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(f"{prefix}: expected ndim={spec.ndim}, found ndim={rank}. Full shape received: {shape}")
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{prefix}: expected max_ndim={spec.max_ndim}, found ndim={rank}. Full shape received: {shape}"
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{prefix}: expected min_ndim={spec.min_ndim}, found ndim={rank}. Full shape received: {shape}"
            )
        for axis, size in spec.axes.items():
            if size is None or not -rank <= axis < rank:
                continue
            if shape[axis] is not None and shape[axis] != size:
                raise ValueError(
                    f"{prefix}: expected axis {axis} of input shape to have value {size}, "
                    f"but received input with shape {shape}"
                )
        if spec.shape is not None:
            for expected, given in zip(spec.shape, shape):
                if expected is not None and given is not None and expected != given:
                    raise ValueError(f"{prefix}: expected shape={spec.shape}, found shape={shape}")
