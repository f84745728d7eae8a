"""Every example in examples/ (but quickstart.py, which test_quickstart.py runs in full) runs to its success line,
says where it saved its files and removes its temporary folder.

The examples run with KERASISH_EXAMPLE_FAST=1, which shrinks their data and epochs: this checks that each one
defines, fits, evaluates, saves, reloads and predicts without error, not how well it learns (the full runs
assert that themselves).
"""

import getpass
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

EXAMPLES = pathlib.Path(__file__).parents[2] / "examples"
# torch.compile's cache stays where it always is (under the real temporary folder), warm across runs.
TORCH_CACHE = {
    "TORCHINDUCTOR_CACHE_DIR": os.environ.get(
        "TORCHINDUCTOR_CACHE_DIR", os.path.join(tempfile.gettempdir(), f"torchinductor_{getpass.getuser()}")
    )
}
# Each test runs a whole script in a fresh process (tens of seconds): outside the fast subset.
pytestmark = pytest.mark.slow
SCRIPTS = sorted(path for path in EXAMPLES.glob("*.py") if path.name != "quickstart.py")


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.stem for path in SCRIPTS])
def test_example_runs_and_reports_success(script, tmp_path):
    # The examples save into temporary folders: TMPDIR shows that they say where, and leave nothing behind.
    env = {**os.environ, "KERASISH_EXAMPLE_FAST": "1", "TMPDIR": str(tmp_path), **TORCH_CACHE}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env, cwd=script.parent
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"{script.stem} OK" in result.stdout, result.stdout[-3000:]
    assert f"removed the temporary folder {tmp_path / script.stem}-" in result.stdout, result.stdout[-3000:]
    assert f" to {tmp_path / script.stem}-" in result.stdout, result.stdout[-3000:]
    assert list(tmp_path.iterdir()) == []
