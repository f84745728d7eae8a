"""`keras.wrappers.SKLearnClassifier/Regressor/Transformer` inside scikit-learn's own tools: `cross_val_score`,
`GridSearchCV`, `clone`, pipelines; numbers checked against what scikit-learn expects of an estimator."""

import numpy as np
import pytest

import kerasish as keras

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import make_blobs  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402


def classifier_model(X, y, hidden=8):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((X.shape[1],))
    hidden_layer = keras.layers.Dense(hidden, activation="relu")(inputs)
    outputs = keras.layers.Dense(y.shape[1], activation="softmax")(hidden_layer)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy")
    return model


def regressor_model(X, y):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    return model


def _blobs():
    # Three well separated clusters, labelled with strings: a separable problem.
    X, y = make_blobs(n_samples=90, centers=[[-5, -5], [0, 5], [5, -5]], cluster_std=0.5, random_state=0)
    return X, np.array(["ant", "bee", "cat"])[y]


def test_classifier_fits_a_separable_problem():
    X, y = _blobs()
    clf = keras.wrappers.SKLearnClassifier(classifier_model, fit_kwargs={"epochs": 30, "batch_size": 16, "verbose": 0})
    assert clf.fit(X, y) is clf
    np.testing.assert_array_equal(clf.classes_, ["ant", "bee", "cat"])
    assert clf.n_features_in_ == 2
    assert clf.score(X, y) == 1.0  # ClassifierMixin's accuracy
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert clf.epoch_ == 30
    assert len(clf.history_.history["loss"]) == 30


def test_cross_val_score_and_grid_search():
    X, y = _blobs()
    clf = keras.wrappers.SKLearnClassifier(classifier_model, fit_kwargs={"epochs": 20, "batch_size": 16, "verbose": 0})
    scores = cross_val_score(clf, X, y, cv=KFold(3, shuffle=True, random_state=0))
    np.testing.assert_array_equal(scores, [1.0, 1.0, 1.0])

    search = GridSearchCV(
        clf,
        {
            "model_kwargs": [{"hidden": 2}, {"hidden": 8}],
            "fit_kwargs": [{"epochs": 1, "verbose": 0}, {"epochs": 20, "verbose": 0}],
        },
        cv=2,
    )
    search.fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_params_["fit_kwargs"] == {"epochs": 20, "verbose": 0}
    assert search.best_score_ == 1.0
    assert search.best_estimator_.predict(X[:3]).tolist() == y[:3].tolist()


def test_get_params_set_params_and_clone():
    clf = keras.wrappers.SKLearnClassifier(classifier_model, model_kwargs={"hidden": 4}, fit_kwargs={"epochs": 2})
    assert clf.get_params() == {
        "model": classifier_model,
        "warm_start": False,
        "model_kwargs": {"hidden": 4},
        "fit_kwargs": {"epochs": 2},
    }
    twin = clone(clf)
    assert twin is not clf and twin.get_params() == clf.get_params()
    assert twin.model_kwargs is not clf.model_kwargs  # deep-copied parameters
    assert clf.set_params(model_kwargs={"hidden": 3}) is clf
    assert clf.model_kwargs == {"hidden": 3}
    with pytest.raises(ValueError, match="Invalid parameter"):
        clf.set_params(units=3)


def test_regressor_recovers_a_linear_function():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3
    reg = keras.wrappers.SKLearnRegressor(regressor_model, fit_kwargs={"epochs": 60, "batch_size": 32, "verbose": 0})
    reg.fit(X, y)
    assert reg.predict(X).shape == (200,)  # 1D targets give 1D predictions, as scikit-learn expects
    assert reg.score(X, y) > 0.999  # RegressorMixin's R²
    kernel, bias = reg.model_.layers[-1].get_weights()
    np.testing.assert_allclose(kernel[:, 0], [1.5, -2.0, 0.5], atol=0.02)
    np.testing.assert_allclose(bias, [0.3], atol=0.02)
    scores = cross_val_score(reg, X, y, cv=2, scoring="r2")
    assert scores.min() > 0.99


def test_transformer_in_a_pipeline_and_a_model_instance_is_cloned():
    X, y = _blobs()
    keras.utils.set_random_seed(1)
    encoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="code")])
    encoder.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    before = encoder.get_weights()
    transformer = keras.wrappers.SKLearnTransformer(encoder, fit_kwargs={"epochs": 40, "verbose": 0})
    transformer.fit(X, X)  # learns the identity
    assert transformer.model_ is not encoder
    for w, w0 in zip(encoder.get_weights(), before):  # the given model is left as it was
        np.testing.assert_array_equal(w, w0)
    np.testing.assert_allclose(transformer.transform(X), X, atol=0.1)
    # A fitted transformer, frozen, as a pipeline's feature step (Keras's documented use).
    from sklearn.frozen import FrozenEstimator

    pipeline = make_pipeline(FrozenEstimator(transformer), LogisticRegression())
    pipeline.fit(X, y)
    assert pipeline.score(X, y) == 1.0


def test_warm_start_goes_on_training_the_same_model():
    X, y = _blobs()
    clf = keras.wrappers.SKLearnClassifier(classifier_model, warm_start=True, fit_kwargs={"epochs": 1})
    first = clf.fit(X, y).model_
    weights = [w.copy() for w in first.get_weights()]
    assert clf.fit(X, y).model_ is first
    assert any(not np.array_equal(a, b) for a, b in zip(first.get_weights(), weights))


def test_errors():
    X, y = _blobs()
    uncompiled = keras.wrappers.SKLearnClassifier(
        lambda X, y: keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    )
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        uncompiled.fit(X, y)
    clf = keras.wrappers.SKLearnClassifier(classifier_model, fit_kwargs={"epochs": 1})
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="Only binary and multiclass"):
        clf.fit(X, np.eye(3)[np.arange(len(X)) % 3])
    with pytest.raises(sklearn.exceptions.NotFittedError):
        clf.predict(X)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.ones((2, 5)))
