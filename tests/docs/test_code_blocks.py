"""Every ```python block in README.md and docs/ runs as written (each in a fresh namespace and folder)."""

import importlib.util
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
IMPORTED = re.compile(r"^\s*(?:import|from)\s+(\w+)", re.MULTILINE)
# The optional extras a block may use (pyproject's [tf], [grain], [onnx], [plot], [sklearn], tqdm): without them
# installed (the README's set-up installs only [dev]), the block is skipped, as the tests of those paths are.
OPTIONAL = {"tensorflow", "grain", "onnx", "onnxruntime", "onnxscript", "sklearn", "pydot", "tqdm"}


def _missing_extras(block: str) -> list[str]:
    needed = {name for name in IMPORTED.findall(block) if name in OPTIONAL}
    if 'format="onnx"' in block:
        needed |= {"onnx", "onnxscript"}
    return sorted(name for name in needed if importlib.util.find_spec(name) is None)


def code_blocks():
    for page in PAGES:
        for index, block in enumerate(BLOCK.findall(page.read_text())):
            # A block that launches DDP ranks starts processes: outside the fast subset (`-m "not slow"`).
            marks = [pytest.mark.slow] if 'distribute="ddp"' in block else []
            missing = _missing_extras(block)
            if missing:
                marks.append(pytest.mark.skip(reason=f"needs the optional {', '.join(missing)}"))
            yield pytest.param(block, id=f"{page.name}-{index}", marks=marks)


@pytest.mark.parametrize("code", list(code_blocks()))
def test_code_block_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<doc block>", "exec"), {"__name__": "__doc_block__"})
