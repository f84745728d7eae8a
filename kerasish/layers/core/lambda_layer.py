"""Lambda: wraps a Python function as a layer."""

from __future__ import annotations

import base64
import marshal
import types

from kerasish.layers.layer import Layer
from kerasish.saving import object_registry


class Lambda(Layer):
    """Wraps an arbitrary function of tensors as a layer.

    A named function is serialized by name (load it with `custom_objects` or registration); a Python `lambda` is
    serialized as bytecode, as Keras does, and loading that runs code, so it is refused unless the caller passes
    `safe_mode=False` or calls `kerasish.config.enable_unsafe_deserialization()`.

    Args:
        function: the function, called as `function(inputs, **arguments)`.
        output_shape: the output shape (without batch axis) or a function of the input shape; inferred if None.
        mask: a mask or a function `(inputs, mask) -> mask`.
        arguments: extra keyword arguments for `function`.

    Example:
        layer = Lambda(lambda x: x ** 2)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda's `function` must be callable; received {function!r}.")
        self.function = function
        self.output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = mask is not None
        self.built = True

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self) -> dict:
        config_ = {**super().get_config(), "function": _serialize_function(self.function), "arguments": self.arguments}
        if self.output_shape is not None:
            config_["output_shape"] = (
                _serialize_function(self.output_shape) if callable(self.output_shape) else list(self.output_shape)
            )
        if self.mask is not None:
            config_["mask"] = _serialize_function(self.mask) if callable(self.mask) else self.mask
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects: dict | None = None, safe_mode: bool | None = None):
        config_ = dict(config_)
        safe = object_registry.in_safe_mode() if safe_mode is None else safe_mode
        for key in ("function", "output_shape", "mask"):
            if isinstance(config_.get(key), dict):
                config_[key] = _deserialize_function(config_[key], custom_objects, safe, key)
        return cls(**config_)


def _serialize_function(fn):
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        return {
            "class_name": "__lambda__",
            "config": {"code": code, "defaults": fn.__defaults__, "closure": _closure_values(fn)},
        }
    return object_registry.serialize_keras_object(fn)


def _closure_values(fn):
    if fn.__closure__ is None:
        return None
    return tuple(cell.cell_contents for cell in fn.__closure__)


def _deserialize_function(config_: dict, custom_objects, safe: bool, key: str):
    if config_.get("class_name") != "__lambda__":
        return object_registry.deserialize_keras_object(
            config_, custom_objects=custom_objects, printable_module_name=f"Lambda {key}"
        )
    if safe:
        raise ValueError(
            "Requested the deserialization of a Lambda layer whose `function` is a Python lambda. Loading it "
            "runs code stored in the file, so it is refused by default. If you trust the source of the file, "
            "pass `safe_mode=False` to the loading function or call "
            "`kerasish.config.enable_unsafe_deserialization()`."
        )
    inner = config_["config"]
    code = marshal.loads(base64.b64decode(inner["code"]))
    closure = inner.get("closure")
    if closure is not None:
        closure = tuple(types.CellType(v) for v in closure)
    defaults = tuple(inner["defaults"]) if inner.get("defaults") is not None else None
    return types.FunctionType(code, globals(), code.co_name, defaults, closure)
