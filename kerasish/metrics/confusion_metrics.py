"""Metrics built on confusion-matrix counts at one or more thresholds: TP/FP/TN/FN, precision, recall, the
"X at Y" metrics and AUC."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from kerasish import config
from kerasish.losses.loss import divide_no_nan
from kerasish.metrics import metrics_utils
from kerasish.metrics.metric import Metric

AUC_CURVES = ("ROC", "PR", "PRGAIN")
AUC_SUMMATION_METHODS = ("interpolation", "majoring", "minoring")


class _ConfusionMatrixConditionCount(Metric):
    """Counts one confusion-matrix condition (e.g. true positives) at each threshold.

    Args:
        confusion_matrix_cond: `"tp"`, `"fp"`, `"tn"` or `"fn"`.
        thresholds: a float or a list of floats in `[0, 1]` (0.5 by default); one count per threshold.
        name: name of the metric instance.
        dtype: dtype of the metric's result.
    """

    def __init__(self, confusion_matrix_cond: str, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), dtype=self.dtype, name="accumulator")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        self._follow_device(torch.as_tensor(y_pred))
        metrics_utils.update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator},
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
        )

    def result(self) -> torch.Tensor:
        return self.accumulator[0].clone() if len(self.thresholds) == 1 else self.accumulator.clone()

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives: `y_true` false and `y_pred > threshold`.

    Args:
        thresholds: a float or a list of floats in `[0, 1]` (0.5 by default); one count per threshold.
            With logits, use 0.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = FalsePositives()
        m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
        m.result()  # 2.0
    """

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(metrics_utils.FALSE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives: `y_true` true and `y_pred <= threshold`.

    Args:
        thresholds: a float or a list of floats in `[0, 1]` (0.5 by default); one count per threshold.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = FalseNegatives()
        m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
        m.result()  # 2.0
    """

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(metrics_utils.FALSE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives: `y_true` false and `y_pred <= threshold`.

    Args:
        thresholds: a float or a list of floats in `[0, 1]` (0.5 by default); one count per threshold.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = TrueNegatives()
        m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
        m.result()  # 2.0
    """

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(metrics_utils.TRUE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives: `y_true` true and `y_pred > threshold`.

    Args:
        thresholds: a float or a list of floats in `[0, 1]` (0.5 by default); one count per threshold.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = TruePositives()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        m.result()  # 2.0
    """

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(metrics_utils.TRUE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


class _PrecisionOrRecall(Metric):
    """`tp / (tp + other)` at each threshold, where `other` is false positives or false negatives."""

    _other = ""  # the confusion key of `other`: "fp" or "fn"
    _other_name = ""  # the state variable holding it

    def __init__(
        self,
        thresholds: Any = None,
        top_k: int | None = None,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k alone, every top-k prediction counts as positive.
        default_threshold = 0.5 if top_k is None else metrics_utils.NEG_INF
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=default_threshold)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(self.thresholds)
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape=shape, dtype=self.dtype, name="true_positives")
        setattr(self, self._other_name, self.add_variable(shape=shape, dtype=self.dtype, name=self._other_name))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        self._follow_device(torch.as_tensor(y_pred))
        metrics_utils.update_confusion_matrix_variables(
            {metrics_utils.TRUE_POSITIVES: self.true_positives, self._other: getattr(self, self._other_name)},
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k,
            class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def result(self) -> torch.Tensor:
        tp, other = self.true_positives, getattr(self, self._other_name)
        result = divide_no_nan(tp, tp + other)
        return result[0] if len(self.thresholds) == 1 else result

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_PrecisionOrRecall):
    """Precision, `tp / (tp + fp)`, of the predictions with respect to the labels.

    Args:
        thresholds: a float or a list of floats in `[0, 1]`; predictions above it count as positive (0.5 by
            default, unless `top_k` is set). One value per threshold. With logits, use 0.
        top_k: only the `top_k` highest predictions of each sample count as positive.
        class_id: compute the binary precision of this class (index of the last axis) only.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = Precision()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        m.result()  # 0.6666667
    """

    _other, _other_name = metrics_utils.FALSE_POSITIVES, "false_positives"


class Recall(_PrecisionOrRecall):
    """Recall, `tp / (tp + fn)`, of the predictions with respect to the labels.

    Args:
        thresholds: a float or a list of floats in `[0, 1]`; predictions above it count as positive (0.5 by
            default, unless `top_k` is set). One value per threshold. With logits, use 0.
        top_k: only the `top_k` highest predictions of each sample count as positive.
        class_id: compute the binary recall of this class (index of the last axis) only.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = Recall()
        m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        m.result()  # 0.6666667
    """

    _other, _other_name = metrics_utils.FALSE_NEGATIVES, "false_negatives"


class SensitivitySpecificityBase(Metric):
    """Keeps all four confusion counts at `num_thresholds` thresholds evenly spaced in `[0, 1]`; subclasses
    pick the best value of one rate among the thresholds where another rate reaches `value`.

    Args:
        value: the constraint's target, in `[0, 1]`.
        num_thresholds: how many thresholds (1 means the single threshold 0.5).
        class_id: compute the binary metric of this class (index of the last axis) only.
        name: name of the metric instance.
        dtype: dtype of the metric's result.
    """

    # Set by each subclass: its constraint argument's name, and which rate is held to it / maximized.
    _constraint_argument: str
    _constrained_rate: str
    _maximized_rate: str

    def __init__(
        self,
        value: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        _check_unit_interval(self._constraint_argument, value)
        super().__init__(name=name, dtype=dtype)
        self.num_thresholds = num_thresholds
        setattr(self, self._constraint_argument, value)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError(
                f"Argument `num_thresholds` must be an integer > 0. Received: num_thresholds={num_thresholds}"
            )
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        shape = (len(self.thresholds),)
        self.true_positives = self.add_variable(shape=shape, dtype=self.dtype, name="true_positives")
        self.false_positives = self.add_variable(shape=shape, dtype=self.dtype, name="false_positives")
        self.true_negatives = self.add_variable(shape=shape, dtype=self.dtype, name="true_negatives")
        self.false_negatives = self.add_variable(shape=shape, dtype=self.dtype, name="false_negatives")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        self._follow_device(torch.as_tensor(y_pred))
        metrics_utils.update_confusion_matrix_variables(
            {
                metrics_utils.TRUE_POSITIVES: self.true_positives,
                metrics_utils.TRUE_NEGATIVES: self.true_negatives,
                metrics_utils.FALSE_POSITIVES: self.false_positives,
                metrics_utils.FALSE_NEGATIVES: self.false_negatives,
            },
            y_true,
            y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            class_id=self.class_id,
            sample_weight=sample_weight,
        )

    def result(self) -> torch.Tensor:
        rates = self._rates()
        return self._find_max_under_constraint(rates[self._constrained_rate], rates[self._maximized_rate])

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._constraint_argument: self.value,
        }

    def _rates(self) -> dict[str, torch.Tensor]:
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        return {
            "sensitivity": divide_no_nan(tp, tp + fn),  # = recall
            "specificity": divide_no_nan(tn, tn + fp),
            "precision": divide_no_nan(tp, tp + fp),
        }

    def _find_max_under_constraint(
        self, constrained: torch.Tensor, dependent: torch.Tensor, predicate: Callable = torch.greater_equal
    ) -> torch.Tensor:
        """The largest `dependent` value over the thresholds where `predicate(constrained, value)`; 0 if none."""
        feasible = predicate(constrained, self.value)
        return torch.where(feasible, dependent, torch.zeros_like(dependent)).amax().clamp_min(0.0)


def _check_unit_interval(name: str, value: float) -> None:
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{name}` must be in the range [0, 1]. Received: {name}={value}")


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (`tp / (tp + fn)`) over the thresholds where specificity (`tn / (tn + fp)`) is at
    least `specificity`.

    Args:
        specificity: the required specificity, in `[0, 1]`.
        num_thresholds: how many thresholds to try.
        class_id: compute the binary metric of this class (index of the last axis) only.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = SensitivityAtSpecificity(0.5)
        m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        m.result()  # 0.5
    """

    _constraint_argument = "specificity"
    _constrained_rate = "specificity"
    _maximized_rate = "sensitivity"

    def __init__(
        self,
        specificity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity (`tn / (tn + fp)`) over the thresholds where sensitivity (`tp / (tp + fn)`) is at
    least `sensitivity`.

    Args:
        sensitivity: the required sensitivity, in `[0, 1]`.
        num_thresholds: how many thresholds to try.
        class_id: compute the binary metric of this class (index of the last axis) only.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = SpecificityAtSensitivity(0.5)
        m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        m.result()  # 0.66666667
    """

    _constraint_argument = "sensitivity"
    _constrained_rate = "sensitivity"
    _maximized_rate = "specificity"

    def __init__(
        self,
        sensitivity: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision over the thresholds where recall is at least `recall`.

    Args:
        recall: the required recall, in `[0, 1]`.
        num_thresholds: how many thresholds to try.
        class_id: compute the binary metric of this class (index of the last axis) only.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = PrecisionAtRecall(0.5)
        m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        m.result()  # 0.5
    """

    _constraint_argument = "recall"
    _constrained_rate = "sensitivity"
    _maximized_rate = "precision"

    def __init__(
        self,
        recall: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall over the thresholds where precision is at least `precision` (0 if never reached).

    Args:
        precision: the required precision, in `[0, 1]`.
        num_thresholds: how many thresholds to try.
        class_id: compute the binary metric of this class (index of the last axis) only.
        name: name of the metric instance.
        dtype: dtype of the metric's result.

    Example:
        m = RecallAtPrecision(0.8)
        m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        m.result()  # 0.5
    """

    _constraint_argument = "precision"
    _constrained_rate = "precision"
    _maximized_rate = "sensitivity"

    def __init__(
        self,
        precision: float,
        num_thresholds: int = 200,
        class_id: int | None = None,
        name: str | None = None,
        dtype: Any = None,
    ):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id, name=name, dtype=dtype)


class AUC(Metric):
    """Approximates the area under the ROC or precision-recall curve with a Riemann sum over thresholds.

    Predictions are counted at `num_thresholds` thresholds (evenly spaced in `[0, 1]`, the end ones moved
    out by epsilon so that predictions of exactly 0 or 1 fall inside); the curve's points are the rates at
    those thresholds.

    Args:
        num_thresholds: how many thresholds discretize the curve; > 1.
        curve: `"ROC"` (default), `"PR"` (precision-recall) or `"PRGAIN"` (precision-recall gain).
        summation_method: `"interpolation"` (trapezoids; for PR, Davis & Goadrich's interpolation of the
            true and false positives), `"minoring"` (lower bound) or `"majoring"` (upper bound).
        name: name of the metric instance.
        dtype: dtype of the metric's result.
        thresholds: explicit thresholds in `[0, 1]`, instead of `num_thresholds`.
        multi_label: compute one AUC per label (last axis of rank-2 data) and average them, rather than
            flattening the data into one label.
        num_labels: the number of labels with `multi_label` (else the state is built on the first update).
        label_weights: weights per label: for the average with `multi_label`, else for the flattened counts.
        from_logits: whether `y_pred` holds logits (a sigmoid is applied first).

    Example:
        m = AUC(num_thresholds=3)
        m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        m.result()  # 0.75
    """

    def __init__(
        self,
        num_thresholds: int = 200,
        curve: str = "ROC",
        summation_method: str = "interpolation",
        name: str | None = None,
        dtype: Any = None,
        thresholds: list[float] | None = None,
        multi_label: bool = False,
        num_labels: int | None = None,
        label_weights: Any = None,
        from_logits: bool = False,
    ):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.curve = _choice("curve", curve, AUC_CURVES)
        self.summation_method = _choice("summation_method", summation_method, AUC_SUMMATION_METHODS)
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0])
            )
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    f"Argument `num_thresholds` must be an integer > 1. Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = [0.0 - config.epsilon()] + list(thresholds) + [1.0 + config.epsilon()]
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else torch.as_tensor(label_weights, dtype=self._torch_dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self) -> list[float]:
        """The thresholds the counts are taken at, the two outer ones included."""
        return list(self._thresholds)

    def _build(self, shape: tuple | None) -> None:
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank {len(shape)}. "
                    f"Full shape received for `y_pred`: {tuple(shape)}"
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            setattr(self, name, self.add_variable(shape=variable_shape, dtype=self.dtype, name=name))
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = torch.as_tensor(y_pred)
        if not self._built:
            self._build(tuple(y_pred.shape))
        self._follow_device(y_pred)
        if self.label_weights is not None and self.label_weights.device != y_pred.device:
            self.label_weights = self.label_weights.to(y_pred.device)
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred.to(self._torch_dtype))
        metrics_utils.update_confusion_matrix_variables(
            {
                metrics_utils.TRUE_POSITIVES: self.true_positives,
                metrics_utils.TRUE_NEGATIVES: self.true_negatives,
                metrics_utils.FALSE_POSITIVES: self.false_positives,
                metrics_utils.FALSE_NEGATIVES: self.false_negatives,
            },
            y_true,
            y_pred,
            self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )

    def interpolate_pr_auc(self) -> torch.Tensor:
        """PR-AUC by Davis & Goadrich's interpolation, in closed form.

        Between successive thresholds A and B, true positives TP and predicted positives P = TP + FP vary
        linearly, so precision = TP / P along the segment has slope `dTP / dP` and intercept
        `TP_B - slope * P_B`; integrating precision over recall gives
        `slope * (dTP + intercept * log(P_A / P_B)) / (TP_B + FN_B)` per segment (just `slope * dTP / ...`
        when P_B is 0, i.e. constant precision over the first bucket with positives).
        """
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, dp.clamp_min(0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where(
            (p[:-1] > 0) & (p[1:] > 0), divide_no_nan(p[:-1], p[1:].clamp_min(0)), torch.ones_like(p[1:])
        )
        pr_auc_increment = divide_no_nan(
            prec_slope * (dtp + intercept * torch.log(safe_p_ratio)), (tp[1:] + fn[1:]).clamp_min(0)
        )
        return self._reduce_over_thresholds(pr_auc_increment)

    def result(self) -> torch.Tensor:
        if not self._built:
            return torch.zeros((), dtype=self._torch_dtype)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN
            scaling_factor = divide_no_nan(tp + fn, tn + fp)
            recall_gain = 1.0 - scaling_factor * divide_no_nan(fn, tp)
            precision_gain = 1.0 - scaling_factor * divide_no_nan(fp, tp)
            no_tp = tp == 0
            x = torch.where(no_tp, torch.zeros_like(recall_gain), recall_gain).clamp_min(0.0)
            y = torch.where(no_tp, torch.ones_like(precision_gain), precision_gain)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._reduce_over_thresholds((x[:-1] - x[1:]) * heights)

    def _reduce_over_thresholds(self, terms: torch.Tensor) -> torch.Tensor:
        if not self.multi_label:
            return terms.sum()
        by_label_auc = terms.sum(0)
        if self.label_weights is None:
            return by_label_auc.mean()
        label_weights = self.label_weights.to(by_label_auc.device)
        return divide_no_nan((by_label_auc * label_weights).sum(), label_weights.sum())

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _choice(arg: str, value: str, allowed: tuple[str, ...]) -> str:
    # Keras accepts "PR" or "pr", "interpolation" or "Interpolation".
    for option in allowed:
        if value in (option, option.lower(), option.capitalize()):
            return option
    raise ValueError(f'Invalid `{arg}` argument value "{value}". Expected one of: {list(allowed)}')
