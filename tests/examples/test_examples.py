"""Every example in examples/ (but quickstart.py, which test_quickstart.py runs in full) runs to its success line.

The examples run with KERASISH_EXAMPLE_FAST=1, which shrinks their data and epochs: this checks that each one
defines, fits, evaluates, saves, reloads and predicts without error, not how well it learns (the full runs
assert that themselves).
"""

import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"
SCRIPTS = sorted(path for path in EXAMPLES.glob("*.py") if path.name != "quickstart.py")


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_example_runs_and_reports_success(script):
    env = {**os.environ, "KERASISH_EXAMPLE_FAST": "1"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env, cwd=script.parent
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{script.stem} OK" in result.stdout, result.stdout[-3000:]
