"""Bad input: a ValueError that names what is wrong (expected vs. given), and a model left as it was."""

import numpy as np
import pytest

import kerasish as keras

X = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
Y = np.zeros((6, 2), "float32")


def model():
    inputs = keras.Input(shape=(3,), name="features")
    return keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs), name="net")


def compiled(**kwargs):
    m = model()
    m.compile(optimizer=keras.optimizers.SGD(0.1), **{"loss": "mse", **kwargs})
    return m


def snapshot(m):
    return [np.array(w, copy=True) for w in m.get_weights()]


def assert_unchanged(m, before):
    for got, want in zip(m.get_weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)


def fails(m, match, call):
    before = snapshot(m)
    with pytest.raises(ValueError, match=match):
        call(m)
    assert_unchanged(m, before)


def test_fit_before_compile():
    fails(model(), r"compile\(\)", lambda m: m.fit(X, Y, verbose=0))


def test_x_and_y_of_different_lengths():
    fails(compiled(), r"cardinality.*'x' sizes: 6 'y' sizes: 5", lambda m: m.fit(X, Y[:5], verbose=0))
    fails(compiled(), r"'sample_weight' sizes: 4", lambda m: m.fit(X, Y, sample_weight=np.ones(4), verbose=0))


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_feature_width_that_does_not_match_the_input(method):
    wide = np.zeros((6, 4), "float32")
    args = (wide,) if method == "predict" else (wide, Y)
    fails(
        compiled(),
        r'Input "features" of model "net".*expected shape \(None, 3\).*\(None, 4\)',
        lambda m: getattr(m, method)(*args, verbose=0),
    )


def test_wrong_rank():
    fails(
        compiled(),
        r'Input "features".*expected shape \(None, 3\).*\(None, 3, 2\)',
        lambda m: m.fit(np.repeat(X[..., None], 2, axis=-1), Y, verbose=0),
    )


def test_a_size_one_axis_is_added_or_dropped_as_keras_does():
    m = compiled()
    np.testing.assert_allclose(m.predict(X[..., None], verbose=0), m.predict(X, verbose=0))


def test_missing_dict_key_for_an_input():
    fails(
        compiled(),
        r'Missing data for input "features".*received keys \[\'feature\'\]',
        lambda m: m.fit({"feature": X}, Y, verbose=0),
    )


def test_wrong_number_of_inputs():
    fails(compiled(), r"expects 1 input.*received 2", lambda m: m.fit([X, X], Y, verbose=0))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"optimizer": "sgdd"}, "sgdd"),
        ({"loss": "mean_squared_eror"}, "mean_squared_eror"),
        ({"metrics": ["maee"]}, "maee"),
        ({"metrics": {"out": ["accuracy", "nope"]}}, "nope"),
    ],
)
def test_unknown_names_fail_in_compile(kwargs, match):
    m = compiled()
    with pytest.raises(ValueError, match=match):
        m.compile(**{"optimizer": "sgd", "loss": "mse", **kwargs})
    # The failed compile left the previous configuration in place.
    assert m.loss == "mse" and isinstance(m.optimizer, keras.optimizers.SGD)
    fails(m, "cardinality", lambda m: m.fit(X, Y[:2], verbose=0))
    m.fit(X, Y, verbose=0)


def test_metrics_for_an_output_that_does_not_exist():
    fails(
        compiled(metrics={"outt": ["mae"]}),
        r'key "outt" does not match any model output.*\[\'out\'\]',
        lambda m: m.fit(X, Y, verbose=0),
    )


def test_missing_targets():
    fails(compiled(), "Target data is missing", lambda m: m.fit(X, verbose=0))


def test_no_loss():
    m = model()
    m.compile(optimizer="sgd")
    fails(m, "No loss", lambda m: m.fit(X, Y, verbose=0))


def test_class_weight_with_sample_weight_or_missing_class():
    fails(
        compiled(),
        "class_weight.*sample_weight",
        lambda m: m.fit(X, Y, sample_weight=np.ones(6), class_weight={0: 1.0, 1: 1.0}, verbose=0),
    )
    fails(
        compiled(),
        r"The classes \[1\] exist in the data but not in `class_weight`",
        lambda m: m.fit(X, np.array([0, 1, 0, 0, 0, 0]), class_weight={0: 1.0}, verbose=0),
    )


def test_validation_split_too_large_or_not_on_arrays():
    fails(compiled(), "not sufficient to split", lambda m: m.fit(X, Y, validation_split=0.9, verbose=0))
    fails(
        compiled(),
        "validation_split.*only supported for Tensors or NumPy arrays",
        lambda m: m.fit(((X, Y) for _ in range(2)), validation_split=0.5, verbose=0),
    )


def test_y_with_a_generator():
    fails(compiled(), "`y` should not be passed", lambda m: m.fit(((X, Y) for _ in range(2)), Y, verbose=0))


def test_string_data():
    fails(compiled(), "dtype <U1", lambda m: m.fit(np.full((6, 3), "a"), Y, verbose=0))


def test_a_built_layer_called_eagerly_on_the_wrong_width():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    m = Subclassed()
    m.compile(optimizer="sgd", loss="mse")
    m.fit(X, Y, verbose=0)
    fails(
        m,
        r'layer "dense.*expected axis -1 of input shape to have value 3',
        lambda m: m.fit(np.zeros((6, 4), "float32"), Y, verbose=0),
    )


# ---- targets, class weights, sizes and splits (issue 14) -------------------------------------------------------

LABELS = np.array([0, 1, 0, 1, 0, 1])


def classifier(**kwargs):
    return compiled(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, **kwargs))


def batches(*pairs):
    return (pair for pair in pairs)


@pytest.mark.parametrize(
    "loss, y",
    [
        ("mse", np.full((6, 2), "a")),
        ("sparse_categorical_crossentropy", np.array(list("abcabc"))),
        ("sparse_categorical_crossentropy", np.array(list("abcabc"), dtype=object)),
    ],
)
def test_string_targets(loss, y):
    fails(
        compiled(loss=loss),
        r"`y` holds strings \(dtype (<U1|object)\).*must be numbers.*StringLookup",
        lambda m: m.fit(X, y, verbose=0),
    )
    fails(compiled(loss=loss), r"`y` holds strings", lambda m: m.evaluate(X, y, verbose=0))
    fails(compiled(loss=loss), r"`y` holds strings", lambda m: m.train_on_batch(X, y))


def test_string_targets_from_a_generator_and_string_sample_weights():
    fails(compiled(), r"`y` holds strings", lambda m: m.fit(batches((X, np.full((6, 2), "a"))), verbose=0))
    fails(compiled(), r"`sample_weight` holds strings", lambda m: m.fit(X, Y, sample_weight=np.full(6, "1"), verbose=0))


@pytest.mark.parametrize("key", [-1, 1.5, "1", None])
def test_class_weight_keys_must_be_class_ids(key):
    fails(
        classifier(),
        rf"`class_weight` keys must be class ids \(integers >= 0\); received the key {key!r}",
        lambda m: m.fit(X, LABELS, class_weight={0: 1.0, 1: 1.0, key: 5.0}, verbose=0),
    )


def test_class_weight_values_must_be_numbers():
    fails(
        classifier(),
        r"`class_weight` values must be numbers; received 'high' for class 1",
        lambda m: m.fit(X, LABELS, class_weight={0: 1.0, 1: "high"}, verbose=0),
    )


def test_class_weight_keys_beyond_the_classes_are_ignored_as_in_keras():
    trained = []
    for class_weight in ({0: 1.0, 1: 3.0}, {0: 1.0, 1: 3.0, 7: 9.0}, {0.0: 1.0, np.int64(1): 3.0}):
        keras.utils.set_random_seed(1)
        m = classifier()
        m.fit(X, LABELS, class_weight=class_weight, shuffle=False, verbose=0)
        trained.append(m.get_weights())
    for weights in trained[1:]:
        for got, want in zip(weights, trained[0], strict=True):
            np.testing.assert_array_equal(got, want)


EMPTY = np.zeros((0, 3), "float32")


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.fit(EMPTY, np.zeros((0, 2)), verbose=0),
        lambda m: m.evaluate(EMPTY, np.zeros((0, 2)), verbose=0),
        lambda m: m.predict(EMPTY, verbose=0),
        lambda m: m.train_on_batch(EMPTY, np.zeros((0, 2))),
        lambda m: m.test_on_batch(EMPTY, np.zeros((0, 2))),
        lambda m: m.predict_on_batch(EMPTY),
    ],
)
def test_empty_arrays(call):
    fails(compiled(), r"`x` is empty: it has 0 samples \(an array of shape \(0, 3\)\)", call)


@pytest.mark.parametrize("method", ["fit", "evaluate"])
def test_a_generator_that_yields_nothing(method):
    fails(compiled(), r"The data yielded no batches", lambda m: getattr(m, method)(batches(), verbose=0))


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_batch_size_must_be_a_positive_integer(method, batch_size):
    args = (X,) if method == "predict" else (X, Y)
    fails(
        compiled(),
        rf"`batch_size` must be a positive integer; received batch_size={batch_size!r}",
        lambda m: getattr(m, method)(*args, batch_size=batch_size, verbose=0),
    )


def test_validation_batch_size_and_a_dataset_batch_size_are_checked_too():
    fails(
        compiled(),
        r"`batch_size` must be a positive integer; received batch_size=0",
        lambda m: m.fit(X, Y, validation_data=(X, Y), validation_batch_size=0, verbose=0),
    )
    import torch

    dataset = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(Y))
    fails(compiled(), r"batch_size=-2", lambda m: m.fit(dataset, batch_size=-2, verbose=0))


@pytest.mark.parametrize("split", [-0.5, 1.0, 2, float("nan")])
def test_validation_split_outside_0_1(split):
    fails(
        compiled(),
        rf"`validation_split` must be a float in \[0, 1\) \(0: no split\); received {split!r}",
        lambda m: m.fit(X, Y, validation_split=split, verbose=0),
    )


def test_validation_split_zero_means_no_split():
    history = compiled().fit(X, Y, validation_split=0.0, verbose=0)
    assert list(history.history) == ["loss"]


@pytest.mark.parametrize(
    "validation_data, match",
    [
        ((X,), r"`validation_data` has no targets.*\(x_val, y_val\)"),
        (X, r"`validation_data` has no targets.*received a ndarray"),
        (
            (np.zeros((6, 4), "float32"), Y),
            r'In `validation_data`: Input "features" of model "net" is incompatible: expected shape \(None, 3\), '
            r"received data of shape \(None, 4\)",
        ),
        (
            (X, np.zeros((6, 3), "float32")),
            r'In `validation_data`: the targets for output "out" have shape \(None, 3\), but the training targets '
            r"and the output have shape \(None, 2\)",
        ),
        ((X, Y, Y, Y), "found a tuple of length 4"),
    ],
)
def test_malformed_validation_data_fails_before_the_first_epoch(validation_data, match):
    fails(compiled(), match, lambda m: m.fit(X, Y, validation_data=validation_data, verbose=0))


def test_validation_data_without_targets_is_fine_without_a_compiled_loss():
    inputs = keras.Input(shape=(3,), name="features")
    m = keras.Model(inputs, keras.layers.Dense(2, activity_regularizer="l2")(inputs))
    m.compile(optimizer="sgd")  # the layer's activity loss is the whole loss: no targets needed
    history = m.fit(X, validation_data=(X,), verbose=0)
    assert set(history.history) == {"loss", "val_loss"}


def test_ragged_nested_lists():
    ragged = [[1.0, 2.0, 3.0], [1.0, 2.0]]
    fails(
        compiled(),
        r"`x` is a ragged nested list: rows of lengths 3 and 2 at depth 1",
        lambda m: m.fit(ragged, [[0.0, 0.0], [0.0, 0.0]], verbose=0),
    )
    fails(
        compiled(),
        r"`y` is a ragged nested list: rows of lengths 2 and 1",
        lambda m: m.fit(X[:2].tolist(), [[0.0, 0.0], [0.0]], verbose=0),
    )
    fails(compiled(), r"`x` is a ragged nested list", lambda m: m.predict(ragged, verbose=0))
    fails(compiled(), r"`x` is a ragged nested list", lambda m: m.train_on_batch(ragged, [[0.0, 0.0]] * 2))


def test_rectangular_nested_lists_are_arrays_as_in_tf_keras():
    results = []
    for x, y in ((X, Y), (X.tolist(), Y.tolist())):
        keras.utils.set_random_seed(2)
        m = compiled()
        m.fit(x, y, shuffle=False, verbose=0)
        results.append((m.get_weights(), m.evaluate(x, y, verbose=0), m.predict(x, verbose=0)))
    (w0, loss0, p0), (w1, loss1, p1) = results
    for got, want in zip(w1, w0, strict=True):
        np.testing.assert_array_equal(got, want)
    assert loss1 == loss0
    np.testing.assert_array_equal(p1, p0)


@pytest.mark.parametrize("bad", [-100, -1, 2, 7])
def test_sparse_labels_outside_the_classes(bad):
    labels = np.array([0, 1, 0, 1, 0, bad])  # in the last batch: refused before the first step all the same
    match = rf'Target for output "out": Received a label value of {bad} which is outside the valid range of \[0, 2\)'
    fails(classifier(), match, lambda m: m.fit(X, labels, batch_size=2, verbose=0))
    fails(classifier(), match, lambda m: m.evaluate(X, labels, batch_size=2, verbose=0))
    fails(classifier(), match, lambda m: m.train_on_batch(X, labels))
    fails(classifier(), match, lambda m: m.fit(X, LABELS, validation_data=(X, labels), verbose=0))


def test_sparse_labels_with_ignore_class():
    m = classifier(ignore_class=-1)
    m.fit(X, np.array([0, 1, -1, 1, 0, 1]), verbose=0)  # the ignored class is a valid label
    fails(
        m,
        r"label value of -100 .*\[0, 2\) \(or ignore_class=-1\)",
        lambda m: m.fit(X, np.array([0, 1, -1, 1, 0, -100]), verbose=0),
    )


def test_sparse_labels_from_a_generator_are_checked_batch_by_batch():
    m = classifier()
    with pytest.raises(ValueError, match=r"label value of -100 which is outside the valid range of \[0, 2\)"):
        m.fit(batches((X, LABELS), (X, np.array([0, 1, 0, 1, 0, -100]))), verbose=0)


def test_the_sparse_crossentropy_function_refuses_labels_outside_the_classes():
    logits = np.zeros((2, 3), "float32")
    for bad in (-100, -1, 3):
        with pytest.raises(ValueError, match=rf"label value of {bad} which is outside the valid range of \[0, 3\)"):
            keras.losses.sparse_categorical_crossentropy(np.array([0, bad]), logits, from_logits=True)


def test_in_memory_targets_are_checked_once_per_run_not_per_step(monkeypatch):
    from kerasish.trainers.compile_utils import CompileLoss

    calls = []
    original = CompileLoss.check_targets
    monkeypatch.setattr(CompileLoss, "check_targets", lambda self, y: calls.append(len(y)) or original(self, y))
    m = classifier()
    m.fit(X, LABELS, batch_size=2, epochs=3, verbose=0)
    assert calls == [6]  # the whole array, once: no per-step check (nor host sync) for in-memory data
    calls.clear()
    m.fit(batches(*[(X[:2], LABELS[:2])] * 3), verbose=0)
    assert calls == [2, 2, 2]  # streamed data: each batch, on the CPU before it moves to the device


class _Batches(keras.utils.PyDataset):
    def __init__(self, *batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]


def test_string_targets_and_sample_weights_from_a_py_dataset():
    fails(
        compiled(),
        r"`y` holds strings \(dtype <U1\).*must be numbers.*StringLookup",
        lambda m: m.fit(_Batches((X, np.full((6, 2), "a"))), verbose=0),
    )
    fails(compiled(), r"`y` holds strings", lambda m: m.evaluate(_Batches((X, np.full((6, 2), "a"))), verbose=0))
    fails(compiled(), r"`sample_weight` holds strings", lambda m: m.fit(_Batches((X, Y, np.full(6, "1"))), verbose=0))


def test_string_inputs_from_a_py_dataset_are_looked_up_as_from_arrays():
    inputs = keras.Input(shape=(3,), dtype="string")
    lookup = keras.layers.StringLookup(vocabulary=["a", "b", "c"], mask_token="")
    m = keras.Model(inputs, keras.layers.Embedding(5, 2)(lookup(inputs)))
    words = np.array([["a", "", "zz"], ["c", "b", "a"]])
    table = m.layers[-1].get_weights()[0]
    np.testing.assert_allclose(
        m.predict(_Batches((words[:1],), (words[1:],)), verbose=0), table[[[2, 0, 1], [4, 3, 2]]], atol=1e-6
    )
