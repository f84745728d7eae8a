"""The README's main example runs end to end (it asserts its own results: accuracy, identical reloaded predictions).

It stays in the fast subset (`-m "not slow"`): a few seconds, and it is the first thing a new user runs."""

import getpass
import os
import pathlib
import subprocess
import sys
import tempfile

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "quickstart.py"
# torch.compile's cache stays where it always is (under the real temporary folder), warm across runs.
TORCH_CACHE = {
    "TORCHINDUCTOR_CACHE_DIR": os.environ.get(
        "TORCHINDUCTOR_CACHE_DIR", os.path.join(tempfile.gettempdir(), f"torchinductor_{getpass.getuser()}")
    )
}


def test_quickstart_runs_and_reports_success(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), **TORCH_CACHE}
    result = subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "quickstart OK" in result.stdout
    assert "Epoch 5/5" in result.stdout
    # It says where it saved the weights, and removes the temporary folder afterwards.
    assert f"saved the weights to {tmp_path / 'quickstart-'}" in result.stdout
    assert f"removed the temporary folder {tmp_path / 'quickstart-'}" in result.stdout
    assert list(tmp_path.iterdir()) == []
