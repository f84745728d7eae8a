"""scikit-learn estimators around a compiled kerasish model: `fit`/`predict` (and `transform`) as scikit-learn
calls them, so that `cross_val_score`, `GridSearchCV`, pipelines and `clone` work.

The model is given as a function `model(X=..., y=..., **model_kwargs)` that returns a compiled model (it sees the
data, so it can size the input and output layers), or as a compiled model, which each `fit` clones (weights
freshly initialised, compiled as the original was) unless `warm_start=True`.
"""

from __future__ import annotations

import numpy as np

from kerasish.models.cloning import clone_model
from kerasish.models.model import Model

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # optional: the classes exist, and say what to install when used
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass


def _require_sklearn(name: str) -> None:
    if sklearn is None:
        raise ImportError(
            f'{name} requires `scikit-learn` to be installed. Run `pip install scikit-learn` (or "kerasish[sklearn]").'
        )


def _validate_data(estimator, *args, **kwargs):
    from sklearn.utils.validation import validate_data  # scikit-learn >= 1.6

    return validate_data(estimator, *args, **kwargs)


def _type_of_target(y) -> str:
    from sklearn.utils.multiclass import type_of_target

    target_type = type_of_target(y)
    if target_type == "unknown":
        raise ValueError(f"Unknown label type for data: {y!r}")
    return target_type


def _check_model(model) -> None:
    if not isinstance(model, Model):
        raise ValueError(f"`model` must build a kerasish `Model`. Received: {model!r} of type {type(model).__name__}")
    if not getattr(model, "compiled", False) or not model.loss or not model.optimizer:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer.")


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Makes 1D targets 2D (for the one-hot encoder, which takes columns) and back."""

    def fit(self, y):
        self.ndim_ = y.ndim
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        return np.squeeze(y, axis=1) if self.ndim_ == 1 and y.ndim == 2 else y


class SKLBase(BaseEstimator):
    """What the three wrappers share.

    Args:
        model: A function returning a compiled model, called as `model(X=X, y=y, **model_kwargs)` with the
            training data (targets one-hot encoded for the classifier); or a compiled model, cloned for each fit.
        warm_start: Whether a second `fit` goes on training the model of the first instead of a new one.
        model_kwargs: Keyword arguments for `model` when it is a function.
        fit_kwargs: Keyword arguments for `model.fit` (`epochs`, `batch_size`, ...); those given to `fit` itself
            take precedence.

    Attributes:
        model_: The fitted model.
        history_: The `History` that `model.fit` returned.
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # weights start random, training shuffles
        return tags

    def __sklearn_clone__(self):
        # `clone` deep-copies parameters; a model function is shared, a model instance copied (its clone is made
        # at fit time anyway).
        import copy

        model = self.model if not isinstance(self.model, Model) else copy.deepcopy(self.model)
        return type(self)(
            model=model,
            warm_start=self.warm_start,
            model_kwargs=copy.deepcopy(self.model_kwargs),
            fit_kwargs=copy.deepcopy(self.fit_kwargs),
        )

    @property
    def epoch_(self) -> int:
        """The number of epochs trained."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def _get_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            _check_model(self.model)
            model = clone_model(self.model)
            model.compile_from_config(self.model.get_compile_config())
            return model
        if not callable(self.model):
            raise ValueError(f"`model` must be a compiled Model or a function returning one. Received: {self.model!r}")
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Trains a new model (or, with `warm_start`, the last one) on `X`, `y`.

        Args:
            X: Array-like of shape `(n_samples, n_features)`.
            y: Array-like of shape `(n_samples,)` or `(n_samples, n_outputs)`.
            **kwargs: Keyword arguments for `model.fit`, over `fit_kwargs`.

        Returns:
            The estimator.
        """
        state = dict(self.__dict__)
        try:
            self._fit(X, y, kwargs)
        except BaseException:
            # A failed fit leaves the estimator as it was (scikit-learn's checks set attributes as they go).
            self.__dict__.clear()
            self.__dict__.update(state)
            raise
        return self

    def _fit(self, X, y, kwargs) -> None:
        reset = not (self.warm_start and hasattr(self, "model_"))
        X, y = _validate_data(self, X, y, dtype="numeric", multi_output=True, reset=reset)
        X = X.astype("float32", copy=False)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        _check_model(model)
        fit_kwargs = {**(self.fit_kwargs or {}), **kwargs}
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def _predict_raw(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate_data(self, X, dtype="numeric", reset=False).astype("float32", copy=False)
        return self.model_.predict(X)

    def predict(self, X):
        """The model's predictions for `X`, in the form of the training targets."""
        return self._reverse_process_target(self._predict_raw(X))

    def _process_target(self, y, reset=False):
        _type_of_target(y)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a kerasish model (see `SKLBase` for the arguments).

    Labels (of any type scikit-learn accepts: ints, strings) are one-hot encoded for the model, which should end
    in one unit per class (`softmax`) and be compiled with `categorical_crossentropy`; `predict` returns labels.

    Attributes:
        classes_: The class labels, sorted.

    Example:

    ```python
    def build(X, y, hidden=16):
        inputs = keras.Input((X.shape[1],))
        outputs = keras.layers.Dense(y.shape[1], activation="softmax")(
            keras.layers.Dense(hidden, activation="relu")(inputs)
        )
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        return model

    clf = keras.wrappers.SKLearnClassifier(build, fit_kwargs={"epochs": 20})
    scores = sklearn.model_selection.cross_val_score(clf, X, y, cv=3)
    ```
    """

    def decision_function(self, X):
        """The model's raw outputs for `X` (one column per class)."""
        return self._predict_raw(X)

    def predict_proba(self, X):
        """The model's outputs for `X`: class probabilities, one column per class in `classes_` order, when the model
        ends in a softmax (a scikit-learn classifier's method; Keras's wrapper has `decision_function` only)."""
        return self._predict_raw(X)

    def _process_target(self, y, reset=False):
        target_type = _type_of_target(y)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target type: {target_type}")
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
            self._target_encoder = make_pipeline(TargetReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
        return self._target_encoder.transform(y).astype("float32")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a kerasish model (see `SKLBase` for the arguments).

    Example:

    ```python
    def build(X, y):
        model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model

    reg = keras.wrappers.SKLearnRegressor(build, fit_kwargs={"epochs": 50})
    reg.fit(X, y).score(X, y)  # R²
    ```
    """

    def _process_target(self, y, reset=False):
        return super()._process_target(np.asarray(y, dtype="float32"), reset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer around a kerasish model (see `SKLBase` for the arguments): `transform(X)` is the
    model's output, e.g. an embedding to feed the next step of a pipeline."""

    def transform(self, X):
        """The model's outputs for `X`."""
        return self._predict_raw(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags
