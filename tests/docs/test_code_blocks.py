"""Every ```python block in README.md and docs/ runs as written (each in a fresh namespace and folder)."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def code_blocks():
    for page in PAGES:
        for index, block in enumerate(BLOCK.findall(page.read_text())):
            # A block that launches DDP ranks starts processes: outside the fast subset (`-m "not slow"`).
            marks = [pytest.mark.slow] if 'distribute="ddp"' in block else []
            yield pytest.param(block, id=f"{page.name}-{index}", marks=marks)


@pytest.mark.parametrize("code", list(code_blocks()))
def test_code_block_runs(code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<doc block>", "exec"), {"__name__": "__doc_block__"})
