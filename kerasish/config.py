"""Global settings: floatx, epsilon and image data format.

Defaults come from Keras (`float32`, `1e-7`, `channels_last`) and may be overridden by
`$KERASISH_HOME/kerasish.json` (default `~/.kerasish/kerasish.json`), which takes the same keys as
Keras's `keras.json`.
"""

from __future__ import annotations

import json
import os

import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def _config_path() -> str:
    home = os.environ.get("KERASISH_HOME") or os.path.join(os.path.expanduser("~"), ".kerasish")
    return os.path.join(home, "kerasish.json")


def _load_user_config() -> None:
    try:
        with open(_config_path()) as f:
            user = json.load(f)
    except (OSError, ValueError):
        return
    if isinstance(user, dict):
        if "floatx" in user:
            set_floatx(user["floatx"])
        if "epsilon" in user:
            set_epsilon(user["epsilon"])
        if "image_data_format" in user:
            set_image_data_format(user["image_data_format"])


def floatx() -> str:
    """The default float dtype name, `"float32"` unless changed."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Sets the default float dtype (`"float16"`, `"bfloat16"`, `"float32"` or `"float64"`)."""
    global _FLOATX
    if value not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"Unknown floatx: expected one of float16, bfloat16, float32, float64; got {value!r}.")
    _FLOATX = value


def epsilon() -> float:
    """The fuzz factor used in numeric expressions, `1e-7` unless changed."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """`"channels_last"` (Keras's default) or `"channels_first"`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown image_data_format: expected channels_last or channels_first; got {value!r}.")
    _IMAGE_DATA_FORMAT = value


def standardize_dtype(dtype) -> torch.dtype:
    """Maps a Keras dtype name (or a torch dtype, or None for floatx) to a torch dtype."""
    if dtype is None:
        dtype = _FLOATX
    if isinstance(dtype, torch.dtype):
        return dtype
    if hasattr(dtype, "name") and not isinstance(dtype, str):  # numpy dtype
        dtype = dtype.name
    try:
        result = getattr(torch, str(dtype))
    except AttributeError:
        result = None
    if not isinstance(result, torch.dtype):
        raise ValueError(f"Unknown dtype: {dtype!r}.")
    return result


def dtype_name(dtype: torch.dtype) -> str:
    """The Keras name of a torch dtype (`torch.float32` -> `"float32"`)."""
    return str(dtype).replace("torch.", "")


_load_user_config()


_SAFE_MODE = True


def enable_unsafe_deserialization() -> None:
    """Allows loading Python code stored in model files (Lambda layers). Only for files you trust."""
    global _SAFE_MODE
    _SAFE_MODE = False


def in_safe_mode() -> bool:
    return _SAFE_MODE
