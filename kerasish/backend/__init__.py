"""`kerasish.backend`, as `keras.backend`: Keras 2's `K` (`from kerasish import backend as K`).

This package holds two floors. `kerasish.backend.common` is the ground floor every package builds on. The `K`
names (`K.floatx()`, `K.mean`, `K.variable`, ...) live in `kerasish.legacy.backend`, a facade on the top floor;
they are re-exported here because Keras's `keras.backend` has them: the one documented facade exception to the
floors in docs/architecture.md. They are looked up on first use (PEP 562), so that importing the ground floor
does not import the `K` functions, which are built on `ops`, `random` and `layers`.
"""

from __future__ import annotations


def _legacy_backend():
    from kerasish.legacy import backend  # facade exception: see the module docstring

    return backend


def __getattr__(name: str):
    legacy = _legacy_backend()
    if name != "__all__" and name not in legacy.__all__:
        raise AttributeError(f"module 'kerasish.backend' has no attribute {name!r}")
    value = getattr(legacy, name)
    globals()[name] = value  # later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_legacy_backend().__all__))
