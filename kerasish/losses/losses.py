"""Built-in losses: each a function returning per-sample losses and a `Loss` class wrapping it.

This file holds the regression, probabilistic and hinge losses (the functions `keras.metrics` reuses);
segmentation, sequence and similarity losses live in their own files beside it.

Numerics follow Keras 3: probabilities are clipped to `[epsilon, 1 - epsilon]` (epsilon = 1e-7) before the
log, categorical probabilities are renormalised to sum to one along the class axis, and logits go through
log-softmax / log-sigmoid. Where torch has a fused kernel with the same math (`binary_cross_entropy_with_logits`,
`cross_entropy`, `nll_loss`, `huber_loss`) it is used; the focal losses keep Keras's sigmoid-then-clip path,
since a fused kernel would give different numbers for confident logits."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from kerasish import config
from kerasish.losses.loss import Loss, as_float_tensors, as_tensor, squeeze_or_expand_to_same_rank
from kerasish.saving.object_registry import builtin_objects, deserialize_keras_object, serialize_keras_object


class LossFunctionWrapper(Loss):
    """Turns a function `fn(y_true, y_pred, **kwargs)` returning per-sample losses into a `Loss`.

    Args:
        fn: the loss function.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.
        **kwargs: keyword arguments passed to `fn` on every call.

    Example:
        loss = LossFunctionWrapper(binary_crossentropy, from_logits=True)
    """

    def __init__(
        self,
        fn: Callable,
        reduction: str | None = "sum_over_batch_size",
        name: str | None = None,
        dtype: Any = None,
        **kwargs,
    ):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def __getattr__(self, name: str):
        # The function's arguments read as attributes (`loss.from_logits`), as Keras's loss classes expose them.
        kwargs = self.__dict__.get("_fn_kwargs")
        if kwargs is not None and name in kwargs:
            return kwargs[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self) -> dict:
        """The Loss config plus the function's arguments; a bare wrapper also names its function, while a subclass
        (BinaryCrossentropy, ...) is rebuilt from its class."""
        config = super().get_config()
        if type(self) is LossFunctionWrapper:
            config["fn"] = serialize_keras_object(self.fn)
        config.update(serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config: dict) -> LossFunctionWrapper:
        config = dict(config)
        if cls is not LossFunctionWrapper:
            # tf.keras 2 writes `fn` for the built-in losses too ({"name": "huber_loss", "delta": 1.0, "fn": "huber"});
            # the class fixes its function.
            config.pop("fn", None)
        if "fn" in config:  # `kerasish.losses` registers its table (aliases included) after this module is defined
            config["fn"] = deserialize_keras_object(
                config["fn"], module_objects=builtin_objects("losses"), printable_module_name="loss function"
            )
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class MeanSquaredError(LossFunctionWrapper):
    """Mean of squared errors over the last axis: `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        MeanSquaredError()(torch.tensor([1.0, 0.0, 1.0]), torch.tensor([0.9, 0.1, 0.8]))  # 0.02
    """

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_squared_error", dtype: Any = None
    ):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    """Mean of absolute errors over the last axis: `mean(abs(y_true - y_pred), axis=-1)`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        MeanAbsoluteError()(torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5]))  # 0.5
    """

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "mean_absolute_error", dtype: Any = None
    ):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between binary labels (0 or 1) and predicted probabilities or logits.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels are squeezed towards 0.5 as `y * (1 - s) + 0.5 * s`.
        axis: the axis the per-element losses are averaged over.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        bce = BinaryCrossentropy(from_logits=True)
        bce(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[-18.6, 0.51], [2.94, -12.8]]))  # 0.865
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            binary_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot labels and predicted class probabilities or logits.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        cce = CategoricalCrossentropy()
        cce(torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), torch.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
        # 1.177
    """

    def __init__(
        self,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer class labels and predicted class probabilities or logits.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        ignore_class: a label whose entries contribute no loss and are left out of the mean (e.g. a
            padding or "void" class such as -1 or 255); None uses every entry.
        reduction: see `Loss`.
        axis: the class axis.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        scce = SparseCategoricalCrossentropy()
        scce(torch.tensor([1, 2]), torch.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))  # 1.177
    """

    def __init__(
        self,
        from_logits: bool = False,
        ignore_class: int | None = None,
        reduction: str | None = "sum_over_batch_size",
        axis: int = -1,
        name: str = "sparse_categorical_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            sparse_categorical_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            from_logits=from_logits,
            ignore_class=ignore_class,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "ignore_class": self.ignore_class})
        return config


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Mean absolute percentage error over the last axis: `100 * mean(abs((y_true - y_pred) / y_true))`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        MeanAbsolutePercentageError()(torch.tensor([[2.0, 4.0]]), torch.tensor([[1.0, 5.0]]))  # 37.5
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_absolute_percentage_error",
        dtype: Any = None,
    ):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction, dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean squared logarithmic error over the last axis: `mean(square(log(y_true + 1) - log(y_pred + 1)))`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        MeanSquaredLogarithmicError()(torch.tensor([[0.0, 1.0]]), torch.tensor([[1.0, 1.0]]))  # 0.240
    """

    def __init__(
        self,
        reduction: str | None = "sum_over_batch_size",
        name: str = "mean_squared_logarithmic_error",
        dtype: Any = None,
    ):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions along `axis`: -1 is best, 0 orthogonal.

    Args:
        axis: the axis the similarity is computed along (the features axis).
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        CosineSimilarity()(torch.tensor([[0.0, 1.0], [1.0, 1.0]]), torch.tensor([[1.0, 0.0], [1.0, 1.0]]))  # -0.5
    """

    def __init__(
        self,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "cosine_similarity",
        dtype: Any = None,
    ):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to `delta`, linear beyond, averaged over the last axis.

    Args:
        delta: where the loss turns from quadratic to linear.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        Huber()(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[0.6, 0.4], [0.4, 0.6]]))  # 0.155
    """

    def __init__(
        self,
        delta: float = 1.0,
        reduction: str | None = "sum_over_batch_size",
        name: str = "huber_loss",
        dtype: Any = None,
    ):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Mean over the last axis of the log of the hyperbolic cosine of the error `y_pred - y_true`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        LogCosh()(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[1.0, 1.0], [0.0, 0.0]]))  # 0.108
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "log_cosh", dtype: Any = None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class Hinge(LossFunctionWrapper):
    """Hinge loss `maximum(1 - y_true * y_pred, 0)`, averaged over the last axis.

    Labels are expected in {-1, 1}; labels that are all 0 or 1 are converted to -1 and 1.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        Hinge()(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[0.6, 0.4], [0.4, 0.6]]))  # 1.3
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "hinge", dtype: Any = None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss `square(maximum(1 - y_true * y_pred, 0))`, averaged over the last axis.

    Labels are expected in {-1, 1}; labels that are all 0 or 1 are converted to -1 and 1.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        SquaredHinge()(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[0.6, 0.4], [0.4, 0.6]]))  # 1.86
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "squared_hinge", dtype: Any = None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss `maximum(neg - pos + 1, 0)`, with `pos = sum(y_true * y_pred)` and
    `neg = max((1 - y_true) * y_pred)`.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        CategoricalHinge()(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[0.6, 0.4], [0.4, 0.6]]))  # 1.4
    """

    def __init__(
        self, reduction: str | None = "sum_over_batch_size", name: str = "categorical_hinge", dtype: Any = None
    ):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))` over the last axis.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        KLDivergence()(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[0.6, 0.4], [0.4, 0.6]]))  # 0.458
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "kl_divergence", dtype: Any = None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(LossFunctionWrapper):
    """Poisson loss `mean(y_pred - y_true * log(y_pred))` over the last axis.

    Args:
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        Poisson()(torch.tensor([[0.0, 1.0], [0.0, 0.0]]), torch.tensor([[1.0, 1.0], [0.0, 0.0]]))  # 0.5
    """

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str = "poisson", dtype: Any = None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy scaled by `(1 - p_t) ** gamma`, so that well-classified examples weigh little.

    Args:
        apply_class_balancing: weigh positives by `alpha` and negatives by `1 - alpha`.
        alpha: the positive-class weight when `apply_class_balancing`.
        gamma: the focusing exponent; 0 gives plain binary cross-entropy.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels are squeezed towards 0.5 as `y * (1 - s) + 0.5 * s`.
        axis: the axis the per-element losses are averaged over.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        loss = BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
        loss(torch.tensor([0.0, 1.0, 0.0, 0.0]), torch.tensor([-18.6, 0.51, 2.94, -12.8]))  # 0.691
    """

    def __init__(
        self,
        apply_class_balancing: bool = False,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "binary_focal_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            binary_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy scaled by `alpha * (1 - p) ** gamma` per class term.

    Args:
        alpha: weight of every class term.
        gamma: the focusing exponent; 0 with alpha 1 gives plain categorical cross-entropy.
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        cfce = CategoricalFocalCrossentropy()
        cfce(torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), torch.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
        # 0.233
    """

    def __init__(
        self,
        alpha: float = 0.25,
        gamma: float = 2.0,
        from_logits: bool = False,
        label_smoothing: float = 0.0,
        axis: int = -1,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_focal_crossentropy",
        dtype: Any = None,
    ):
        super().__init__(
            categorical_focal_crossentropy,
            name=name,
            reduction=reduction,
            dtype=dtype,
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            axis=axis,
        )


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy `(1 - p ** q) / q`, `p` the probability of the true class (Zhang and
    Sabuncu, 2018): robust to noisy labels, between cross-entropy (q -> 0) and mean absolute error (q = 1).

    Args:
        q: in (0, 1), the noise parameter.
        reduction: see `Loss`.
        name: name of the loss instance.
        dtype: dtype the loss is computed in.

    Example:
        loss = CategoricalGeneralizedCrossEntropy()
        loss(torch.tensor([0, 1, 0, 1]), torch.tensor([[0.7, 0.3], [0.2, 0.8], [0.6, 0.4], [0.4, 0.6]]))  # 0.360
    """

    def __init__(
        self,
        q: float = 0.5,
        reduction: str | None = "sum_over_batch_size",
        name: str = "categorical_generalized_cross_entropy",
        dtype: Any = None,
    ):
        if not 0 < q < 1:
            raise ValueError(f"Argument `q` must be in the interval (0, 1), got q={q}.")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction, dtype=dtype, q=q)


def _check_same_shape(y_true: torch.Tensor, y_pred: torch.Tensor, categorical: bool = False) -> None:
    if y_true.shape != y_pred.shape:
        hint = ""
        labels_shape = y_true.shape[:-1] if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1 else y_true.shape
        if categorical and labels_shape == y_pred.shape[:-1]:
            hint = (
                " The targets look like integer class labels: use `sparse_categorical_crossentropy` for them, or "
                "one-hot encode them with `keras.utils.to_categorical`."
            )
        raise ValueError(
            "Arguments `target` and `output` must have the same shape: got "
            f"target.shape={tuple(y_true.shape)}, output.shape={tuple(y_pred.shape)}.{hint}"
        )


def mean_squared_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean squared error over the last axis.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return torch.square(y_true - y_pred).mean(dim=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean absolute error over the last axis.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return torch.abs(y_true - y_pred).mean(dim=-1)


def binary_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> torch.Tensor:
    """Binary cross-entropy, averaged over `axis`.

    Args:
        y_true: labels in {0, 1} (or soft labels in [0, 1]).
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis the mean is taken over.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    _check_same_shape(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # Same value as -y*log_sigmoid(x) - (1-y)*log_sigmoid(-x), in one fused, stable kernel.
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        # Written out rather than F.binary_cross_entropy, which refuses to run under autocast.
        eps = config.epsilon()
        y_pred = y_pred.clamp(eps, 1.0 - eps)
        bce = -(y_true * torch.log(y_pred) + (1.0 - y_true) * torch.log(1.0 - y_pred))
    return bce.mean(dim=axis)


def categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> torch.Tensor:
    """Categorical cross-entropy between one-hot labels and predictions.

    Args:
        y_true: one-hot (or soft) labels.
        y_pred: class probabilities (renormalised to sum to one along `axis`), or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`, got axis={axis} of type {type(axis)}.")
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    _check_same_shape(y_true, y_pred, categorical=True)
    if y_pred.dim() < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1, got shape {tuple(y_pred.shape)}.")
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    return -(y_true * _log_probabilities(y_pred, from_logits, axis)).sum(dim=axis)


def sparse_categorical_crossentropy(
    y_true: Any, y_pred: Any, from_logits: bool = False, ignore_class: int | None = None, axis: int = -1
) -> torch.Tensor:
    """Categorical cross-entropy between integer labels and predictions.

    Args:
        y_true: integer class ids (integer or float dtype), shape `y_pred.shape` without `axis`, or with a
            size-1 `axis`.
        y_pred: class probabilities (renormalised to sum to one along `axis`), or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label whose entries get loss 0 and are masked out of mean reductions.
        axis: the class axis.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(config.standardize_dtype(None))
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_pred.dim() < 1:
        raise ValueError(f"Argument `output` must be at least rank 1, got output.shape={tuple(y_pred.shape)}.")
    if y_true.dim() == y_pred.dim() and y_true.shape[axis] == 1:
        y_true = y_true.squeeze(axis)
    class_axis = axis % y_pred.dim()
    expected = y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1 :]
    if y_true.shape != expected:
        raise ValueError(
            "Arguments `target` and `output` must have the same shape up until the class axis: expected "
            f"target.shape={tuple(expected)}, got target.shape={tuple(y_true.shape)} for "
            f"output.shape={tuple(y_pred.shape)}."
            + (
                " The targets look one-hot encoded: use `categorical_crossentropy` for them."
                if y_true.shape == y_pred.shape
                else ""
            )
        )
    labels = y_true.long()
    # torch's kernels want the class axis at position 1 and a batch axis in front.
    scores = y_pred.unsqueeze(0) if y_pred.dim() == 1 else y_pred if class_axis == 1 else y_pred.movedim(class_axis, 1)
    targets = labels.unsqueeze(0) if y_pred.dim() == 1 else labels
    # ignore_index gives ignored entries a loss of exactly 0, as Keras's masking does. Without an ignore_class,
    # torch's default (-100) would silently skip those labels: the kernels check every other label for free.
    ignore_index = _NO_IGNORED_LABEL if ignore_class is None else int(ignore_class)
    try:
        if from_logits:
            result = F.cross_entropy(scores, targets, reduction="none", ignore_index=ignore_index)
        else:
            result = F.nll_loss(
                _log_probabilities(scores, False, 1), targets, reduction="none", ignore_index=ignore_index
            )
    except IndexError:  # a label outside [0, classes): name it (CUDA kernels assert on the device instead)
        check_class_ids(labels, y_pred.shape[class_axis], ignore_class)
        raise
    if y_pred.dim() == 1:
        result = result.squeeze(0)
    if ignore_class is not None:
        result._keras_mask = labels != int(ignore_class)
    return result


_NO_IGNORED_LABEL = torch.iinfo(torch.int64).min  # an ignore_index no real label takes


def check_class_ids(labels: Any, num_classes: int, ignore_class: int | None = None) -> None:
    """Refuses integer labels outside `[0, num_classes)` (other than `ignore_class`), with TensorFlow's wording.

    One host sync: for checking data once, or an error path, not for every training step.
    """
    ids = as_tensor(labels).long()
    outside = (ids < 0) | (ids >= num_classes)
    if ignore_class is not None:
        outside &= ids != int(ignore_class)
    if bool(outside.any()):
        value = int(ids[outside][0])
        also = f" (or ignore_class={ignore_class})" if ignore_class is not None else ""
        raise ValueError(
            f"Received a label value of {value} which is outside the valid range of [0, {num_classes})"
            f"{also}: sparse categorical crossentropy takes integer class ids below the number of "
            f"classes in `y_pred` ({num_classes})."
        )


def _log_probabilities(y_pred: torch.Tensor, from_logits: bool, axis: int) -> torch.Tensor:
    if from_logits:
        return F.log_softmax(y_pred, dim=axis)
    eps = config.epsilon()
    y_pred = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return torch.log(y_pred.clamp(eps, 1.0 - eps))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean absolute percentage error over the last axis: `100 * mean(abs((y_true - y_pred) / y_true))`.

    `abs(y_true)` is floored at epsilon (1e-7), as Keras does, so zero labels give large but finite losses.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / y_true.abs().clamp_min(config.epsilon()))
    return 100.0 * diff.mean(dim=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean squared logarithmic error over the last axis: `mean(square(log(y_true + 1) - log(y_pred + 1)))`.

    Both inputs are floored at epsilon (1e-7) first, as Keras does.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    eps = config.epsilon()
    first_log = torch.log(y_pred.clamp_min(eps) + 1.0)
    second_log = torch.log(y_true.clamp_min(eps) + 1.0)
    return torch.square(first_log - second_log).mean(dim=-1)


def _l2_normalize(x: torch.Tensor, axis: int) -> torch.Tensor:
    # Keras scales by rsqrt(sum of squares) capped at 1/epsilon, so an all-zero vector stays zero. Flooring the
    # sum at epsilon**2 gives the same value and, unlike capping rsqrt's infinity, a finite gradient there.
    inv_norm = torch.rsqrt(torch.square(x).sum(dim=axis, keepdim=True).clamp_min(config.epsilon() ** 2))
    return x * inv_norm


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> torch.Tensor:
    """Negative cosine similarity: `-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`.

    The result lies in [-1, 1]; -1 means the vectors point the same way, so minimising it maximises the
    similarity. A zero vector gives 0.

    Args:
        y_true: ground truth vectors.
        y_pred: predicted vectors, same shape.
        axis: the axis the similarity is computed along.

    Returns:
        Per-sample losses, the inputs' shape without `axis`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return -(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(dim=axis)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> torch.Tensor:
    """Huber loss over the last axis: quadratic `0.5 * e**2` for `abs(e) <= delta`, linear
    `delta * abs(e) - 0.5 * delta**2` beyond, where `e = y_pred - y_true`.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.
        delta: where the loss turns from quadratic to linear.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    # torch's fused kernel computes delta * (|e| - delta / 2) beyond delta: the same function.
    return F.huber_loss(y_pred, y_true, reduction="none", delta=float(delta)).mean(dim=-1)


def log_cosh(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Mean over the last axis of `log(cosh(y_pred - y_true))`: about `e**2 / 2` for small errors and
    `abs(e) - log(2)` for large ones.

    Args:
        y_true: ground truth values, shape `(batch, d0, ..., dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    error = y_pred - y_true
    # cosh overflows for large errors; this form stays finite.
    return (error + F.softplus(-2.0 * error) - math.log(2.0)).mean(dim=-1)


def kl_divergence(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Kullback-Leibler divergence over the last axis: `sum(y_true * log(y_true / y_pred))`.

    Both inputs are clipped to `[epsilon, 1]` first, as Keras does.

    Args:
        y_true: ground truth probabilities, shape `(batch, d0, ..., dN)`.
        y_pred: predicted probabilities, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    eps = config.epsilon()
    y_true = y_true.clamp(eps, 1.0)
    y_pred = y_pred.clamp(eps, 1.0)
    return (y_true * torch.log(y_true / y_pred)).sum(dim=-1)


def poisson(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Poisson loss over the last axis: `mean(y_pred - y_true * log(y_pred + epsilon))`.

    Args:
        y_true: ground truth counts, shape `(batch, d0, ..., dN)`.
        y_pred: predicted rates, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    return (y_pred - y_true * torch.log(y_pred + config.epsilon())).mean(dim=-1)


def _labels_to_hinge(y_true: torch.Tensor) -> torch.Tensor:
    # Labels that are all 0/1 become -1/1; any other labels are used as given. The test is a tensor, so
    # choosing happens on the device, with no host read.
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Hinge loss over the last axis: `mean(maximum(1 - y_true * y_pred, 0))`.

    Args:
        y_true: labels in {-1, 1}; labels in {0, 1} are converted to {-1, 1}.
        y_pred: predicted scores, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true = _labels_to_hinge(y_true)
    return torch.relu(1.0 - y_true * y_pred).mean(dim=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Squared hinge loss over the last axis: `mean(square(maximum(1 - y_true * y_pred, 0)))`.

    Args:
        y_true: labels in {-1, 1}; labels in {0, 1} are converted to {-1, 1}.
        y_pred: predicted scores, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    y_true = _labels_to_hinge(y_true)
    return torch.square(torch.relu(1.0 - y_true * y_pred)).mean(dim=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Categorical hinge loss: `maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)` and
    `neg = max((1 - y_true) * y_pred)` over the last axis.

    Args:
        y_true: one-hot labels (or in {-1, 1}).
        y_pred: predicted scores, same shape.

    Returns:
        Per-sample losses of shape `(batch, d0, ..., dN-1)`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    pos = (y_true * y_pred).sum(dim=-1)
    neg = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return torch.relu(neg - pos + 1.0)


def binary_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Binary focal cross-entropy: binary cross-entropy scaled by `(1 - p_t) ** gamma`, averaged over `axis`.

    `p_t` is the probability given to the true label, so confident, correct predictions weigh little
    (Lin et al., 2017).

    Args:
        y_true: labels in {0, 1} (or soft labels in [0, 1]).
        y_pred: probabilities, or logits when `from_logits`.
        apply_class_balancing: weigh positives by `alpha` and negatives by `1 - alpha`.
        alpha: the positive-class weight when `apply_class_balancing`.
        gamma: the focusing exponent; 0 gives plain binary cross-entropy.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis the mean is taken over.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    _check_same_shape(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        # Keras takes the sigmoid and then the clipped probability path, so logits far out saturate at epsilon.
        y_pred = torch.sigmoid(y_pred)
    eps = config.epsilon()
    clipped = y_pred.clamp(eps, 1.0 - eps)
    bce = -(y_true * torch.log(clipped) + (1.0 - y_true) * torch.log(1.0 - clipped))
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return focal_bce.mean(dim=axis)


def categorical_focal_crossentropy(
    y_true: Any,
    y_pred: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    axis: int = -1,
) -> torch.Tensor:
    """Categorical focal cross-entropy: `sum(alpha * (1 - p) ** gamma * -y_true * log(p))` over `axis`.

    Args:
        y_true: one-hot (or soft) labels.
        y_pred: class probabilities (renormalised to sum to one along `axis`), or logits when `from_logits`.
        alpha: weight of every class term.
        gamma: the focusing exponent; 0 with alpha 1 gives plain categorical cross-entropy.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis.

    Returns:
        Per-sample losses, `y_pred`'s shape without `axis`.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`, got axis={axis} of type {type(axis)}.")
    y_true, y_pred = as_float_tensors(y_true, y_pred)
    if y_pred.dim() >= 1 and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_focal_crossentropy, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    eps = config.epsilon()
    output = (y_pred / y_pred.sum(dim=axis, keepdim=True)).clamp(eps, 1.0 - eps)
    focal_cce = alpha * torch.pow(1.0 - output, gamma) * (-y_true * torch.log(output))
    return focal_cce.sum(dim=axis)


def categorical_generalized_cross_entropy(y_true: Any, y_pred: Any, q: float) -> torch.Tensor:
    """Generalized cross-entropy `(1 - p ** q) / q`, `p` the predicted probability of the true class.

    Args:
        y_true: integer class ids, shape `(batch, ...)` (a trailing axis of size 1 is dropped).
        y_pred: class probabilities, shape `(batch, ..., num_classes)`.
        q: in (0, 1), the noise parameter.

    Returns:
        Per-sample losses, `y_pred`'s shape without its last axis.
    """
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(config.standardize_dtype(None))
    labels = as_tensor(y_true, device=y_pred.device).long()
    if labels.dim() == y_pred.dim() and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    p = y_pred.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    return (1.0 - torch.pow(p, q)) / q
