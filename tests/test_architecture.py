"""The floors of kerasish: a module imports only modules on its own floor or below (docs/architecture.md).

The check reads every `import` in `kerasish/` (lazy ones inside functions too, since they run as well) and fails
on any import of a higher floor that is not one of the documented exceptions below.
"""

from __future__ import annotations

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "kerasish"

# Bottom to top; a module belongs to the longest prefix that names it.
FLOORS = {
    "ground": [
        "kerasish.config",
        "kerasish.tree",
        "kerasish.utils",
        "kerasish.backend.common",
        "kerasish.saving.object_registry",
        "kerasish.saving.atomic",
    ],
    "ops": [
        "kerasish.ops",
        "kerasish.random",
        "kerasish.mixed_precision.dtype_policy",
        "kerasish.activations",
        "kerasish.initializers",
        "kerasish.regularizers",
        "kerasish.constraints",
    ],
    "layers": ["kerasish.layers", "kerasish.feature_column", "kerasish.losses", "kerasish.optimizers"],
    "training parts": ["kerasish.metrics", "kerasish.callbacks", "kerasish.distribute", "kerasish.mixed_precision"],
    "trainers": ["kerasish.trainers"],
    "models and files": ["kerasish.models", "kerasish.saving", "kerasish.export"],
    "facades": [
        "kerasish",
        "kerasish.backend",
        "kerasish.utils.__init__",
        "kerasish.saving.__init__",
        "kerasish.export.__init__",
        "kerasish.wrappers",
        "kerasish.legacy",
        "kerasish.preprocessing",
        "kerasish.datasets",
        "kerasish.applications",
        "kerasish.dtype_policies",
    ],
}

# Upward imports that are deliberate: (importer, imported) -> why.
EXCEPTIONS: dict[tuple[str, str], str] = {
    (
        "kerasish.config",
        "kerasish.mixed_precision.dtype_policy",
    ): "keras.config names the global dtype policy, which lives with the policies",
    (
        "kerasish.ops.operation",
        "kerasish.layers.operation",
    ): "an op called on KerasTensors becomes a weightless layer of the graph (made on first symbolic use)",
    (
        "kerasish.layers.preprocessing.feature_space",
        "kerasish.saving.h5_format",
    ): "FeatureSpace.save writes a .keras archive",
    (
        "kerasish.layers.preprocessing.feature_space",
        "kerasish.saving.keras3_format",
    ): "FeatureSpace.save writes a .keras archive",
}


def _module_names() -> dict[str, pathlib.Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        names[".".join(parts)] = path
    return names


def _floor(module: str) -> int:
    best, floor = -1, None
    for index, prefixes in enumerate(FLOORS.values()):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, floor = len(prefix), index
    assert floor is not None, f"{module} is on no floor: add it to FLOORS"
    return floor


def _imports(module: str, path: pathlib.Path, modules) -> set[str]:
    package = module.rsplit(".", 1)[0] if not path.name == "__init__.py" else module.removesuffix(".__init__")
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.add(full if full in modules or f"{full}.__init__" in modules else target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("kerasish")}


def upward_imports() -> list[tuple[str, str]]:
    modules = _module_names()
    found = []
    for module, path in sorted(modules.items()):
        for target in sorted(_imports(module, path, modules)):
            resolved = target if target in modules else f"{target}.__init__"
            if _floor(resolved) > _floor(module):
                found.append((module, resolved))
    return found


def test_no_module_imports_a_higher_floor():
    unexpected = [pair for pair in upward_imports() if pair not in EXCEPTIONS]
    assert not unexpected, "upward imports:\n" + "\n".join(f"  {a} -> {b}" for a, b in unexpected)


def test_the_check_finds_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a ground-floor module that imports a model is reported."""
    package = tmp_path / "kerasish"
    (package / "utils").mkdir(parents=True)
    (package / "models").mkdir()
    for init in (package / "__init__.py", package / "utils" / "__init__.py", package / "models" / "__init__.py"):
        init.write_text("")
    (package / "models" / "model.py").write_text("from kerasish.utils import tree\n")
    (package / "utils" / "tree.py").write_text("def f():\n    from kerasish.models.model import Model\n")
    monkeypatch.setitem(globals(), "PACKAGE", package)
    assert upward_imports() == [("kerasish.utils.tree", "kerasish.models.model")]
