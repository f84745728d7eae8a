"""The ground floor (`kerasish/backend/common`) and the facades over it: one tensor conversion and one default
device for every package, ground modules that import nothing above them, ops and random free of layers, and
`kerasish.backend` / `kerasish.utils` that look their upper-floor names up on first use."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import numpy as np
import torch

import kerasish as keras
from kerasish.backend.common import tensors
from kerasish.backend.common.dtypes import result_type
from kerasish.distribute import environment

PACKAGE = pathlib.Path(keras.__file__).parent


def _module_level_imports(path: pathlib.Path) -> set[str]:
    """The kerasish modules `path` imports when it is imported (not those imported inside functions)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("kerasish")}


def test_every_package_converts_and_places_tensors_with_the_ground_floor():
    definitions = {name: [] for name in ("convert_to_tensor", "default_device")}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name in definitions:
                definitions[node.name].append(path.relative_to(PACKAGE).as_posix())
    assert definitions == {
        "convert_to_tensor": ["backend/common/tensors.py"],
        "default_device": ["backend/common/tensors.py"],
    }
    assert keras.ops.convert_to_tensor is tensors.convert_to_tensor
    assert environment.local_device() == tensors.default_device()  # not distributed: the default device
    assert keras.random.normal((2,), seed=1).device == tensors.default_device()


def test_convert_to_tensor_keeps_keras_rules_and_takes_a_device():
    assert tensors.convert_to_tensor([1, 2]).dtype == torch.int32
    assert tensors.convert_to_tensor([1, 2.5]).dtype == torch.float32
    assert tensors.convert_to_tensor(np.zeros(2, np.float64)).dtype == torch.float64
    assert tensors.convert_to_tensor(3, dtype="int8").dtype == torch.int8
    assert tensors.convert_to_tensor([1.0], device="cpu").device == torch.device("cpu")
    assert result_type("int32", float) == "float32"


def test_ground_floor_imports_only_config_utils_and_itself():
    allowed = ("kerasish.config", "kerasish.utils.", "kerasish.backend.common.")
    for path in (PACKAGE / "backend" / "common").glob("*.py"):
        imports = _module_level_imports(path)
        assert all(name.startswith(allowed) for name in imports), (path.name, sorted(imports))


def test_ops_and_random_do_not_import_layers():
    for path in [*(PACKAGE / "ops").glob("*.py"), *(PACKAGE / "random").glob("*.py")]:
        imports = _module_level_imports(path)
        assert not any(name.startswith("kerasish.layers") for name in imports), (path.name, sorted(imports))


def test_facades_load_their_upper_floor_names_on_first_use():
    code = (
        "import sys, kerasish; "
        "print('kerasish.legacy.backend' in sys.modules, kerasish.backend.floatx(), "
        "'kerasish.legacy.backend' in sys.modules, 'floatx' in dir(kerasish.backend), "
        "kerasish.utils.FeatureSpace.__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "float32", "True", "True", "kerasish.layers.preprocessing.feature_space"]


def test_moved_classes_keep_the_module_names_keras_writes():
    from kerasish.backend import relu
    from kerasish.saving.object_registry import serialize_keras_object

    space = keras.utils.FeatureSpace(features={"a": "float"})
    assert serialize_keras_object(space)["module"] == "keras.utils"
    assert serialize_keras_object(relu)["module"] == "keras.backend"
