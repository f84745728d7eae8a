"""MultiOptimizer and OptimizerMap: each variable stepped by the optimizer its path selects."""

from __future__ import annotations

import re
from collections.abc import Callable, MutableMapping

import numpy as np
import torch

from kerasish.optimizers.loss_scale_optimizer import LossScaleOptimizer
from kerasish.optimizers.optimizer import Optimizer
from kerasish.optimizers.serialization import deserialize as deserialize_optimizer
from kerasish.saving import object_registry


def _variable_path(variable) -> str:
    path = getattr(variable, "path", None)
    if not isinstance(path, str):
        raise ValueError(
            "An OptimizerMap selects optimizers by a variable's `path` (like 'dense/kernel'); this variable has "
            f"none: a tensor of shape {tuple(variable.shape)}. Pass the model's weights (layer variables), or give "
            "MultiOptimizer a callable `optimizer_map(variable)`."
        )
    return path


class OptimizerMap(MutableMapping):
    """Maps variable paths (or regular expressions over them) to optimizers, with a default for the rest.

    A key matches a path exactly first; otherwise every key is a pattern tried with `re.fullmatch`: `"encoder/.*"`
    selects every variable under `encoder`, while `"encoder"` alone matches only that path. A path matching two
    patterns is an error.

    Args:
        default_optimizer: the optimizer of the variables no key matches.
        optimizer_map: an optional dict of path (pattern) to optimizer.

    Example:
        optimizer_map = OptimizerMap(default_optimizer=keras.optimizers.SGD())
        optimizer_map["encoder/.*"] = keras.optimizers.Adam()
        optimizer_map["encoder/dense/kernel"].name  # 'adam'
    """

    def __init__(self, default_optimizer: Optimizer, optimizer_map: dict | None = None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key: str) -> Optimizer:
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}: patterns {matches} all match it.")
        if matches:
            return self._optimizer_map[matches[0]]
        return self._default_optimizer

    def __setitem__(self, key: str, optimizer: Optimizer) -> None:
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value {self._optimizer_map[key]}. Please make "
                "sure to not use duplicated keys."
            )
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: {optimizer}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key: str) -> None:
        del self._optimizer_map[key]

    def __len__(self) -> int:
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable) -> Optimizer:
        return self[_variable_path(variable)]

    def get_config(self) -> dict:
        return {
            "default_optimizer": object_registry.serialize_keras_object(self._default_optimizer),
            "optimizer_map": object_registry.serialize_keras_object(self._optimizer_map),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> OptimizerMap:
        default_optimizer = deserialize_optimizer(config["default_optimizer"], custom_objects=custom_objects)
        optimizer_map = {
            key: deserialize_optimizer(value, custom_objects=custom_objects)
            for key, value in (config.get("optimizer_map") or {}).items()
        }
        return cls(default_optimizer, optimizer_map)


class MultiOptimizer(Optimizer):
    """Delegates each variable to the optimizer an `OptimizerMap` (or a callable) chooses for it.

    Each sub-optimizer builds on, and steps, its own variables; `variables` lists this optimizer's own state
    (iterations, learning_rate) and then each sub-optimizer's, in the order the sub-optimizers were first met (the
    map's values, then its default, then any a callable returned). There is no single learning rate: reading or
    setting `learning_rate` raises; use `optimizers` to reach the sub-optimizers.

    Args:
        optimizer_map: an `OptimizerMap`, or a callable `optimizer_map(variable)` returning an optimizer.
        loss_scale_factor: if set, overrides the sub-optimizers' `loss_scale_factor`.
        name: the optimizer's name.

    Example:
        optimizer = keras.optimizers.MultiOptimizer(
            keras.optimizers.OptimizerMap(keras.optimizers.SGD(), {"encoder/.*": keras.optimizers.Adam()})
        )
    """

    def __init__(
        self,
        optimizer_map: OptimizerMap | Callable,
        loss_scale_factor: float | None = None,
        name: str | None = None,
    ):
        if not callable(optimizer_map):
            raise ValueError(
                "Argument `optimizer_map` of MultiOptimizer must be an OptimizerMap or a callable returning an "
                f"optimizer for a variable. Received: {optimizer_map!r}"
            )
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers: list[Optimizer] = []
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        candidates.append(getattr(optimizer_map, "default_optimizer", None))
        for optimizer in candidates:
            if optimizer is not None and all(optimizer is not known for known in self._inner_optimizers):
                optimizer.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(optimizer)

    @property
    def optimizers(self) -> list[Optimizer]:
        """The sub-optimizers."""
        return self._inner_optimizers

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on the individual "
            "sub-optimizers instead."
        )

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if "_inner_optimizers" not in self.__dict__:  # the base class's __init__ sets its placeholder rate
            Optimizer.learning_rate.fset(self, value)
            return
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the individual "
            "sub-optimizers instead."
        )

    @property
    def loss_scale_factor(self) -> float | None:
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value: float | None) -> None:
        self._loss_scale_factor = value
        for optimizer in self.__dict__.get("_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    def build(self, variables) -> None:
        if self.built:
            return
        variables = list(variables)
        assignment = []
        for variable in variables:
            optimizer = self._optimizer_map(variable)
            if not isinstance(optimizer, Optimizer):
                raise ValueError(f"Optimizer for variable {_describe(variable)} is not an Optimizer instance.")
            if isinstance(optimizer, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(optimizer, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            if all(optimizer is not known for known in self._inner_optimizers):
                optimizer.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(optimizer)
            assignment.append(next(i for i, known in enumerate(self._inner_optimizers) if known is optimizer))
        self._assignment = assignment
        for index, optimizer in enumerate(self._inner_optimizers):
            own = [v for v, i in zip(variables, assignment) if i == index]
            if own:
                optimizer.build(own)
        self._trainable_variables = variables
        self._variable_index = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    @property
    def variables(self) -> list:
        self._write_host_state()
        own = list(self._variables)
        for optimizer in self._inner_optimizers:
            own.extend(optimizer.variables)
        return own

    def apply(self, grads, trainable_variables=None) -> None:
        """Splits `grads` by sub-optimizer and lets each apply its share (None gradients are skipped)."""
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be built on a list of "
                    "variables. Call `optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"Gradients must match trainable variables one-to-one. Received {len(grads)} gradients and "
                f"{len(trainable_variables)} variables."
            )
        if not self.built:
            self.build(trainable_variables)
        shares = [([], []) for _ in self._inner_optimizers]
        for gradient, variable in zip(grads, trainable_variables):
            index = self._variable_index.get(id(variable))
            if index is None:
                raise ValueError(
                    "Unknown variable: this optimizer can only update the variables it was built with. Create a "
                    "new optimizer for a new set of variables."
                )
            if gradient is not None:
                share = shares[self._assignment[index]]
                share[0].append(gradient)
                share[1].append(variable)
        for optimizer, (sub_grads, sub_variables) in zip(self._inner_optimizers, shares):
            if sub_grads:
                optimizer.apply(sub_grads, sub_variables)
        self._iterations += 1

    def finalize_variable_values(self, var_list) -> None:
        for index, optimizer in enumerate(self._inner_optimizers):
            own = [v for v in var_list if self._assignment[self._variable_index[id(v)]] == index]
            if own:
                optimizer.finalize_variable_values(own)

    def set_weights(self, weights) -> None:
        """Sets this optimizer's own variables, then each sub-optimizer's, in the order of `variables`."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. Call "
                "`optimizer.build(trainable_variables)` first."
            )
        counts = [len(self._variables)] + [len(optimizer.variables) for optimizer in self._inner_optimizers]
        if len(weights) != sum(counts):
            raise ValueError(f"Expected {sum(counts)} optimizer weights; received {len(weights)}.")
        weights = list(weights)
        own, start = [torch.as_tensor(np.asarray(w)) for w in weights[: counts[0]]], counts[0]
        for variable, weight in zip(self._variables, own):
            if tuple(weight.shape) != tuple(variable.shape):
                raise ValueError(
                    f"Optimizer variable of shape {tuple(variable.shape)} cannot take a weight of shape "
                    f"{tuple(weight.shape)}."
                )
        with torch.no_grad():
            for variable, weight in zip(self._variables, own):
                variable.copy_(weight)
        self._iterations = int(self._iterations_variable)
        for optimizer, count in zip(self._inner_optimizers, counts[1:]):
            if count:
                optimizer.set_weights(weights[start : start + count])
                start += count

    def get_config(self) -> dict:
        return {
            "optimizer_map": object_registry.serialize_keras_object(self._optimizer_map),
            "loss_scale_factor": self.loss_scale_factor,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> MultiOptimizer:
        config = dict(config)
        optimizer_map = config.get("optimizer_map")
        if isinstance(optimizer_map, dict) and str(optimizer_map.get("class_name")) == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(optimizer_map["config"], custom_objects=custom_objects)
        else:
            config["optimizer_map"] = object_registry.deserialize_keras_object(
                optimizer_map, custom_objects=custom_objects, printable_module_name="optimizer map"
            )
        return cls(**config)


def _describe(variable) -> str:
    return f"'{getattr(variable, 'path', None) or 'unnamed'}' of shape {tuple(variable.shape)}"
