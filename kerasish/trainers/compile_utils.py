"""What `compile(loss=..., metrics=...)` turns into: per-output losses and metrics, resolved on the first batch;
and `compile`'s arguments as the config files store (`get_compile_config`/`compile_from_config`).

Keras resolves some names from the data: `"accuracy"` becomes binary, sparse categorical or categorical accuracy,
and `"crossentropy"` the matching loss, by the shapes of `y_true` and `y_pred`. So both objects build lazily on
the first batch they see, then run as flat lists.
"""

from __future__ import annotations

import torch

from kerasish import losses as losses_module
from kerasish import metrics as metrics_module
from kerasish import optimizers as optimizers_module
from kerasish.losses.losses import check_class_ids
from kerasish.saving.object_registry import serialize_keras_object
from kerasish.utils import tree

# The `compile` arguments a compile config holds; the modules whose `deserialize` rebuilds the configs among them.
COMPILE_ARGUMENTS = (
    "optimizer",
    "loss",
    "loss_weights",
    "metrics",
    "weighted_metrics",
    "run_eagerly",
    "steps_per_execution",
    "jit_compile",
)
_DESERIALIZERS = {
    "optimizer": optimizers_module,
    "loss": losses_module,
    "metrics": metrics_module,
    "weighted_metrics": metrics_module,
}


def serialize_compile_argument(value):
    """A compile argument (optimizer, losses, metrics, nested in lists/dicts) as JSON-ready config."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {k: serialize_compile_argument(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [serialize_compile_argument(v) for v in value]
    return serialize_keras_object(value)


def deserialize_compile_argument(value, module):
    """Inverse of `serialize_compile_argument`, resolving configs through `module.deserialize`."""
    if isinstance(value, dict) and "class_name" in value:
        return module.deserialize(value)
    if isinstance(value, dict):
        return {k: deserialize_compile_argument(v, module) for k, v in value.items()}
    if isinstance(value, list):
        return [deserialize_compile_argument(v, module) for v in value]
    return value


def compile_arguments_from_config(config: dict) -> dict:
    """`compile`'s keyword arguments from a compile config (kerasish's `get_compile_config()` or one Keras wrote):
    optimizer, loss and metric configs become objects; keys `compile` does not take are dropped."""
    return {
        key: deserialize_compile_argument(value, _DESERIALIZERS[key]) if key in _DESERIALIZERS else value
        for key, value in config.items()
        if key in COMPILE_ARGUMENTS
    }


def is_binary_or_sparse_categorical(y_true, y_pred) -> tuple[bool, bool]:
    is_binary = y_pred.shape[-1] == 1
    is_sparse = y_true.dim() < y_pred.dim() or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1)
    return is_binary, is_sparse


def get_loss(identifier, y_true, y_pred):
    """A Loss object for `identifier` (name, function, Loss, or config), with Keras's crossentropy resolution."""
    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        fn = (
            losses_module.binary_crossentropy
            if is_binary
            else losses_module.sparse_categorical_crossentropy
            if is_sparse
            else losses_module.categorical_crossentropy
        )
        return losses_module.LossFunctionWrapper(fn, name=identifier)
    loss = losses_module.get(identifier)
    if isinstance(loss, losses_module.Loss):
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", "loss")
    return losses_module.LossFunctionWrapper(loss, name=name)


def get_metric(identifier, y_true, y_pred):
    """A Metric object for `identifier`, with Keras's accuracy resolution; named as the user wrote it."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        cls = (
            metrics_module.BinaryAccuracy
            if is_binary
            else metrics_module.SparseCategoricalAccuracy
            if is_sparse
            else metrics_module.CategoricalAccuracy
        )
        return cls(name=identifier)
    metric = metrics_module.get(identifier)
    if not isinstance(metric, metrics_module.Metric):
        name = identifier if isinstance(identifier, str) else getattr(metric, "__name__", "metric")
        metric = metrics_module.MeanMetricWrapper(metric, name=name)
    elif isinstance(identifier, str):
        metric.name = identifier
    return metric


def check_names(spec, get, resolved_from_data: tuple[str, ...]) -> None:
    """Looks up every name in a compile argument now, so that a typo fails in `compile` rather than on the first
    batch; the names in `resolved_from_data` only resolve once the data's shapes are known."""
    if isinstance(spec, dict):
        spec = list(spec.values())
    if isinstance(spec, (list, tuple)):
        for item in spec:
            check_names(item, get, resolved_from_data)
    elif isinstance(spec, str) and spec.lower() not in resolved_from_data:
        get(spec)


def flatten_outputs(y_pred, output_names: list[str]) -> tuple[list, list[str]]:
    """Model outputs as a flat list with one name per output."""
    if isinstance(y_pred, dict):
        names = sorted(y_pred)
        return [y_pred[k] for k in names], names
    flat = tree.flatten(y_pred)
    if len(flat) == len(output_names):
        return flat, list(output_names)
    return flat, [f"output_{i + 1}" for i in range(len(flat))] if len(flat) > 1 else ["output"]


def match_to_outputs(value, names: list[str], what: str) -> list:
    """Per-output targets or sample weights, from a single tensor, a list, or a dict keyed by output name."""
    if value is None:
        return [None] * len(names)
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        if missing and what != "sample_weight":
            raise ValueError(
                f'Missing {what} for output "{missing[0]}". Expected keys {names}, received keys {sorted(value)}.'
            )
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)):
        if len(names) == 1 and len(value) == 1:
            return list(value)
        if len(value) != len(names):
            raise ValueError(
                f"The model has {len(names)} output(s) {names}, but {len(value)} {what} arrays were given."
            )
        return list(value)
    if len(names) > 1 and what != "sample_weight":
        raise ValueError(
            f"The model has {len(names)} outputs {names}, but a single {what} array was given; pass a "
            f"list or a dict keyed by output name."
        )
    return [value] * len(names)


def check_targets_like(y, reference, outputs: list, names: list[str]) -> None:
    """Checks targets (validation data's) against the model's declared outputs before any step: the structure, and
    the size of each output's last axis where the training targets (`reference`) match it. Other targets (class ids,
    a custom loss's extra columns) are the loss's to judge."""
    targets, references = match_to_outputs(y, names, "target"), match_to_outputs(reference, names, "target")
    for name, output, target, ref in zip(names, outputs, targets, references):
        width, rank = output.shape[-1], len(output.shape)
        if target is None or ref is None or width is None or ref.dim() != rank or ref.shape[-1] != width:
            continue
        if target.dim() == rank and target.shape[-1] != width:
            raise ValueError(
                f'the targets for output "{name}" have shape {(None,) + tuple(target.shape[1:])}, but '
                f"the training targets and the output have shape {(None,) + tuple(ref.shape[1:])}."
            )


def _per_output(spec, names: list[str], what: str) -> list:
    """A compile argument (single, list or dict keyed by output name) as one entry per output."""
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(
                f'In `compile({what}=...)`, the key "{unknown[0]}" does not match any model output. '
                f"Output names: {names}."
            )
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and what in ("loss", "loss_weights"):
        if len(spec) != len(names):
            raise ValueError(
                f"`compile({what}=...)` has {len(spec)} entries but the model has {len(names)} output(s) {names}."
            )
        return list(spec)
    return [spec] * len(names)


class CompileLoss:
    """The total compiled loss: sum over outputs of `loss_weight * loss(y_true, y_pred, sample_weight)`.

    With several losses, each output's unweighted loss is also tracked as `<output>_loss`.
    """

    def __init__(self, loss, loss_weights=None, output_names: list[str] | None = None):
        check_names(loss, losses_module.get, ("crossentropy", "ce"))
        self._spec = loss
        self._weights_spec = loss_weights
        self._output_names = list(output_names or [])
        self._flat = None  # [(index, loss, weight, tracker)]
        self.metrics: list = []
        self._names: list[str] = []
        self._class_ranges: dict[int, tuple[int, int | None]] = {}  # output -> (classes, ignore_class)

    @property
    def built(self) -> bool:
        return self._flat is not None

    def build(self, y_true, y_pred) -> None:
        if y_true is None:
            raise ValueError(
                f"Target data is missing. The model was compiled with loss={self._spec!r}, and "
                f"therefore expects target data (`y`) to be passed to `fit()` and `evaluate()`."
            )
        preds, names = flatten_outputs(y_pred, self._output_names)
        targets = match_to_outputs(y_true, names, "target")
        loss_specs = _per_output(self._spec, names, "loss")
        weights = (
            _per_output(self._weights_spec, names, "loss_weights")
            if self._weights_spec is not None
            else [None] * len(names)
        )
        flat = []
        self._class_ranges = {}
        for i, (spec, weight) in enumerate(zip(loss_specs, weights)):
            if spec is None:
                continue
            loss = get_loss(spec, _as_tensor(targets[i]), preds[i])
            if getattr(loss, "fn", None) is losses_module.sparse_categorical_crossentropy:
                self._class_ranges[i] = (
                    int(preds[i].shape[getattr(loss, "axis", -1)]),
                    getattr(loss, "ignore_class", None),
                )
            flat.append([i, loss, weight, None])
        if len(flat) > 1:
            for entry in flat:
                entry[3] = metrics_module.Mean(name=f"{names[entry[0]]}_loss")
            self.metrics = [entry[3] for entry in flat]
        self._flat = [tuple(entry) for entry in flat]
        self._names = names

    @property
    def checks_targets(self) -> bool:
        """Whether `check_targets` has anything to check (an output with sparse categorical crossentropy)."""
        return bool(self._class_ranges)

    def check_targets(self, y_true) -> None:
        """Refuses class ids outside `[0, classes)` for the outputs trained with sparse categorical crossentropy.

        `fit`/`evaluate` run it once over in-memory targets (one host sync per run, none per step) and on each
        streamed batch while it is still on the CPU, so no bad label reaches torch's kernels, which would skip
        -100 silently on the CPU and fail with a device-side assert on CUDA.
        """
        if not self._class_ranges or y_true is None:
            return
        targets = match_to_outputs(y_true, self._names, "target")
        for index, (classes, ignore_class) in self._class_ranges.items():
            if targets[index] is None:
                continue
            try:
                check_class_ids(targets[index], classes, ignore_class)
            except ValueError as error:
                raise ValueError(f'Target for output "{self._names[index]}": {error}') from None

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self._flat is None:
            self.build(y_true, y_pred)
        if len(self._names) == 1 and len(self._flat) == 1 and not isinstance(y_pred, (list, tuple, dict)):
            _, loss, weight, _ = self._flat[0]
            y = (
                y_true[0]
                if isinstance(y_true, (list, tuple))
                else y_true[self._names[0]]
                if isinstance(y_true, dict)
                else y_true
            )
            value = loss(y, y_pred, sample_weight)
            return value if weight is None else value * weight
        preds, _ = flatten_outputs(y_pred, self._output_names)
        targets = match_to_outputs(y_true, self._names, "target")
        weights = match_to_outputs(sample_weight, self._names, "sample_weight")
        total = None
        for index, loss, weight, tracker in self._flat:
            value = loss(targets[index], preds[index], weights[index])
            if tracker is not None:
                with torch.no_grad():
                    tracker.update_state(value.detach(), sample_weight=preds[index].shape[0])
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total


class CompileMetrics:
    """The compiled metrics, one flat list; names get an `<output>_` prefix when the model has several outputs."""

    def __init__(self, metrics=None, weighted_metrics=None, output_names: list[str] | None = None):
        for arg, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple, dict)):
                raise ValueError(
                    f"Expected `{arg}` argument to be a list, tuple, or dict. Received instead: "
                    f"{arg}={value!r} of type {type(value).__name__}"
                )
            check_names(value, metrics_module.get, ("accuracy", "acc"))
        self._spec = metrics
        self._weighted_spec = weighted_metrics
        self._output_names = list(output_names or [])
        self._flat = None  # [(index, metric, weighted)]
        self._names: list[str] = []

    @property
    def metrics(self) -> list:
        return [m for _, m, _ in self._flat or []]

    @property
    def built(self) -> bool:
        return self._flat is not None

    @property
    def output_names(self) -> list[str]:
        """The outputs the metrics were built for (empty before the first batch)."""
        return list(self._names)

    def build(self, y_true, y_pred) -> None:
        preds, names = flatten_outputs(y_pred, self._output_names)
        targets = match_to_outputs(y_true, names, "target")
        flat = []
        counts = {}  # log names given so far -> how many metrics asked for each
        for spec, weighted in ((self._spec, False), (self._weighted_spec, True)):
            if spec is None:
                continue
            for i, per_output in enumerate(self._per_output(spec, names)):
                for identifier in per_output:
                    metric = get_metric(identifier, _as_tensor(targets[i]), preds[i])
                    metric.name = _unique_log_name(metric.name, names[i] if len(names) > 1 else None, weighted, counts)
                    flat.append((i, metric, weighted))
        self._flat = flat
        self._names = names

    @staticmethod
    def _per_output(spec, names: list[str]) -> list[list]:
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(
                    f'In `compile(metrics=...)`, the key "{unknown[0]}" does not match any model '
                    f"output. Output names: {names}."
                )
            return [_as_list(spec.get(n)) for n in names]
        if len(names) > 1 and len(spec) == len(names) and all(isinstance(s, (list, tuple)) or s is None for s in spec):
            return [_as_list(s) for s in spec]
        return [list(spec) for _ in names]

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if self._flat is None:
            self.build(y_true, y_pred)
        if not self._flat:
            return
        if len(self._names) == 1:
            y = (
                y_true[0]
                if isinstance(y_true, (list, tuple))
                else y_true[self._names[0]]
                if isinstance(y_true, dict)
                else y_true
            )
            pred = tree.flatten(y_pred)[0] if not isinstance(y_pred, torch.Tensor) else y_pred
            for _, metric, weighted in self._flat:
                metric.update_state(y, pred, sample_weight=sample_weight if weighted else None)
            return
        preds, _ = flatten_outputs(y_pred, self._output_names)
        targets = match_to_outputs(y_true, self._names, "target")
        weights = match_to_outputs(sample_weight, self._names, "sample_weight")
        for index, metric, weighted in self._flat:
            metric.update_state(targets[index], preds[index], sample_weight=weights[index] if weighted else None)


def _unique_log_name(name: str, output_name: str | None, weighted: bool, counts: dict) -> str:
    """Keras's log names: `<output>_` prefix with several outputs; a weighted metric whose name is taken becomes
    `weighted_<name>`; a name still taken gets `_1`, `_2`, ... (e.g. "mae" then "mean_absolute_error" twice gives
    `mae`, `mean_absolute_error`, `mean_absolute_error_1`)."""
    prefix = f"{output_name}_" if output_name else ""
    unique = prefix + name
    if unique in counts and weighted:
        unique = f"{prefix}weighted_{name}"
    if unique in counts:
        counts[unique] += 1
        return f"{unique}_{counts[unique] - 1}"
    counts[unique] = 1
    return unique


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _as_tensor(value):
    return value if isinstance(value, torch.Tensor) or value is None else torch.as_tensor(value)
