"""Global settings: floatx, epsilon and image data format, and the config file that sets them.

Defaults come from Keras (`float32`, `1e-7`, `channels_last`) and may be overridden by the JSON file
`$KERASISH_HOME/kerasish.json` (default `~/.kerasish/kerasish.json`; `<tempdir>/.kerasish/kerasish.json` when the
home folder cannot be written), read when kerasish is imported. It takes the keys of Keras's `keras.json`::

    {"floatx": "float32", "epsilon": 1e-07, "image_data_format": "channels_last"}

A missing file is written with these defaults; a file with a bad value stops the import with a `ValueError`
naming the file and the field.
"""

from __future__ import annotations

import json
import numbers
import os
import tempfile
import warnings

import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_CONFIG_PATH: str | None = None  # the file the settings were read from (or written to), once loaded
# Keys of Keras's keras.json that kerasish accepts and ignores.
_IGNORED_KEYS = ("backend",)


def _config_dirs() -> list[str]:
    """Where the config file may live, in order: `$KERASISH_HOME`, else `~/.kerasish` then the temp folder."""
    if os.environ.get("KERASISH_HOME"):
        return [os.environ["KERASISH_HOME"]]
    return [os.path.join(os.path.expanduser("~"), ".kerasish"), os.path.join(tempfile.gettempdir(), ".kerasish")]


def _config_path() -> str:
    """The config file in use: the one read at import, else the first place it would be looked for."""
    return _CONFIG_PATH or os.path.join(_config_dirs()[0], "kerasish.json")


def _default_config() -> dict:
    return {"floatx": "float32", "epsilon": 1e-07, "image_data_format": "channels_last"}


def _load_user_config() -> None:
    """Reads the first existing config file and applies it; writes the defaults where none exists yet."""
    global _CONFIG_PATH
    paths = [os.path.join(d, "kerasish.json") for d in _config_dirs()]
    for path in paths:
        if os.path.exists(path):
            _CONFIG_PATH = path
            _apply_config_file(path)
            return
    for path in paths:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                json.dump(_default_config(), f, indent=4)
        except OSError:
            continue  # not writable: try the next place (kerasish still runs on the defaults)
        _CONFIG_PATH = path
        return


def _apply_config_file(path: str) -> None:
    try:
        with open(path) as f:
            user = json.load(f)
    except ValueError as e:
        raise ValueError(f"Invalid kerasish config file {path}: it is not valid JSON ({e}). Fix or delete it.") from e
    except OSError:
        return  # unreadable: run on the defaults, as Keras does
    if not isinstance(user, dict):
        raise ValueError(
            f"Invalid kerasish config file {path}: expected a JSON object such as "
            f"{json.dumps(_default_config())}, got {type(user).__name__}."
        )
    setters = {"floatx": set_floatx, "epsilon": set_epsilon, "image_data_format": set_image_data_format}
    for key, value in user.items():
        if key in setters:
            try:
                setters[key](value)
            except ValueError as e:
                raise ValueError(f"Invalid kerasish config file {path}: field {key!r}: {e}") from None
        elif key not in _IGNORED_KEYS:
            warnings.warn(
                f"kerasish config file {path}: unknown field {key!r} ignored (known fields: {', '.join(setters)}).",
                stacklevel=2,
            )


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
    """Sets the fuzz factor (a positive number)."""
    global _EPSILON
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"epsilon must be a positive number; got {value!r}.")
    _EPSILON = float(value)


def image_data_format() -> str:
    """`"channels_last"` (Keras's default) or `"channels_first"`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Sets the image data format (`"channels_last"` or `"channels_first"`)."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown image_data_format: expected channels_last or channels_first; got {data_format!r}.")
    _IMAGE_DATA_FORMAT = data_format


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


def _warn_about_another_backend() -> None:
    backend_name = os.environ.get("KERAS_BACKEND", "").strip()
    if backend_name and backend_name != "torch":
        warnings.warn(
            f"KERAS_BACKEND={backend_name!r} is set, but kerasish runs on PyTorch only: the setting is ignored.",
            stacklevel=3,
        )


_warn_about_another_backend()


_SAFE_MODE = True


def enable_unsafe_deserialization() -> None:
    """Allows loading Python code stored in model files (Lambda layers). Only for files you trust."""
    global _SAFE_MODE
    _SAFE_MODE = False


def in_safe_mode() -> bool:
    """Whether loading refuses unsafe objects (Lambda bytecode) unless `safe_mode=False` is passed."""
    return _SAFE_MODE


_INTERACTIVE_LOGGING = True


def enable_interactive_logging() -> None:
    """Progress bars draw on stdout (Keras's default, best in a shell or a notebook)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging() -> None:
    """Progress bars go to the `kerasish` logger as plain lines (for jobs whose output is a log, not a screen)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled() -> bool:
    """Whether progress bars draw on stdout (True) or log plain lines to the `kerasish` logger (False)."""
    return _INTERACTIVE_LOGGING


def backend() -> str:
    """The backend kerasish computes with: always "torch"."""
    return "torch"


def set_backend(backend: str) -> None:
    """Keras switches backends here; kerasish runs on torch only, so only "torch" is accepted."""
    if backend != "torch":
        raise ValueError(f"kerasish runs on the torch backend only; received backend={backend!r}.")


_FLASH_ATTENTION: bool | None = None  # None: torch picks the fastest kernel it can run (flash where it can)


def enable_flash_attention() -> None:
    """Lets attention layers use the flash kernel of `scaled_dot_product_attention` where it can run (the default)."""
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = None


def disable_flash_attention() -> None:
    """Keeps attention layers off the flash kernel (torch chooses among the others)."""
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = False


def is_flash_attention_enabled() -> bool | None:
    """False once `disable_flash_attention` was called; None (enabled where possible) otherwise, as in Keras."""
    return _FLASH_ATTENTION


_TRACEBACK_FILTERING = True


def enable_traceback_filtering() -> None:
    """Errors raised in `fit`/`evaluate`/`predict` and layer calls show the user's frames, not kerasish's (default)."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = True


def disable_traceback_filtering() -> None:
    """Errors keep every frame, kerasish's included (for debugging kerasish itself)."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = False


def is_traceback_filtering_enabled() -> bool:
    """Whether errors raised inside kerasish show the user's frames only (on by default, as in Keras)."""
    return _TRACEBACK_FILTERING


_MAX_EPOCHS: int | None = None
_MAX_STEPS_PER_EPOCH: int | None = None


def set_max_epochs(max_epochs: int | None) -> None:
    """Caps the epochs of every `fit` (None: no cap), e.g. for a quick run of a whole program."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_epochs() -> int | None:
    """The cap `set_max_epochs` put on every `fit`'s epochs (None: no cap)."""
    return _MAX_EPOCHS


def set_max_steps_per_epoch(max_steps_per_epoch: int | None) -> None:
    """Caps the steps of every epoch of `fit`/`evaluate`/`predict` (None: no cap)."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


def max_steps_per_epoch() -> int | None:
    """The cap `set_max_steps_per_epoch` put on the steps of every epoch (None: no cap)."""
    return _MAX_STEPS_PER_EPOCH


def dtype_policy():
    """The global dtype policy (as `keras.mixed_precision.dtype_policy()`)."""
    from kerasish.mixed_precision.dtype_policy import global_policy  # the policies live a floor up

    return global_policy()


def set_dtype_policy(policy) -> None:
    """Sets the global dtype policy (as `keras.mixed_precision.set_dtype_policy`)."""
    from kerasish.mixed_precision.dtype_policy import set_global_policy

    set_global_policy(policy)
