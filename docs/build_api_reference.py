#!/usr/bin/env python
"""Build kerasish's API reference: one Markdown page per public namespace, from the docstrings.

Usage (from the repository root; needs only kerasish's own dependencies, no network):

    python docs/build_api_reference.py            # writes docs/api/index.md and docs/api/keras.*.md
    python docs/build_api_reference.py --out DIR  # writes the pages elsewhere

Each page lists the namespace's public names (its `__all__`, or else the classes and functions its module
defines) with their signatures, their docstrings and, for classes, the public methods the class itself
defines. The script exits with status 1, after writing what it could, when a namespace fails to import or a
public name has no docstring of its own (tests/docs/test_api_reference.py builds the reference this way).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import pathlib
import re
import sys
import textwrap
import types

# Keras 3's public namespaces (keras.<name>), then kerasish's additions (tf.keras's feature columns, Keras 2's
# text preprocessing and backend). A namespace kerasish does not have is skipped; one that fails to import is
# reported.
NAMESPACES = [
    "",
    "activations",
    "applications",
    "applications.convnext",
    "applications.densenet",
    "applications.efficientnet",
    "applications.efficientnet_v2",
    "applications.imagenet_utils",
    "applications.inception_resnet_v2",
    "applications.inception_v3",
    "applications.mobilenet",
    "applications.mobilenet_v2",
    "applications.mobilenet_v3",
    "applications.nasnet",
    "applications.resnet",
    "applications.resnet50",
    "applications.resnet_v2",
    "applications.vgg16",
    "applications.vgg19",
    "applications.xception",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "datasets.boston_housing",
    "datasets.california_housing",
    "datasets.cifar10",
    "datasets.cifar100",
    "datasets.fashion_mnist",
    "datasets.imdb",
    "datasets.mnist",
    "datasets.reuters",
    "distillation",
    "distribution",
    "dtype_policies",
    "export",
    "initializers",
    "layers",
    "legacy",
    "legacy.saving",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "ops.image",
    "ops.linalg",
    "ops.nn",
    "ops.numpy",
    "optimizers",
    "optimizers.legacy",
    "optimizers.schedules",
    "preprocessing",
    "preprocessing.image",
    "preprocessing.sequence",
    "quantizers",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
    "utils.bounding_boxes",
    "utils.legacy",
    "visualization",
    "wrappers",
    # kerasish's additions to Keras 3's namespaces.
    "experimental",
    "feature_column",
    "legacy.backend",
    "optimizers.experimental",
    "preprocessing.text",
]

SECTION = re.compile(r"^([A-Z][A-Za-z ]{1,30}):\s*$")
LISTED_SECTIONS = {
    "Args",
    "Arguments",
    "Attributes",
    "Call arguments",
    "Input shape",
    "Output shape",
    "Raises",
    "Returns",
    "Yields",
}
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@dataclasses.dataclass
class Report:
    """What one build wrote and what it found wrong."""

    pages: list[pathlib.Path] = dataclasses.field(default_factory=list)
    names: int = 0
    import_errors: list[str] = dataclasses.field(default_factory=list)
    missing_docstrings: list[str] = dataclasses.field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"import error: {e}" for e in self.import_errors] + [
            f"no docstring: {name}" for name in self.missing_docstrings
        ]


def display_name(namespace: str) -> str:
    """The name users write: `import kerasish as keras` makes `kerasish.layers` read `keras.layers`."""
    return "keras" + (f".{namespace}" if namespace else "")


def import_namespace(namespace: str) -> types.ModuleType | None:
    """The namespace's module, or None when kerasish does not have that namespace (other errors propagate)."""
    module_name = "kerasish" + (f".{namespace}" if namespace else "")
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise


def public_names(module: types.ModuleType) -> list[str]:
    """The documented names of a namespace: its `__all__`, else the classes and functions it defines itself."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isclass(value) or inspect.isfunction(value))
            and defined_under(value, module)
        ]
    documented = []
    for name in names:
        value = getattr(module, name)
        # Submodules get pages of their own; constants (weight URLs, tables) have no docstrings to show.
        if isinstance(value, types.ModuleType) or not callable(value):
            continue
        documented.append(name)
    return sorted(documented, key=lambda name: (name.lower(), name))


def defined_under(value, module: types.ModuleType) -> bool:
    """Whether the module (or, for a package, one of its submodules) defines the object, rather than imports it."""
    home = getattr(value, "__module__", "") or ""
    return home == module.__name__ or (hasattr(module, "__path__") and home.startswith(module.__name__ + "."))


def own_docstring(value) -> str | None:
    """A docstring the object itself carries; a class does not inherit one from its base."""
    doc = vars(value).get("__doc__") if inspect.isclass(value) else getattr(value, "__doc__", None)
    if isinstance(doc, str) and doc.strip():
        return inspect.cleandoc(doc)
    return None


def signature_text(value, shown_name: str) -> str:
    """`name(arg, key=default, ...)`, or the bare name when Python cannot read a signature."""
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):
        return shown_name
    # Keras's reference shows names and defaults; the annotations (strings under `from __future__ import
    # annotations`) would double the length.
    parameters = [parameter.replace(annotation=inspect.Parameter.empty) for parameter in signature.parameters.values()]
    plain = signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)
    # Defaults that are objects print with their memory address, which changes every run.
    return shown_name + ADDRESS.sub("", str(plain))


def summary_line(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    return " ".join((doc or "").split("\n\n")[0].split())


def docstring_markdown(doc: str) -> str:
    """Google-style sections as Markdown: `Args:`-like items become a list, indented blocks under other
    headers (`Example:`, ...) become code blocks."""
    out: list[str] = []
    section = None
    code: list[str] = []
    in_fence = False

    def flush_code():
        if code:
            out.extend(["```python", *textwrap.dedent("\n".join(code)).strip("\n").splitlines(), "```"])
            code.clear()

    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            flush_code()
            in_fence = not in_fence
            out.append(stripped)
            continue
        if in_fence:
            out.append(line)
            continue
        header = SECTION.match(line)
        if header:
            flush_code()
            section = header.group(1)
            out.extend(["", f"**{section}:**", ""])
            continue
        indented = line.startswith(" ") and stripped
        if section not in LISTED_SECTIONS and section is not None and (indented or (code and not stripped)):
            code.append(line)
            continue
        flush_code()
        if section in LISTED_SECTIONS and indented:
            depth = len(line) - len(line.lstrip())
            if depth <= 4 or not out or not out[-1].startswith("- "):
                out.append(f"- {stripped}")
            else:
                out[-1] += f" {stripped}"
            continue
        if not line.startswith(" "):
            section = None if not stripped else section
        out.append(stripped if section in LISTED_SECTIONS else line)
    flush_code()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"


def is_private_kerasish(cls: type, public_paths: dict[int, str]) -> bool:
    """A kerasish class with no public name (a mixin such as the Trainer behind Model)."""
    return cls.__module__.startswith("kerasish") and id(cls) not in public_paths


def public_bases(cls: type, public_paths: dict[int, str]) -> list[str]:
    """The nearest public ancestors: a private kerasish base is looked through (its methods join the entry)."""
    names = []
    for base in cls.__bases__:
        if base is object:
            continue
        if is_private_kerasish(base, public_paths):
            names += [name for name in public_bases(base, public_paths) if name not in names]
        else:
            names.append(public_paths.get(id(base), f"{base.__module__}.{base.__qualname__}"))
    return names


def method_entries(cls: type, public_paths: dict[int, str]) -> list[str]:
    """The public methods and properties of a class and its private bases (public bases have their own entry)."""
    owners = [cls] + [klass for klass in cls.__mro__[1:] if is_private_kerasish(klass, public_paths)]
    members: dict[str, object] = {}
    for owner in owners:
        for name, value in vars(owner).items():
            if not name.startswith("_"):
                members.setdefault(name, value)
    entries = []
    for name, value in sorted(members.items()):
        if isinstance(value, property):
            doc = own_docstring(value.fget) if value.fget else None
            entries.append(f"- `{name}` (property)" + (f": {summary_line(doc)}" if doc else ""))
            continue
        function = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
        if not inspect.isfunction(function):
            continue
        doc = own_docstring(function)
        signature = signature_text(function, name)
        if not isinstance(value, staticmethod):  # self or cls is not written at the call
            signature = re.sub(r"^(\w+)\(\w+(, )?", r"\1(", signature)
        entries.append(f"- `{signature}`" + (f": {summary_line(doc)}" if doc else ""))
    return entries


def name_entry(shown_name: str, value, first_seen: dict[int, str], public_paths: dict[int, str]) -> str:
    """One name's section: heading, signature, docstring, and a class's own methods."""
    lines = [f"### `{shown_name}`", ""]
    if id(value) in first_seen:
        return "\n".join([*lines, f"Alias of [`{first_seen[id(value)]}`](#{anchor(first_seen[id(value)])}).", ""])
    first_seen[id(value)] = shown_name
    lines += ["```python", signature_text(value, shown_name), "```", ""]
    if inspect.isclass(value):
        bases = public_bases(value, public_paths)
        lines += [f"Bases: {', '.join(f'`{base}`' for base in bases)}", ""] if bases else []
    lines.append(docstring_markdown(own_docstring(value) or "(no docstring)"))
    if inspect.isclass(value):
        methods = method_entries(value, public_paths)
        if methods:
            lines += ["**Methods:**", "", *methods, ""]
    return "\n".join(lines)


def anchor(heading: str) -> str:
    """The anchor Markdown renderers give a heading like "### `keras.layers.Dense`"."""
    return re.sub(r"[^a-z0-9_-]", "", heading.lower())


def namespace_page(namespace: str, module: types.ModuleType, report: Report, public_paths: dict[int, str]) -> str:
    """The Markdown page of one namespace."""
    title = display_name(namespace)
    names = public_names(module)
    lines = [f"# `{title}`", "", summary_line(own_docstring(module)), "", f"{len(names)} public names.", ""]
    lines += [", ".join(f"[`{name}`](#{anchor(f'{title}.{name}')})" for name in names), ""]
    first_seen: dict[int, str] = {}
    for name in names:
        value = getattr(module, name)
        shown = f"{title}.{name}"
        report.names += 1
        if own_docstring(value) is None and id(value) not in first_seen:
            report.missing_docstrings.append(shown)
        lines.append(name_entry(shown, value, first_seen, public_paths))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def build(out_dir: pathlib.Path) -> Report:
    """Write docs/api-style pages into `out_dir` and return what was written and what is wrong."""
    out_dir.mkdir(parents=True, exist_ok=True)
    report = Report()
    index = [
        "# API reference",
        "",
        "Generated from kerasish's docstrings by `python docs/build_api_reference.py`. Names are written the way",
        "a script that does `import kerasish as keras` spells them.",
        "",
    ]
    modules = {}
    for namespace in NAMESPACES:
        try:
            module = import_namespace(namespace)
        except Exception as error:  # any failure to import is what the build reports
            report.import_errors.append(f"{display_name(namespace)}: {type(error).__name__}: {error}")
            continue
        if module is not None:
            modules[namespace] = module
    # Where each object is first documented, so a class's bases read as public names.
    public_paths: dict[int, str] = {}
    for namespace, module in modules.items():
        for name in public_names(module):
            public_paths.setdefault(id(getattr(module, name)), f"{display_name(namespace)}.{name}")
    for namespace, module in modules.items():
        page = out_dir / f"{display_name(namespace)}.md"
        page.write_text(namespace_page(namespace, module, report, public_paths))
        report.pages.append(page)
        index.append(f"- [`{display_name(namespace)}`]({page.name}) ({len(public_names(module))} names)")
    index_page = out_dir / "index.md"
    index_page.write_text("\n".join(index) + "\n")
    report.pages.insert(0, index_page)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent / "api")
    args = parser.parse_args(argv)
    report = build(args.out)
    print(f"wrote {len(report.pages)} pages ({report.names} names) to {args.out}")
    for problem in report.problems:
        print(problem, file=sys.stderr)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
