"""Discretization: float values to bucket indices, with boundaries given or learnt as quantiles by `adapt`."""

from __future__ import annotations

import numpy as np
import torch

from kerasish import config
from kerasish.layers.layer import Layer
from kerasish.layers.preprocessing.category_encoding import check_not_sparse, check_output_mode, encode_categorical


class Discretization(Layer):
    """Buckets floats by boundaries: `bin_boundaries=[0., 1., 2.]` gives `(-inf, 0), [0, 1), [1, 2), [2, inf)`.

    `adapt` learns `num_bins - 1` approximate quantile boundaries with Keras's summary algorithm (error about
    `epsilon`), giving Keras's boundaries for the same data and batches.

    Args:
        bin_boundaries: sorted boundaries (instead of `num_bins` and `adapt`).
        num_bins: how many bins `adapt` should make.
        epsilon: the quantile error tolerance of `adapt`.
        output_mode: "int", "one_hot", "multi_hot" or "count".
        sparse: must be False.

    Example:
        layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
        layer(np.array([[-1.5, 1.0, 3.4, 0.5]]))  # [[0, 2, 3, 1]]
    """

    def __init__(
        self,
        bin_boundaries=None,
        num_bins=None,
        epsilon: float = 0.01,
        output_mode: str = "int",
        sparse: bool = False,
        dtype=None,
        name=None,
        **kwargs,
    ):
        super().__init__(dtype=dtype, name=name, **kwargs)
        self.output_mode = check_output_mode("Discretization", output_mode)
        check_not_sparse("Discretization", sparse)
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: num_bins must be >= 0, got {num_bins}.")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                f"Discretization: set num_bins or bin_boundaries, not both; got num_bins={num_bins} "
                f"and bin_boundaries={bin_boundaries}."
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: set num_bins (and call adapt) or bin_boundaries.")
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        self.num_bins, self.epsilon, self.sparse = num_bins, epsilon, bool(sparse)
        self._summary = np.zeros((2, 0), np.float32)

    def adapt(self, data, steps: int | None = None) -> None:
        """Learns `num_bins - 1` quantile boundaries of `data` (an array, or an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError("Discretization: cannot adapt a layer made with bin_boundaries; use num_bins.")
        batches = [data] if isinstance(data, (np.ndarray, torch.Tensor)) else data
        self._summary = np.zeros((2, 0), np.float32)
        for step, batch in enumerate(batches):
            if steps is not None and step >= steps:
                break
            array = np.asarray(batch.cpu() if isinstance(batch, torch.Tensor) else batch).astype("float32")
            merged = np.concatenate([_summarize(array, self.epsilon), self._summary], axis=1)
            self._summary = _compress(merged[:, np.argsort(merged[0])], self.epsilon)
        self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization: pass bin_boundaries or call adapt() before using the layer.")
        dtype = config.standardize_dtype(self.compute_dtype)
        values = inputs if inputs.is_floating_point() else inputs.to(dtype)
        edges = torch.tensor(self.bin_boundaries, dtype=values.dtype, device=values.device)
        ids = torch.bucketize(values, edges, right=True)  # numpy's digitize: edges[i-1] <= x < edges[i]
        if self.output_mode == "int":
            return ids.to(torch.int32)
        return encode_categorical(ids, self.output_mode, len(self.bin_boundaries) + 1, dtype)

    def get_config(self) -> dict:
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self._dtype_policy.name,
        }

    @classmethod
    def from_config(cls, config_: dict):
        config_ = dict(config_)
        learnt = config_.pop("bin_boundaries") if config_.get("num_bins") is not None else None
        layer = super().from_config(config_)
        if learnt is not None:
            layer.bin_boundaries = learnt
        return layer


def _summarize(values: np.ndarray, epsilon: float) -> np.ndarray:
    """Every `1/epsilon`-th sorted value with the number of values it stands for (Keras's quantile summary)."""
    values = np.sort(values.reshape(-1))
    step = max(values.size * epsilon, 1)
    points = values[int(step - 1) :: int(step)]
    return np.stack([points, np.full_like(points, step)])


def _compress(summary: np.ndarray, epsilon: float) -> np.ndarray:
    """Re-samples a summary at cumulative-weight fractions epsilon, 2 epsilon, ..., 1 by interpolation."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    share = cumulative / cumulative[-1]
    points = np.interp(fractions, share, summary[0])
    cumulative = np.interp(fractions, share, cumulative)
    return np.stack([points, np.diff(cumulative, prepend=0.0)]).astype("float32")
