"""The object registry: kerasish's own classes register themselves by name (as Keras's `keras_export` does), so
the modules that read configs and walk weights import no model class; `building_from_config` is the one way a
damaged config becomes a ValueError saying where."""

import ast
import pathlib

import pytest

import kerasish as keras
from kerasish.models.functional import Functional
from kerasish.models.sequential import Sequential
from kerasish.saving import object_registry

PACKAGE = pathlib.Path(keras.__file__).parent


def test_models_and_layers_answer_by_name_from_the_registry():
    layers = object_registry.builtin_objects("layers")
    assert layers["Functional"] is Functional and layers["Model"] is Functional
    assert layers["Sequential"] is Sequential
    assert layers["Dense"] is keras.layers.Dense and layers["InputLayer"] is keras.layers.InputLayer
    model = object_registry.deserialize_keras_object(
        {"class_name": "Sequential", "config": {"name": "s", "layers": []}}, module_objects=layers
    )
    assert type(model) is Sequential and model.name == "s"


def test_register_builtin_keeps_namespaces_apart_and_out_of_the_custom_objects():
    class Probe:
        pass

    custom = dict(object_registry.get_custom_objects())
    try:
        assert object_registry.register_builtin("test_namespace", "Alias")(Probe) is Probe
        assert object_registry.builtin_objects("test_namespace") == {"Probe": Probe, "Alias": Probe}
        assert "Probe" not in object_registry.builtin_objects("layers")
        assert object_registry.get_custom_objects() == custom
        with pytest.raises(TypeError):  # a read-only view: only register_builtin adds names
            object_registry.builtin_objects("test_namespace")["Other"] = Probe
    finally:
        object_registry._BUILTIN_OBJECTS.pop("test_namespace", None)


def test_models_say_what_they_are():
    inputs = keras.Input((3,))
    functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))

    class Custom(keras.Model):  # a subclass passing inputs and outputs on becomes functional
        pass

    assert functional._obj_type() == "Functional"
    assert Custom(inputs, keras.layers.Dense(2)(inputs))._obj_type() == "Functional"
    assert keras.Sequential([keras.layers.Dense(1)])._obj_type() == "Sequential"


def _kerasish_imports(path: pathlib.Path) -> set[str]:
    """Every kerasish module `path` imports, at any depth (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kerasish"):
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("kerasish"))
    return found


@pytest.mark.parametrize(
    "module",
    [
        "layers/__init__.py",
        "saving/keras3_format.py",
        "saving/h5_format.py",
        "saving/saving_api.py",
        "saving/object_registry.py",
    ],
)
def test_the_modules_that_read_configs_and_walk_weights_import_no_model_class(module):
    imports = _kerasish_imports(PACKAGE / module)
    assert not [name for name in imports if name.startswith(("kerasish.models", "kerasish.layers.models"))]


def test_a_failure_while_building_becomes_a_value_error_saying_where():
    with pytest.raises(ValueError, match=r"^layer 2 \(Dense 'd'\): its config is damaged \(KeyError: 'units'\)"):
        with object_registry.building_from_config("layer 2 (Dense 'd')"):
            raise KeyError("units")
    with pytest.raises(ValueError, match=r"^Cannot build the model in 'm.keras': units must be positive$"):
        with object_registry.building_from_config("Cannot build the model in 'm.keras'", named="m.keras"):
            raise ValueError("units must be positive")


def test_an_error_that_already_says_where_passes_unchanged():
    with pytest.raises(ValueError, match=r"^outer: inner: bad$"):
        with object_registry.building_from_config("outer"):
            with object_registry.building_from_config("inner"):
                with object_registry.building_from_config("inner"):
                    raise ValueError("bad")
    # An error that names the file (a weights file that does not fit) needs no prefix.
    with pytest.raises(ValueError, match=r"^Cannot load 'm.keras:model.weights.h5' into 'model'$"):
        with object_registry.building_from_config("Cannot build the model in 'm.keras'", named="m.keras"):
            raise ValueError("Cannot load 'm.keras:model.weights.h5' into 'model'")


def test_packages_register_their_tables_so_their_modules_look_names_up_at_call_time():
    """Each package's table (aliases and Keras 2 spellings included) is a registry namespace: the modules the
    package imports (LossFunctionWrapper, MeanMetricWrapper, LossScaleOptimizer) read it, not the package."""
    losses = object_registry.builtin_objects("losses")
    assert losses["mse"] is keras.losses.mean_squared_error and losses["huber_loss"] is keras.losses.huber
    assert losses["BinaryCrossentropy"] is keras.losses.BinaryCrossentropy
    metrics = object_registry.builtin_objects("metrics")
    assert metrics["mse"] is keras.metrics.MeanSquaredError and metrics["auc"] is keras.metrics.AUC
    functions = object_registry.builtin_objects("metric_functions")
    assert functions["accuracy"] is keras.metrics.accuracy and "Accuracy" not in functions
    optimizers = object_registry.builtin_objects("optimizers")
    assert optimizers["adam"] is keras.optimizers.Adam and "Adam" not in optimizers  # looked up lower-cased
    assert set(keras.losses.ALL_OBJECTS_DICT.items()) <= set(losses.items())
    wrapper = keras.losses.LossFunctionWrapper.from_config({"fn": "huber_loss", "name": "h", "delta": 2.0})
    assert wrapper.fn is keras.losses.huber
    metric = keras.metrics.MeanMetricWrapper.from_config({"fn": "accuracy", "name": "a"})
    assert metric._fn is keras.metrics.accuracy
    scaled = keras.optimizers.LossScaleOptimizer.from_config(
        {"inner_optimizer": {"class_name": "ADAM", "config": {"learning_rate": 0.5}}, "initial_scale": 8.0}
    )
    assert type(scaled.inner_optimizer) is keras.optimizers.Adam and float(scaled.inner_optimizer.learning_rate) == 0.5


def test_register_builtins_adds_a_table_under_its_own_names():
    def fn():
        pass

    try:
        object_registry.register_builtins("test_namespace", {"short": fn, "fn": fn})
        assert object_registry.builtin_objects("test_namespace") == {"short": fn, "fn": fn}
    finally:
        object_registry._BUILTIN_OBJECTS.pop("test_namespace", None)


def _package_symbols_imported(path: pathlib.Path) -> list[str]:
    """Names `path` imports from the `__init__` of a package it is inside (`from kerasish import layers` in
    kerasish/layers/rnn/rnn.py): each is an import cycle, since that package imports the module."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    ancestors = {".".join(relative.parts[:i]) for i in range(2, len(relative.parts))}
    found = []
    for name in _kerasish_imports(path):
        file = PACKAGE.parent / name.replace(".", "/")
        is_module = file.with_suffix(".py").exists() or (file / "__init__.py").exists()
        if (name if is_module else name.rpartition(".")[0]) in ancestors:
            found.append(name)
    return found


@pytest.mark.parametrize(
    "module",
    [
        "layers/serialization.py",
        "layers/rnn/rnn.py",
        "layers/rnn/bidirectional.py",
        "layers/rnn/stacked_rnn_cells.py",
        "layers/rnn/time_distributed.py",
        "losses/losses.py",
        "metrics/reduction_metrics.py",
        "metrics/confusion_metrics.py",
        "optimizers/loss_scale_optimizer.py",
    ],
)
def test_modules_a_package_imports_take_nothing_from_that_package(module):
    assert _package_symbols_imported(PACKAGE / module) == []
