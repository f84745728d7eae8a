"""The one object registry behind every `get`/`serialize`/`deserialize` in kerasish.

Objects serialize to Keras 3's dict shape::

    {"module": "keras.layers", "class_name": "Dense", "config": {...}, "registered_name": None}

and Keras 2's shape (`{"class_name": ..., "config": ...}`) deserializes too. Deserialization only ever looks
names up in dictionaries (custom objects, the registry, the module's own public objects): it never imports a
module named in a file, so loading a config cannot run arbitrary code.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kerasish import config

_GLOBAL_CUSTOM_OBJECTS: dict[str, Any] = {}
_GLOBAL_CUSTOM_NAMES: dict[Any, str] = {}
# kerasish's own objects by the namespace their configs are read in: "layers" (layers, and models, which Keras
# deserializes as layers), "losses", "metrics", "metric_functions", "optimizers". Filled as the classes are defined
# or exported (`register_builtin`, `register_builtins`), as Keras's `keras_export` fills its table, so a reader of
# configs looks names up here and imports neither the class it may name nor the package that lists it.
_BUILTIN_OBJECTS: dict[str, dict[str, Any]] = {}
_SCOPE = threading.local()


def _scope_stack() -> list[dict]:
    if not hasattr(_SCOPE, "stack"):
        _SCOPE.stack = []
    return _SCOPE.stack


class CustomObjectScope:
    """Makes custom objects visible to deserialization inside a `with` block.

    Args:
        custom_objects: `{name: class or function}` (None: nothing); tf.keras 2 also took several dicts
            positionally, merged in order (later ones win).

    Example:
        with CustomObjectScope({"MyLayer": MyLayer}):
            model = kerasish.models.model_from_json(text)
    """

    def __init__(self, custom_objects: dict | None, *args: dict | None):
        self.custom_objects = {}
        for objects in (custom_objects, *args):
            if objects is not None and not isinstance(objects, Mapping):
                raise ValueError(
                    f"CustomObjectScope takes dicts of custom objects; received {type(objects).__name__}: {objects!r}"
                )
            self.custom_objects.update(objects or {})

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


class SafeModeScope:
    """Sets whether deserialization may load Python bytecode (Lambda layers) inside a `with` block.

    Example:
        with SafeModeScope(False):  # only for files you trust
            model = kerasish.models.model_from_json(text)
    """

    def __init__(self, safe_mode: bool | None = True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self.previous = getattr(_SCOPE, "safe_mode", None)
        _SCOPE.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc):
        _SCOPE.safe_mode = self.previous


def in_safe_mode() -> bool:
    """Whether loading refuses Python bytecode: the innermost `SafeModeScope`, else the global setting."""
    scoped = getattr(_SCOPE, "safe_mode", None)
    if scoped is not None:
        return scoped
    return config.in_safe_mode()


def get_custom_objects() -> dict:
    """The global dict of registered custom objects (mutable, as in Keras)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Registers a class or function under `"package>name"` so configs that name it can be loaded.

    Example:
        @register_keras_serializable(package="MyLayers")
        class Scale(kerasish.layers.Layer): ...
    """

    def decorator(obj):
        registered_name = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__}: a class must define get_config().")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj

    return decorator


def register_builtin(namespace: str, *aliases: str) -> Callable:
    """Registers one of kerasish's own classes in `namespace` under its name (and `aliases`), as Keras's
    `keras_export` does; deserialization finds it there without importing the module that defines it.

    Example:
        @register_builtin("layers", "Model")  # configs naming "Functional" or "Model" build a Functional
        class Functional(Model): ...
    """

    def decorator(obj):
        table = _BUILTIN_OBJECTS.setdefault(namespace, {})
        for name in (obj.__name__, *aliases):
            table[name] = obj
        return obj

    return decorator


def register_builtins(namespace: str, objects: Mapping[str, Any]) -> None:
    """Registers a package's table of its own objects in `namespace` under the table's names (aliases and all),
    so the modules the package imports look names up here when a config is read, not in the package.

    Example:
        register_builtins("losses", {"mse": mean_squared_error, "mean_squared_error": mean_squared_error})
    """
    _BUILTIN_OBJECTS.setdefault(namespace, {}).update(objects)


def builtin_objects(namespace: str) -> Mapping[str, Any]:
    """kerasish's own classes registered in `namespace` (see `register_builtin`), by name; read-only."""
    return types.MappingProxyType(_BUILTIN_OBJECTS.setdefault(namespace, {}))


def obj_type(obj) -> str:
    """What `obj` is to Keras's saving code, which asks rather than checking classes: its `_obj_type()`
    ("Functional" and "Sequential" models say so), else "Layer"."""
    answer = getattr(obj, "_obj_type", None)
    return answer() if answer is not None else "Layer"


def get_registered_name(obj) -> str:
    """The name an object is serialized under: its registered name, else its class or function name."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None):
    """Looks `name` up in `custom_objects`, open scopes, the global registry, then `module_objects`."""
    for table in [custom_objects or {}, *reversed(_scope_stack()), _GLOBAL_CUSTOM_OBJECTS, module_objects or {}]:
        if name in table:
            return table[name]
    # A registered name ("Pkg>Name") may be referred to by its bare class name, as Keras 2 files do.
    if ">" not in name:
        for registered, obj in _GLOBAL_CUSTOM_OBJECTS.items():
            if registered.split(">", 1)[1] == name:
                return obj
    return None


def _public_module(obj) -> str:
    """`kerasish.layers.core.dense` -> `keras.layers`: the module name real Keras writes."""
    module = getattr(obj, "__module__", "") or ""
    parts = module.split(".")
    if parts[0] == "kerasish" and len(parts) > 1:
        if parts[1:3] == ["optimizers", "schedules"]:  # Keras's one public sub-package among ours
            return "keras.optimizers.schedules"
        if parts[1] == "ops" and len(parts) > 2:  # op classes, named where Keras 3 defines them
            return "keras.src.ops." + parts[2]
        if parts[1] == "models":  # Keras exports Model and Sequential at the top; Functional only privately
            return "keras.src.models.functional" if getattr(obj, "__name__", "") == "Functional" else "keras"
        if parts[1:4] == ["layers", "preprocessing", "feature_space"]:  # a layer Keras exports from keras.utils
            return "keras.utils"
        if parts[1] == "legacy" and len(parts) > 2:  # Keras 2's `K` functions: keras.backend
            return "keras." + parts[2]
        return "keras." + parts[1]
    return module


def serialize_keras_object(obj) -> Any:
    """Serializes a kerasish object (or a plain value) to JSON-compatible data in Keras 3's shape."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, types.FunctionType) or (callable(obj) and not hasattr(obj, "get_config")):
        name = get_registered_name(obj)
        return {
            "module": _public_module(obj),
            "class_name": "function",
            "config": name,
            "registered_name": name,
        }
    if hasattr(obj, "get_config"):
        cls = obj.__class__
        registered = _GLOBAL_CUSTOM_NAMES.get(cls)
        return {
            "module": None if registered else _public_module(cls),
            # A class Keras exports under another name (GroupedQueryAttention as GroupQueryAttention) says so in its
            # own `_keras_class_name`; subclasses do not inherit it.
            "class_name": cls.__dict__.get("_keras_class_name", cls.__name__),
            "config": obj.get_config(),
            "registered_name": registered,
        }
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return obj.tolist()
    raise TypeError(f"Cannot serialize {obj!r} of type {type(obj).__name__}: it has no get_config().")


def deserialize_keras_object(
    config,
    module_objects: dict | None = None,
    custom_objects: dict | None = None,
    printable_module_name: str = "object",
):
    """Builds an object from a name or a `{"class_name", "config"}` dict.

    Args:
        config: a string name, or a dict in Keras 2 or Keras 3 shape, or None.
        module_objects: the module's own public objects by name (and alias).
        custom_objects: user objects by name, looked up first.
        printable_module_name: what to call the object in error messages ("loss", "layer", ...).
    """
    if config is None:
        return None
    if isinstance(config, str):
        obj = get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            raise ValueError(_unknown(printable_module_name, config, custom_objects, module_objects))
        return obj() if inspect.isclass(obj) else obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Could not interpret {printable_module_name} config: expected a name or a dict with "
            f"'class_name' and 'config', got {config!r}."
        )
    class_name = config["class_name"]
    inner = config.get("config", {})
    registered_name = config.get("registered_name")
    if not isinstance(class_name, str) or not isinstance(registered_name, (str, type(None))):
        raise ValueError(
            f"Could not interpret {printable_module_name} config: 'class_name' (and 'registered_name', "
            f"if given) must be strings; got {class_name!r} and {registered_name!r}."
        )
    if class_name == "function":  # Keras 3 serialized function: the name is in "config"
        name = registered_name or inner
        if not isinstance(name, str):
            raise ValueError(
                f"Could not interpret {printable_module_name} config: a function's 'config' must be its "
                f"name; got {inner!r}."
            )
        obj = get_registered_object(name, custom_objects, module_objects)
        if obj is None and isinstance(inner, str):
            obj = get_registered_object(inner, custom_objects, module_objects)
        if obj is None:
            raise ValueError(_unknown(printable_module_name, name, custom_objects, module_objects))
        return obj
    name = registered_name or class_name
    cls = get_registered_object(name, custom_objects, module_objects)
    if cls is None and name != class_name:
        cls = get_registered_object(class_name, custom_objects, module_objects)
    if cls is None:
        raise ValueError(_unknown(printable_module_name, name, custom_objects, module_objects))
    if not inspect.isclass(cls):
        return cls
    if hasattr(cls, "from_config"):
        try:
            return cls.from_config(inner)
        except TypeError as e:
            raise TypeError(f"{class_name}.from_config could not use config {_abridged(inner)}: {e}") from e
    return cls(**inner)


@contextlib.contextmanager
def building_from_config(where: str, named: str | None = None) -> Iterator[None]:
    """Any error while building objects from a config becomes a ValueError that starts with `where` (a file, a
    layer of a model): a damaged config must say what is wrong, never surface as an internal error (KeyError,
    AttributeError, IndexError, ...) from deep inside a layer. Nested scopes give the path to the damage.

    Args:
        where: what is being built, put in front of the message.
        named: a ValueError whose message already holds this (by default `where`: an inner scope said it) passes
            unchanged; a loader passes its file's path, so errors that name the file are not prefixed again.

    Example:
        with building_from_config(f"layer {index} ({config_label(layer_config)})"):
            layer = deserialize(layer_config)
        # ValueError: Cannot build a model from this config: layer 2 (Dense 'dense_1'): units must be positive
    """
    try:
        yield
    except ValueError as e:
        if (where if named is None else named) in str(e):
            raise
        raise ValueError(f"{where}: {e}") from e
    except Exception as e:  # whatever a damaged config makes a constructor raise
        raise ValueError(f"{where}: its config is damaged ({type(e).__name__}: {e}).") from e


def config_label(config) -> str:
    """How error messages name what a config describes: `Dense 'dense_1'`, or what it is when it is no config."""
    if not isinstance(config, dict):
        return f"a {type(config).__name__} where a config dict belongs"
    inner = config.get("config")
    name = inner.get("name") if isinstance(inner, dict) else None
    if name is None:
        name = config.get("name")  # tf.keras 2 writes a functional model's layer names beside their configs
    class_name = config.get("class_name")
    return f"{class_name if isinstance(class_name, str) else _abridged(class_name, 40)} {_abridged(name, 80)}"


def get_object(identifier, deserialize: Callable, kind: str, accept: Callable = callable):
    """The body every module's `get` shares: a name or config dict is deserialized, a class is instantiated with
    its defaults, an object passes through; the result must satisfy `accept`.

    Args:
        identifier: a name, a config dict, a class or an object (None is handled by the caller).
        deserialize: the module's `deserialize`.
        kind: what to call it in the error ("loss", "metric", ...).
        accept: the check the result must pass (callable by default).
    """
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if inspect.isclass(obj):
        obj = obj()
    if not accept(obj):
        raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")
    return obj


def _abridged(value, limit: int = 300) -> str:
    """A repr short enough for an error message (a model's config can be megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


def _unknown(kind: str, name, custom_objects: dict | None = None, module_objects: dict | None = None) -> str:
    known = sorted(
        {
            str(k)
            for table in (module_objects or {}, _GLOBAL_CUSTOM_OBJECTS, custom_objects or {}, *_scope_stack())
            for k in table
        }
    )
    listing = ", ".join(known) if len(known) <= 60 else ", ".join(known[:60]) + f", ... ({len(known)} in all)"
    return (
        f"Unknown {kind}: '{name}'. Known {kind} names: {listing or 'none'}. If '{name}' is your own class or "
        f"function, pass it when loading (`load_model(path, custom_objects={{'{name}': {name}}})`), open a "
        f"`CustomObjectScope`, or decorate it with `@kerasish.saving.register_keras_serializable()`."
    )
