"""`compile(jit_compile=True | "auto")`: the compiled train/test/predict steps train as eager does, and compile once.

The compiled steps run on torch.compile's "aot_eager" backend here: the same graph capture, guards and AOTAutograd
backward as inductor, without a C++ build per graph (seconds each on CI's 2 cores). Compiles are counted with
torch._dynamo's `unique_graphs` counter (one per graph traced, retraces included). Expected numbers are the eager
run's, made in the same test.
"""

import warnings

import numpy as np
import pytest
import torch
from torch._dynamo.utils import counters

import kerasish as keras
from kerasish.trainers import step_compiler


@pytest.fixture(autouse=True)
def light_backend(monkeypatch):
    monkeypatch.setattr(step_compiler, "backend", "aot_eager")
    monkeypatch.setattr(step_compiler, "_measured_compile_cost_s", None)  # no earlier test's compile in the rule
    torch._dynamo.reset()
    counters.clear()
    yield
    torch._dynamo.reset()


def _graphs() -> int:
    return counters["stats"]["unique_graphs"]


def _data(rows=100):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, 6), dtype=np.float32)
    y = (x[:, :1] * 0.5 - x[:, 1:2]).astype(np.float32)
    return x, y


def _model(optimizer=None, jit_compile=False, **compile_kwargs):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)], name="net"
    )
    model.compile(optimizer or keras.optimizers.Adam(0.01), "mse", jit_compile=jit_compile, **compile_kwargs)
    return model


def _assert_same_weights(got, expected, atol=1e-6):
    for g, e in zip(got.get_weights(), expected.get_weights()):
        np.testing.assert_allclose(g, e, atol=atol)


def test_compiled_steps_match_eager_and_compile_once_per_step():
    """Three epochs with a partial last batch and a learning rate changed by a callback every epoch trace the train
    step once; evaluate and predict add one graph each; a `trainable` flip retraces the train step once (its
    parameters' requires_grad is in the guards); numbers equal the eager run's."""
    x, y = _data()  # 100 rows: batches of 32, 32, 32 and 4
    halve = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    runs = {}
    for jit in (False, True):
        model = _model(jit_compile=jit, metrics=["mae"])
        history = model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, callbacks=[halve])
        graphs = [_graphs()]
        evaluated = model.evaluate(x, y, batch_size=32, verbose=0)
        graphs.append(_graphs())
        model.layers[0].trainable = False
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        graphs.append(_graphs())
        predicted = model.predict(x, batch_size=32, verbose=0)
        graphs.append(_graphs())
        runs[jit] = (history.history, evaluated, model, predicted, graphs)
    eager, compiled = runs[False], runs[True]
    assert eager[4] == [0, 0, 0, 0]
    assert compiled[4] == [1, 2, 3, 4]
    for key in ("loss", "mae"):
        np.testing.assert_allclose(compiled[0][key], eager[0][key], rtol=1e-6)
    np.testing.assert_allclose(compiled[1], eager[1], rtol=1e-6)
    _assert_same_weights(compiled[2], eager[2])
    np.testing.assert_allclose(compiled[3], eager[3], atol=1e-6)
    assert float(compiled[2].optimizer.learning_rate) == pytest.approx(0.01 / 8)


@pytest.mark.parametrize(
    "case",
    ["mixed_bfloat16", "clipnorm", "global_clipnorm", "class_weight", "sample_weight_and_l2"],
)
def test_compiled_trajectories_match_eager(case):
    """A subset of the trajectory cases, run with `jit_compile=True` against the same run eager."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 6), dtype=np.float32)
    labels = rng.integers(0, 3, 40)
    fit_kwargs = {}
    optimizer_kwargs = {}
    if case == "clipnorm":
        optimizer_kwargs = {"clipnorm": 0.05}
    elif case == "global_clipnorm":
        optimizer_kwargs = {"global_clipnorm": 0.05}
    elif case == "class_weight":
        fit_kwargs = {"class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}
    elif case == "sample_weight_and_l2":
        fit_kwargs = {"sample_weight": rng.random(40).astype(np.float32)}

    def trained(jit):
        if case == "mixed_bfloat16":
            keras.mixed_precision.set_global_policy("mixed_bfloat16")
        try:
            keras.utils.set_random_seed(2)
            regularizer = keras.regularizers.L2(0.01) if case == "sample_weight_and_l2" else None
            model = keras.Sequential(
                [
                    keras.Input((6,)),
                    keras.layers.Dense(16, activation="relu", kernel_regularizer=regularizer),
                    keras.layers.Dense(3, activation="softmax"),
                ]
            )
        finally:
            keras.mixed_precision.set_global_policy("float32")
        # Under bfloat16 a rounding difference in a tiny gradient would flip Adam's normalised step: SGD keeps
        # the difference the size of the rounding.
        optimizer = keras.optimizers.SGD if case == "mixed_bfloat16" else keras.optimizers.Adam
        model.compile(
            optimizer(0.02, **optimizer_kwargs),
            "sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=jit,
        )
        history = model.fit(x, labels, batch_size=16, epochs=3, shuffle=False, verbose=0, **fit_kwargs)
        return model, history.history

    eager_model, eager_history = trained(False)
    compiled_model, compiled_history = trained(True)
    tolerance = 1e-2 if case == "mixed_bfloat16" else 1e-5  # bfloat16 keeps 8 bits: fusion may round differently
    for key in eager_history:
        np.testing.assert_allclose(compiled_history[key], eager_history[key], rtol=tolerance, atol=tolerance)
    _assert_same_weights(compiled_model, eager_model, atol=tolerance)


def test_a_compiled_run_resumes_from_a_backup_as_an_uninterrupted_eager_run(tmp_path):
    x, y = _data(48)
    reference = _model()
    reference.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)

    def crash_at(epoch_to_crash):
        def crash(epoch, logs):
            if epoch == epoch_to_crash:
                raise RuntimeError("Interrupting!")

        return keras.callbacks.LambdaCallback(on_epoch_begin=crash)

    model = _model(jit_compile=True)
    with pytest.raises(RuntimeError, match="Interrupting"):
        model.fit(
            x,
            y,
            batch_size=8,
            epochs=3,
            verbose=0,
            shuffle=False,
            callbacks=[keras.callbacks.BackupAndRestore(tmp_path), crash_at(2)],
        )
    resumed = _model(jit_compile=True)  # a fresh process's model and optimizer
    history = resumed.fit(
        x, y, batch_size=8, epochs=3, verbose=0, shuffle=False, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)]
    )
    np.testing.assert_allclose(history.history["loss"], reference.history.history["loss"], rtol=1e-6)
    _assert_same_weights(resumed, reference)
    assert int(resumed.optimizer.iterations) == 18


def test_a_custom_train_step_runs_eagerly_with_one_message():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            loss = torch.mean((self(x, training=True) - y) ** 2)
            for p in self.trainable_weights:
                p.grad = None
            loss.backward()
            self.optimizer.apply([p.grad for p in self.trainable_weights], self.trainable_weights)
            return {"loss": loss}

    x, y = _data(32)
    model = Custom()
    model.compile(keras.optimizers.SGD(0.1), jit_compile=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = model.fit(x, y, batch_size=8, epochs=2, verbose=0).history["loss"]
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    messages = [str(w.message) for w in caught if "overrides `train_step`" in str(w.message)]
    assert len(messages) == 1 and '"custom' in messages[0] and "runs eagerly" in messages[0]
    assert first[1] < first[0]  # it trained
    assert _graphs() == 0


def test_auto_stays_eager_when_compiling_cannot_pay():
    x, y = _data(320)
    model = _model(jit_compile="auto")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    compiler = model._run_state.train_compiler
    assert compiler.decision.startswith("eager: projected saving")
    assert not compiler.use_compiled
    assert _graphs() == 0
    assert model.jit_compile is False and model.get_compile_config()["jit_compile"] == "auto"


@pytest.mark.parametrize("compiled_faster", [True, False])
def test_auto_compiles_when_the_projection_pays_and_keeps_the_faster_step(monkeypatch, compiled_faster):
    """With a free compile (cost prior 0) the 13th step switches to the compiled step, 10 compiled steps are timed
    against the eager ones (the timings stand in for a machine where compiling pays, or not), and the faster one
    stays; the weights are those of an eager run either way."""
    monkeypatch.setattr(step_compiler, "COMPILE_COST_PRIOR_S", 0.0)
    windows = iter([1e-3, 5e-4 if compiled_faster else 2e-3])  # eager's window, then the compiled one's
    monkeypatch.setattr(step_compiler._StepTimer, "stop", lambda timer, steps: next(windows))
    x, y = _data(320)
    eager = _model()
    eager.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    model = _model(jit_compile="auto")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    compiler = model._run_state.train_compiler
    expected = "compiled: 0.500 ms a step against 1.000 eager" if compiled_faster else "back to eager: compiled 2.000"
    assert compiler.decision.startswith(expected)
    assert compiler.use_compiled is compiled_faster
    assert _graphs() == 1
    # A second fit knows the compiled step's speed: it decides at once and traces nothing new (its first batch, at
    # offset 0 of the data, passes the guards the mid-epoch batch it compiled on made).
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert _graphs() == 1
    _assert_same_weights(model, eager)


def test_jit_compile_takes_only_true_false_or_auto():
    model = _model()
    with pytest.raises(ValueError, match=r'`jit_compile` must be True, False or "auto"; received jit_compile=\'yes\''):
        model.compile("sgd", "mse", jit_compile="yes")
    assert model.get_compile_config()["jit_compile"] is False  # the failed compile changed nothing


def test_evaluate_before_any_fit_compiles_its_step_once():
    x, y = _data(40)  # batches of 16, 16 and 8
    expected = _model().evaluate(x, y, batch_size=16, verbose=0)
    model = _model(jit_compile=True)
    assert model.evaluate(x, y, batch_size=16, verbose=0) == pytest.approx(expected, rel=1e-6)
    assert model.evaluate(x, y, batch_size=16, verbose=0) == pytest.approx(expected, rel=1e-6)
    assert model._run_state.test_compiled is not None
    assert _graphs() == 1


@pytest.mark.parametrize("fails_on", ["dynamic", "everything"])
def test_a_compiler_failure_falls_back_to_static_shapes_then_to_eager(monkeypatch, fails_on):
    """A backend that fails on graphs with a dynamic batch dimension (as inductor can on pooling) gets a static
    graph instead; one that fails on every graph leaves the step eager, with one warning naming the error."""
    traced = []

    def picky_backend(graph_module, example_inputs):
        dynamic = any(not isinstance(t, torch.Tensor) for t in example_inputs)  # a symbolic size is an input
        if fails_on == "everything" or dynamic:
            raise TypeError("cannot determine truth value of Relational")
        traced.append(graph_module)
        return graph_module.forward

    monkeypatch.setattr(step_compiler, "backend", picky_backend)
    x, y = _data(40)
    eager = _model()
    eager.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    model = _model(jit_compile=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
    messages = [str(w.message) for w in caught if "could not compile" in str(w.message)]
    compiled = model._run_state.train_compiler._whole_compiled
    if fails_on == "dynamic":
        assert messages == [] and compiled.eager_reason is None
        assert len(traced) == 2  # the full batches' graph, then the partial last batch's
    else:
        assert len(messages) == 1 and "Relational" in messages[0] and "`train_step`" in messages[0]
        assert traced == []
    _assert_same_weights(model, eager)


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
        lambda: keras.optimizers.RMSprop(0.01),
        lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1, amsgrad=True),
        lambda: keras.optimizers.Adam(0.01, loss_scale_factor=8.0, clipvalue=0.5),
    ],
    ids=["sgd_nesterov", "rmsprop_centered", "rmsprop", "adamw_amsgrad", "adam_scaled_clipped"],
)
def test_the_whole_train_step_is_one_graph_that_updates_as_eager(make_optimizer):
    """Forward, loss, backward and the optimizer's update run as one graph (no `.grad` is ever set, so nothing
    ran the autograd engine outside it), traced once for the run, with the eager run's weights and step count."""
    x, y = _data()
    eager = _model(make_optimizer())
    eager.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    model = _model(make_optimizer(), jit_compile=True)
    model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert _graphs() == 1
    assert all(p.grad is None for p in model.parameters())
    assert int(model.optimizer.iterations) == int(eager.optimizer.iterations) == 8
    _assert_same_weights(model, eager, atol=1e-5)


def test_dynamic_loss_scaling_runs_inside_the_whole_step_and_skips_as_eager():
    """LossScaleOptimizer in the one graph: a scale so large that the scaled gradients overflow float32 makes the
    first steps skip (weights and slots untouched, the step not counted, the scale halved), and
    growth doubles it back every two finite steps, into more skips: all as the eager run does."""
    x, y = _data()
    y = y * 1e3

    def run(jit):
        optimizer = keras.optimizers.LossScaleOptimizer(
            keras.optimizers.Adam(0.01), initial_scale=2.0**125, dynamic_growth_steps=2
        )
        model = _model(optimizer, jit_compile=jit)
        model.fit(x, y, batch_size=32, epochs=5, shuffle=False, verbose=0)
        return model

    eager, compiled = run(False), run(True)
    assert compiled._run_state.train_compiler._whole is not None and _graphs() == 1
    applied = int(eager.optimizer.iterations)
    assert applied >= 8 and 20 - applied >= 8  # the first 8 steps skip (2**125 down to 2**117), growth skips more
    assert int(compiled.optimizer.iterations) == int(eager.optimizer.iterations)
    assert float(compiled.optimizer.dynamic_scale) == float(eager.optimizer.dynamic_scale)
    assert int(compiled.optimizer.step_counter) == int(eager.optimizer.step_counter)
    _assert_same_weights(compiled, eager, atol=1e-5)
    slots = compiled.optimizer.inner_optimizer.variables, eager.optimizer.inner_optimizer.variables
    for got, expected in zip(*slots):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-5)


def test_the_whole_step_updates_batch_norm_statistics_and_trains_through_dropout():
    """BatchNormalization's moving statistics (tensors the gradient transform mutates in place) move as eagerly;
    Dropout draws its mask inside the graph (other random numbers than eager's, so only the loss is checked)."""
    x, y = _data()

    def batch_norm_model(jit):
        keras.utils.set_random_seed(1)
        model = keras.Sequential(
            [
                keras.Input((6,)),
                keras.layers.Dense(8, use_bias=False),
                keras.layers.BatchNormalization(),
                keras.layers.Dense(1),
            ]
        )
        model.compile(keras.optimizers.SGD(0.05), "mse", jit_compile=jit)
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        return model

    eager, compiled = batch_norm_model(False), batch_norm_model(True)
    assert compiled._run_state.train_compiler._whole is not None
    _assert_same_weights(compiled, eager, atol=1e-5)  # moving mean and variance included

    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dropout(0.2), keras.layers.Dense(1)]
    )
    model.compile(keras.optimizers.Adam(0.01), "mse", jit_compile=True)
    losses = model.fit(x, y, batch_size=32, epochs=20, verbose=0).history["loss"]
    assert model._run_state.train_compiler._whole is not None
    assert losses[-1] < 0.25 * losses[0]


def test_an_optimizer_without_a_tensor_update_compiles_the_forward_and_loss_only():
    """Adagrad has no update in tensor arithmetic: its update runs eagerly after the compiled forward and loss."""
    x, y = _data()
    eager = _model(keras.optimizers.Adagrad(0.1))
    eager.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    model = _model(keras.optimizers.Adagrad(0.1), jit_compile=True)
    model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert model._run_state.train_compiler._whole is None
    assert "Adagrad" in model.optimizer._graph_unsupported()
    assert _graphs() == 1
    _assert_same_weights(model, eager)


def test_a_step_that_cannot_be_one_graph_falls_back_to_the_split_step_with_one_warning(monkeypatch):
    from kerasish.trainers.whole_step import WholeTrainStep

    def refuse(self, *args):
        raise RuntimeError("mutates a captured tensor")

    monkeypatch.setattr(WholeTrainStep, "train_step", refuse)
    x, y = _data()
    eager = _model()
    eager.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    model = _model(jit_compile=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    messages = [str(w.message) for w in caught if "one graph" in str(w.message)]
    assert len(messages) == 1 and "mutates a captured tensor" in messages[0]
    assert model._run_state.train_compiler._whole is None
    _assert_same_weights(model, eager)


def test_more_models_than_the_recompile_limit_each_get_a_compiled_step():
    """torch.compile keeps at most `recompile_limit` graphs per code object; each model's step has its own."""
    x, y = _data(32)
    limit = torch._dynamo.config.recompile_limit
    for _ in range(limit + 2):
        model = _model(jit_compile=True)
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert _graphs() == limit + 2  # past the limit, a shared code object's frames would run uncompiled
