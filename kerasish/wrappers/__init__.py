"""scikit-learn wrappers, as `keras.wrappers`: `SKLearnClassifier`, `SKLearnRegressor`, `SKLearnTransformer`.

scikit-learn is optional (`pip install "kerasish[sklearn]"`): the classes are loaded on first use (PEP 562), so
`import kerasish` does not import scikit-learn.
"""

from __future__ import annotations

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name: str):
    if name in __all__:
        from kerasish.wrappers import sklearn_wrapper

        value = getattr(sklearn_wrapper, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kerasish.wrappers' has no attribute {name!r}")
