"""`keras.utils.Config`: a dict of named values that also reads and writes them as attributes, and can be frozen."""

from __future__ import annotations

import copy
import difflib
import json
from typing import Any


class Config:
    """A dict-like container of named values, as `keras.utils.Config`.

    Values are set and read as attributes or items; `freeze()` makes any later change raise, and `to_json()` /
    `as_dict()` give the whole config.

    Example:

    ```python
    config = Config(learning_rate=0.1)
    config.seed = 123
    assert config["seed"] == 123
    config.freeze()
    config.seed = 0  # ValueError: the config is frozen
    ```
    """

    def __init__(self, **kwargs):
        # Set through object.__setattr__: this class routes every other attribute write into the config.
        object.__setattr__(self, "_config", kwargs)
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        """Whether the config refuses changes."""
        return self._frozen

    def freeze(self) -> None:
        """Makes every later change raise a `ValueError`."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self) -> None:
        """Allows changes again."""
        object.__setattr__(self, "_frozen", False)

    def as_dict(self) -> dict:
        """A shallow copy of the config as a plain dict."""
        return copy.copy(self._config)

    def to_json(self) -> str:
        """The config as a JSON string."""
        return json.dumps(self._config)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def get(self, key: str, default: Any = None) -> Any:
        return self._config.get(key, default)

    def pop(self, *args):
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs) -> None:
        self._raise_if_frozen()
        self._config.update(*args, **kwargs)

    def _raise_if_frozen(self) -> None:
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(type(self), name):  # a property or method of the class, not a config entry
            object.__setattr__(self, name, value)
            return
        self._raise_if_frozen()
        self._config[name] = value

    def __getattr__(self, name: str) -> Any:
        # Called only when normal lookup fails, so methods and `_config` never land here.
        config = self.__dict__.get("_config", {})
        if name in config:
            return config[name]
        message = f"Unknown attribute: '{name}'."
        closest = difflib.get_close_matches(name, list(config), n=1, cutoff=0.7)
        if closest:
            message += f" Did you mean '{closest[0]}'?"
        raise AttributeError(message)

    def __setitem__(self, key: str, value: Any) -> None:
        self._raise_if_frozen()
        self._config[key] = value

    def __getitem__(self, key: str) -> Any:
        return self._config[key]

    def __delitem__(self, key: str) -> None:
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, key) -> bool:
        return key in self._config

    def __iter__(self):
        # Keras iterates in sorted key order (while keys()/items() keep insertion order).
        return iter(sorted(self._config))

    def __len__(self) -> int:
        return len(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config}>"
