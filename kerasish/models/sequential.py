"""Sequential: a plain stack of layers, each feeding the next."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from kerasish.backend.common.keras_tensor import KerasTensor
from kerasish.layers import deserialize, serialize
from kerasish.layers.input_layer import InputLayer
from kerasish.layers.layer import Layer
from kerasish.models.model import Model
from kerasish.saving.object_registry import building_from_config, config_label, register_builtin


@register_builtin("layers")
class Sequential(Model):
    """A linear stack of layers.

    The input shape comes from an `Input` (first element or `add`), from `input_shape=`/`input_dim=` on the first
    layer (Keras 2), or from the first call on data (lazy build). Once it is known, `add` checks each new layer
    against it and `summary()` shows output shapes.

    Example:
        model = kerasish.Sequential([
            kerasish.Input(shape=(16,)),
            kerasish.layers.Dense(32, activation="relu"),
            kerasish.layers.Dense(1),
        ])
    """

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None, **kwargs):
        if isinstance(trainable, str) and name is None:  # Keras 2's `Sequential(layers, name)`
            trainable, name = True, trainable
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self.inputs = None
        self.outputs = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._rebuild()

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def _obj_type(self) -> str:
        """What this model is, as Keras's `_obj_type()` says it: weights files hold a Sequential model's `layers`
        first."""
        return "Sequential"

    def add(self, layer, rebuild: bool = True) -> None:
        """Appends a layer (or an `Input`) to the stack."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(
                    f'Sequential model "{self.name}": an Input can only be the first element; this '
                    f"model already has {'an input' if self._input_layer else 'layers'}."
                )
            self._input_layer = layer
            self._rebuild()
            return
        if not isinstance(layer, torch.nn.Module) or not isinstance(layer, Layer):
            raise ValueError(
                f"Only instances of `kerasish.layers.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(
                f'All layers added to a Sequential model should have unique names. Name "{layer.name}" '
                f"is already the name of a layer in this model. Update the `name` argument to pass a "
                f"unique name."
            )
        if not self._stack and self._input_layer is None and layer._batch_input_shape is not None:
            self._input_layer = InputLayer(batch_shape=layer._batch_input_shape, dtype=layer.dtype)
        symbolic = rebuild and self._input_layer is not None
        if symbolic:
            # Only the new layer runs symbolically, on the stack's current output, so n adds cost n calls (not
            # n²); and it runs before the layer joins the stack, so a layer that does not fit changes nothing.
            output = layer(self._stack_output())
        self._stack.append(layer)
        self._register(layer)
        if symbolic:
            self.outputs = [output]
            self.built = True

    def pop(self, rebuild: bool = True) -> Layer:
        """Removes and returns the last layer."""
        if not self._stack:
            raise IndexError("There are no layers in the model.")
        layer = self._stack.pop()
        for key, module in list(self._modules.items()):
            if module is layer:
                del self._modules[key]
        if rebuild:
            self._rebuild()
        return layer

    def _register(self, layer: Layer) -> None:
        key = layer.name.replace(".", "_")
        if key in self._modules or hasattr(type(self), key) or key in self.__dict__:
            key = f"layer_{len(self._stack) - 1}"
        self.add_module(key, layer)

    def _stack_output(self) -> KerasTensor:
        """The stack's symbolic output, running the stack again only if it changed without a rebuild."""
        last = self._stack[-1] if self._stack else self._input_layer
        if not self.outputs or self.outputs[0]._keras_history[0] is not last:
            self._rebuild()
        return self.outputs[0]

    def _rebuild(self) -> None:
        """With a known input, runs the stack symbolically: builds the layers, checks shapes, records outputs."""
        if self._input_layer is None:
            return
        x = self._input_layer.output_tensor
        for layer in self._stack:
            x = layer(x)
        self.inputs = [self._input_layer.output_tensor]
        self.outputs = [x]
        self.built = bool(self._stack)
        self._build_shapes = self._input_layer.batch_shape

    def build(self, input_shape=None) -> None:
        """Builds the stack for inputs of `input_shape` (the batch axis included)."""
        if self._input_layer is None:
            if input_shape is None:
                raise ValueError(
                    f'Sequential model "{self.name}" cannot be built: no input shape is known. Add an '
                    f"`Input(shape=...)` or pass `input_shape`."
                )
            self._input_layer = InputLayer(batch_shape=(None,) + tuple(input_shape[1:]))
        self._rebuild()

    def call(self, inputs, training=None, mask=None):
        input_layer = self.__dict__.get("_input_layer") or self._modules.get("_input_layer")
        if input_layer is not None:
            inputs = input_layer.conform(inputs)
        for layer in self._stack:
            inputs = layer(inputs)
        return inputs

    @property
    def input_shape(self):
        return self._input_layer.batch_shape if self._input_layer is not None else None

    @property
    def output_shape(self):
        """The output shape for the model's input shape (Keras's error when the model has no input shape yet)."""
        if self._build_shapes is None and self.input_shape is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined output shape yet.")
        return self.compute_output_shape(self.input_shape or self._build_shapes)

    @property
    def output_names(self) -> list[str]:
        return [self._stack[-1].name] if self._stack else []

    # ---- Keras 2's classifier methods (removed in TF 2.6), with their deprecation warnings ----------------------

    def predict_proba(self, x, batch_size: int = 32, verbose=0) -> np.ndarray:
        """`predict` (Keras 2, deprecated), warning when the outputs are not probabilities."""
        warnings.warn(
            "`model.predict_proba()` is deprecated and will be removed after 2021-01-01. Please use "
            "`model.predict()` instead.",
            stacklevel=2,
        )
        preds = self.predict(x, batch_size=batch_size, verbose=verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn(
                "Network returning invalid probability values. The last layer might not normalize "
                "predictions into probabilities (like softmax or sigmoid would).",
                stacklevel=2,
            )
        return preds

    def predict_classes(self, x, batch_size: int = 32, verbose=0) -> np.ndarray:
        """Class predictions (Keras 2, deprecated): the argmax of several outputs, `proba > 0.5` (int32) of one."""
        warnings.warn(
            "`model.predict_classes()` is deprecated and will be removed after 2021-01-01. Please use "
            "instead:* `np.argmax(model.predict(x), axis=-1)`,   if your model does multi-class "
            "classification   (e.g. if it uses a `softmax` last-layer activation).* "
            '`(model.predict(x) > 0.5).astype("int32")`,   if your model does binary classification   '
            "(e.g. if it uses a `sigmoid` last-layer activation).",
            stacklevel=2,
        )
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def get_config(self) -> dict:
        layers = [serialize(self._input_layer)] if self._input_layer is not None else []
        layers += [serialize(layer) for layer in self._stack]
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype, "layers": layers}
        if self._build_shapes is not None:
            config["build_input_shape"] = list(self._build_shapes)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        if isinstance(config, list):  # Keras 1 wrote a bare list of layer configs
            config = {"layers": config}
        _check_config(config)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        # All layers first, then one symbolic run of the stack.
        for index, layer_config in enumerate(config["layers"]):
            with building_from_config(f"layer {index} ({config_label(layer_config)})"):
                model.add(deserialize(layer_config, custom_objects=custom_objects), rebuild=False)
        build_input_shape = config.get("build_input_shape")
        if model._input_layer is None and build_input_shape:
            with building_from_config(f"build_input_shape {build_input_shape!r}"):
                model.build(tuple(build_input_shape))
        else:
            model._rebuild()
        return model


def _check_config(config) -> None:
    if not isinstance(config, dict):
        raise ValueError(f"A Sequential config must be a dict with a `layers` list; received {type(config).__name__}.")
    if "layers" not in config:
        raise ValueError(f"A Sequential config needs `layers`, a list of layer configs; it has only {sorted(config)}.")
    if not isinstance(config["layers"], list):
        raise ValueError(
            f"A Sequential config needs `layers`, a list of layer configs; received {type(config['layers']).__name__}."
        )
    if config.get("name") is not None and not isinstance(config["name"], str):
        raise ValueError(f"A Sequential config's `name` must be a string; received {config['name']!r}.")
    shape = config.get("build_input_shape")
    if shape is not None and not (isinstance(shape, list) and all(d is None or type(d) is int for d in shape)):
        raise ValueError(
            f"A Sequential config's `build_input_shape` must be a list of ints and nulls; received {shape!r}."
        )
