"""The config file: read at import from $KERASISH_HOME/kerasish.json, validated, written with defaults when
missing. One case imports kerasish in a fresh subprocess, as a user's program would; the others call the loader
that import runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest

from kerasish import config

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PROBE = """
import json, kerasish
from kerasish import config, layers
dense = layers.Dense(2)
dense.build((None, 3))
print(json.dumps({"floatx": config.floatx(), "epsilon": config.epsilon(),
                  "image_data_format": config.image_data_format(), "kernel": str(dense.kernel.dtype)}))
"""


@pytest.fixture
def restore_config(monkeypatch):
    """Runs the loader in-process against a clean environment and puts the settings back afterwards."""
    saved = (config.floatx(), config.epsilon(), config.image_data_format(), config._CONFIG_PATH)
    monkeypatch.delenv("KERASISH_HOME", raising=False)
    yield
    config.set_floatx(saved[0])
    config.set_epsilon(saved[1])
    config.set_image_data_format(saved[2])
    config._CONFIG_PATH = saved[3]


def test_config_file_takes_effect_when_kerasish_is_imported(tmp_path):
    (tmp_path / "kerasish.json").write_text(
        json.dumps(
            {"floatx": "float64", "epsilon": 1e-4, "image_data_format": "channels_first", "backend": "tensorflow"}
        )
    )
    env = {k: v for k, v in os.environ.items()}
    env.update({"KERASISH_HOME": str(tmp_path), "PYTHONPATH": _ROOT + os.pathsep + env.get("PYTHONPATH", "")})
    result = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout.strip().splitlines()[-1])
    assert settings == {
        "floatx": "float64",
        "epsilon": 1e-4,
        "image_data_format": "channels_first",
        "kernel": "torch.float64",
    }


def test_missing_file_is_written_with_defaults(tmp_path, monkeypatch, restore_config):
    home = tmp_path / "fresh"
    monkeypatch.setenv("KERASISH_HOME", str(home))
    config._load_user_config()
    assert json.loads((home / "kerasish.json").read_text()) == {
        "floatx": "float32",
        "epsilon": 1e-07,
        "image_data_format": "channels_last",
    }
    assert config._config_path() == str(home / "kerasish.json")


def test_unwritable_home_falls_back_to_the_temp_folder(tmp_path, monkeypatch, restore_config):
    home = tmp_path / "home_is_a_file"
    home.write_text("")  # ~/.kerasish cannot be created under a file, even by root
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    config._load_user_config()
    assert config._config_path() == str(temp / ".kerasish" / "kerasish.json")
    assert (temp / ".kerasish" / "kerasish.json").exists()


@pytest.mark.parametrize(
    "content, field, detail",
    [
        ({"floatx": "float8"}, "floatx", "float8"),
        ({"epsilon": "small"}, "epsilon", "positive number"),
        ({"epsilon": -1}, "epsilon", "positive number"),
        ({"image_data_format": "nhwc"}, "image_data_format", "channels_last or channels_first"),
    ],
)
def test_invalid_value_names_the_file_and_the_field(tmp_path, monkeypatch, restore_config, content, field, detail):
    (tmp_path / "kerasish.json").write_text(json.dumps(content))
    monkeypatch.setenv("KERASISH_HOME", str(tmp_path))
    with pytest.raises(ValueError) as error:
        config._load_user_config()
    message = str(error.value)
    assert str(tmp_path / "kerasish.json") in message and f"field '{field}'" in message and detail in message


def test_invalid_json_names_the_file(tmp_path, monkeypatch, restore_config):
    (tmp_path / "kerasish.json").write_text("{floatx: float32")
    monkeypatch.setenv("KERASISH_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="not valid JSON") as error:
        config._load_user_config()
    assert str(tmp_path / "kerasish.json") in str(error.value)


def test_unknown_field_warns_and_is_ignored(tmp_path, monkeypatch, restore_config):
    (tmp_path / "kerasish.json").write_text(json.dumps({"floatX": "float64", "epsilon": 1e-3}))
    monkeypatch.setenv("KERASISH_HOME", str(tmp_path))
    with pytest.warns(UserWarning, match="unknown field 'floatX'"):
        config._load_user_config()
    assert config.floatx() == "float32" and config.epsilon() == 1e-3
