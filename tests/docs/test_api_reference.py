"""The API reference (docs/build_api_reference.py) builds offline, from every public namespace, with a docstring
for every public name; its Markdown keeps signatures, argument lists and examples readable."""

import importlib.util
import inspect
import pathlib
import sys
import types

import pytest

import kerasish as keras

SCRIPT = pathlib.Path(__file__).parents[2] / "docs" / "build_api_reference.py"


@pytest.fixture(scope="module")
def builder():
    spec = importlib.util.spec_from_file_location("build_api_reference", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(builder, tmp_path_factory):
    out = tmp_path_factory.mktemp("api")
    return out, builder.build(out)


def test_every_public_namespace_imports_and_every_public_name_has_a_docstring(built):
    _, report = built
    assert report.problems == []
    assert report.names > 1500  # layers, ops, losses, metrics, ... all walked


def test_pages_hold_signatures_docstrings_and_methods(built):
    out, report = built
    index = (out / "index.md").read_text()
    for namespace in ["keras", "keras.layers", "keras.ops", "keras.losses", "keras.callbacks", "keras.utils"]:
        assert f"[`{namespace}`]({namespace}.md)" in index
        assert out / f"{namespace}.md" in report.pages
    layers = (out / "keras.layers.md").read_text()
    assert "### `keras.layers.Dense`" in layers
    assert "keras.layers.Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform'," in layers
    assert inspect.getdoc(keras.layers.Dense).splitlines()[0] in layers
    assert "- units: the output size." in layers
    # Keras 2's spellings point at the class they alias.
    assert "### `keras.layers.Convolution2D`\n\nAlias of [`keras.layers.Conv2D`](#keraslayersconv2d)." in layers
    top = (out / "keras.md").read_text()
    # Model's methods include those of its private Trainer base; its public base is named.
    model_entry = top[top.index("### `keras.Model`") :]
    assert "Bases: `keras.Layer`" in model_entry
    assert "- `fit(x=None, y=None, batch_size=None, epochs=1," in model_entry
    assert "- `save(filepath, overwrite=True," in model_entry


def test_docstring_sections_become_markdown(builder):
    doc = inspect.cleandoc(
        """Adds one.

        Args:
            x: the input,
                a tensor.
            name: a name.

        Example:
            y = add_one(x)
            print(y)
        """
    )
    assert builder.docstring_markdown(doc) == (
        "Adds one.\n\n**Args:**\n\n- x: the input, a tensor.\n- name: a name.\n\n"
        "**Example:**\n\n```python\ny = add_one(x)\nprint(y)\n```\n"
    )


def test_missing_docstrings_and_import_errors_fail_the_build(builder, tmp_path, monkeypatch, capsys):
    probe = types.ModuleType("kerasish.probe", "A namespace made by the test.")

    def undocumented(x):
        return x

    def documented(x):
        """Returns x."""
        return x

    probe.__all__ = ["undocumented", "documented"]
    probe.undocumented, probe.documented = undocumented, documented

    def fake_import(namespace):
        if namespace == "probe":
            return probe
        if namespace == "broken":
            raise RuntimeError("a broken namespace")
        return None  # as for a namespace kerasish does not have

    monkeypatch.setattr(builder, "NAMESPACES", ["probe", "broken", "absent"])
    monkeypatch.setattr(builder, "import_namespace", fake_import)
    assert builder.main(["--out", str(tmp_path)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors == [
        "import error: keras.broken: RuntimeError: a broken namespace",
        "no docstring: keras.probe.undocumented",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["index.md", "keras.probe.md"]
    page = (tmp_path / "keras.probe.md").read_text()
    assert "keras.probe.documented(x)\n```\n\nReturns x." in page
