"""The README's main example runs end to end (it asserts its own results: accuracy, identical reloaded predictions)."""

import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "quickstart.py"


def test_quickstart_runs_and_reports_success():
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "quickstart OK" in result.stdout
    assert "Epoch 5/5" in result.stdout
