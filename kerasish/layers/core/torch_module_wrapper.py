"""TorchModuleWrapper: a `torch.nn.Module` as a kerasish layer (its parameters train, save and load)."""

from __future__ import annotations

import base64
import io

import numpy as np
import torch

from kerasish.layers.layer import Layer, _WeightSpec
from kerasish.saving import object_registry

_MODULE_PREFIX = "module."


class TorchModuleWrapper(Layer):
    """Makes any `torch.nn.Module` a layer: its parameters are the layer's weights (trained by `fit`, listed by
    `weights`, set by `set_weights`), and its whole `state_dict` (buffers such as BatchNorm statistics included)
    is what weight files hold for it, under the state-dict keys, as Keras's torch backend writes them.

    The module runs in training mode in training calls and in evaluation mode otherwise. The layer does not move
    the module: `fit` moves the model to its device, as for every layer.

    Args:
        module: a `torch.nn.Module`; a lazy module must have been initialized (called once) first.
        name: the layer's name.
        output_shape: the output shape, for shape inference without running the module (optional).

    Example:
        model = kerasish.Sequential([kerasish.Input((4,)), TorchModuleWrapper(torch.nn.Linear(4, 2))])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y)  # trains the Linear's weight and bias
    """

    def __init__(self, module, name: str | None = None, output_shape=None, **kwargs):
        if not isinstance(module, torch.nn.Module):
            raise ValueError(f"TorchModuleWrapper expects a `torch.nn.Module`. Received: module={module!r}")
        if isinstance(module, torch.nn.modules.lazy.LazyModuleMixin) and module.has_uninitialized_params():
            raise ValueError(
                f"LazyModules are not supported unless they are already initialized. Received uninitialized "
                f"LazyModule: module={module}"
            )
        super().__init__(name=name, **kwargs)
        self.module = module
        self.output_shape = output_shape
        # The module's parameters are this layer's weights, read where they live (`module.<name>`), not copied.
        for parameter_name, parameter in module.named_parameters():
            self._weight_specs.append(
                _WeightSpec(parameter_name, _MODULE_PREFIX + parameter_name, parameter.requires_grad, assigned=True)
            )
        if not self._trainable:
            self.trainable = False
        self.built = True

    def __getattr__(self, name: str):
        if name.startswith(_MODULE_PREFIX):
            return self.get_parameter(name)
        return super().__getattr__(name)

    def call(self, *args, training=None, **kwargs):
        self.module.train(bool(training))
        return self.module(*args, **kwargs)

    def compute_output_shape(self, input_shape):
        if self.output_shape is None:
            return super().compute_output_shape(input_shape)
        return self.output_shape

    def save_own_variables(self, store) -> None:
        """The module's `state_dict`, by key (parameters and buffers), as Keras writes it."""
        for key, value in self.module.state_dict().items():
            store[key] = value.detach()

    def load_own_variables(self, store) -> None:
        """Loads a `state_dict` written by `save_own_variables` (or by Keras); every key and shape is checked
        before anything is assigned."""
        current = self.module.state_dict()
        state = {}
        for key in store.keys():
            name = key.decode() if isinstance(key, bytes) else str(key)
            value = store[key]
            state[name] = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
        if set(state) != set(current):
            raise ValueError(
                f"Layer '{self.name}' (TorchModuleWrapper) expected the variables {sorted(current)}, but received "
                f"{sorted(state)} during loading."
            )
        for key, value in state.items():
            if tuple(value.shape) != tuple(current[key].shape):
                raise ValueError(
                    f"Layer '{self.name}' (TorchModuleWrapper) variable {key!r}: expected shape "
                    f"{tuple(current[key].shape)}, received a value of shape {tuple(value.shape)} during loading."
                )
        self.module.load_state_dict(state)

    def get_config(self) -> dict:
        # As Keras: the module itself, pickled by torch.save and base64-encoded (loading it needs safe_mode=False).
        buffer = io.BytesIO()
        torch.save(self.module, buffer)
        return {
            **super().get_config(),
            "module": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "output_shape": self.output_shape,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None, safe_mode: bool | None = None):
        config = dict(config)
        if isinstance(config.get("module"), str):
            if (safe_mode if safe_mode is not None else object_registry.in_safe_mode()) is not False:
                raise ValueError(
                    "Requested the deserialization of a `torch.nn.Module` object via `torch.load()`. This carries a "
                    "potential risk of arbitrary code execution and thus it is disallowed by default. If you trust "
                    "the source of the artifact, you can override this error by passing `safe_mode=False` to the "
                    "loading function, or calling `keras.config.enable_unsafe_deserialization()`."
                )
            data = base64.b64decode(config["module"].encode("ascii"))
            config["module"] = torch.load(io.BytesIO(data), weights_only=False)
        return cls(**config)
