"""RadialConstraint: tf.keras 2's constraint that makes a square conv kernel constant on each ring."""

from __future__ import annotations

import torch

from kerasish.constraints.constraints import Constraint


def _ring_sources(size: int, device: torch.device) -> torch.Tensor:
    """For each position of a `size` x `size` kernel, the diagonal index whose value tf.keras copies there."""
    start = size // 2
    positions = torch.arange(size, device=device)
    if size % 2:
        # Odd: rings around the centre; the centre takes w[start-1, start-1], ring r takes w[start+r-1, start+r-1].
        distance = (positions - start).abs()
        rings = torch.maximum(distance[:, None], distance[None, :])
        return start - 1 + rings
    # Even: a 2x2 centre block takes w[start-1, start-1]; ring r around it takes w[start+r, start+r].
    distance = torch.where(positions < start, start - 1 - positions, positions - start)
    rings = torch.maximum(distance[:, None], distance[None, :])
    return torch.where(rings == 0, start - 1, start + rings)


class RadialConstraint(Constraint):
    """Makes a `Conv2D` kernel `(rows, cols, in, out)` the same on every ring around its centre, as tf.keras 2.

    For each input/output channel, the square `rows x rows` kernel becomes rings of one value each, taken from its
    diagonal exactly where tf.keras's code takes them (its docstring shows the two values swapped): a 4x4 kernel
    becomes

        [[v33, v33, v33, v33],
         [v33, v11, v11, v33],
         [v33, v11, v11, v33],
         [v33, v33, v33, v33]]

    and an odd one (`start = rows // 2`) takes its centre from `v[start-1, start-1]` and ring `r` from
    `v[start+r-1, start+r-1]`, so that, as in tf.keras, applying it twice to an odd kernel swaps values again.

    Example:
        layer = keras.layers.Conv2D(8, 4, kernel_constraint=keras.constraints.RadialConstraint())
    """

    def __call__(self, w: torch.Tensor) -> torch.Tensor:
        if w.dim() != 4:
            raise ValueError(f"The weight tensor must have rank 4. Received weight tensor with shape: {tuple(w.shape)}")
        rows, cols = w.shape[0], w.shape[1]
        if rows != cols or rows < 2:
            raise ValueError(
                "RadialConstraint needs a square kernel of at least 2x2 (rows, cols, in, out); received shape "
                f"{tuple(w.shape)}."
            )
        sources = _ring_sources(rows, w.device)
        return w[sources, sources]


radial_constraint = RadialConstraint
