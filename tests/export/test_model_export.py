"""`model.export(...)`: ONNX files checked in ONNX Runtime, torch.export programs run without kerasish."""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import kerasish as keras


def _two_input_model():
    keras.utils.set_random_seed(1)
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    x = keras.layers.Concatenate()([a, b])
    x = keras.layers.Dense(5, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dropout(0.5)(x)  # off in the exported inference
    out = keras.layers.Dense(2, activation="softmax")(x)
    model = keras.Model([a, b], out)
    # Moving statistics away from 0 and 1, so that inference mode shows in the numbers.
    gamma, beta, mean, variance = model.layers[-3].get_weights()
    model.layers[-3].set_weights([gamma, beta, np.linspace(-1, 1, 5), np.linspace(0.5, 2, 5)])
    return model


def _data(n):
    rng = np.random.default_rng(n)
    return rng.normal(size=(n, 4)).astype("float32"), rng.normal(size=(n, 3)).astype("float32")


def test_onnx_export_runs_in_onnxruntime_with_keras_input_names_and_a_free_batch(tmp_path, capsys):
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    model = _two_input_model()
    path = tmp_path / "model.onnx"
    model.export(path, format="onnx")
    assert f"Saved artifact at '{path}'." in capsys.readouterr().out
    session = ort.InferenceSession(str(path))
    assert [(i.name, i.shape) for i in session.get_inputs()] == [("a", ["batch", 4]), ("b", ["batch", 3])]
    for n in (1, 7):  # any batch size, 1 included
        xa, xb = _data(n)
        (onnx_out,) = session.run(None, {"a": xa, "b": xb})
        np.testing.assert_allclose(onnx_out, model.predict([xa, xb], verbose=0), atol=1e-6)
    assert not model.training  # left as it was


def test_torch_export_loads_and_runs_without_kerasish(tmp_path):
    model = _two_input_model()
    path = tmp_path / "model.pt2"
    model.export(path, format="torch", verbose=False)
    xa, xb = _data(6)
    np.save(tmp_path / "a.npy", xa)
    np.save(tmp_path / "b.npy", xb)
    script = (
        "import json, sys\n"
        # kerasish cannot be imported here: the program must not need it.
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'kerasish':\n"
        "            raise ImportError('kerasish is not installed here')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "import numpy as np, torch\n"
        f"program = torch.export.load({str(path)!r}).module()\n"
        f"a = torch.from_numpy(np.load({str(tmp_path / 'a.npy')!r}))\n"
        f"b = torch.from_numpy(np.load({str(tmp_path / 'b.npy')!r}))\n"
        "out = program(a, b)\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] == 'kerasish']\n"
        "print(json.dumps({'out': out.tolist(), 'kerasish': loaded}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path)
    reply = json.loads(result.stdout.splitlines()[-1])
    assert reply["kerasish"] == []
    np.testing.assert_allclose(reply["out"], model.predict([xa, xb], verbose=0), atol=1e-6)


def test_torch_export_of_sequential_and_subclassed_models(tmp_path):
    keras.utils.set_random_seed(2)
    sequential = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="tanh")])

    class Doubled(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x) * 2.0

    subclassed = Doubled()
    subclassed(np.ones((2, 6), "float32"))  # a subclassed model's signature comes from its first call
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    for model in (sequential, subclassed):
        model.export(tmp_path / "m.pt2", format="torch", verbose=False)
        program = torch.export.load(tmp_path / "m.pt2").module()
        exported = program(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(exported, model.predict(x, verbose=0), atol=1e-6)
        # The program's weights are the model's, under its own names.
        np.testing.assert_allclose(
            program.state_dict()[next(k for k in program.state_dict() if k.endswith("kernel"))].numpy(),
            model.weights[0].numpy(),
        )


def test_export_input_signature_and_errors(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.export(tmp_path / "m.pt2", format="torch")
    spec = keras.InputSpec(shape=(None, 3), dtype="float32")
    model.build((None, 3))
    model.export(tmp_path / "m.pt2", format="torch", input_signature=[spec], verbose=False)
    program = torch.export.load(tmp_path / "m.pt2").module()
    x = np.ones((4, 3), "float32")
    np.testing.assert_allclose(program(torch.from_numpy(x)).detach().numpy(), model.predict(x, verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match="'.pt2'"):
        model.export(tmp_path / "m.onnx", format="torch")
    with pytest.raises(ValueError, match='Unsupported arguments for format="torch": opset'):
        model.export(tmp_path / "m.pt2", format="torch", opset=3)
    with pytest.raises(ValueError, match='format="onnx"'):
        model.export(tmp_path / "saved_model")  # Keras's default, TensorFlow's SavedModel
    with pytest.raises(ValueError, match="Unrecognized format=zip"):
        model.export(tmp_path / "m.zip", format="zip")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_export_of_a_model_on_cuda(tmp_path):
    """The sample inputs are traced on the model's device; the ONNX file runs anywhere, the program on CUDA."""
    model = _two_input_model()
    model.to("cuda")
    xa, xb = _data(5)
    expected = model.predict([xa, xb], verbose=0)
    model.export(tmp_path / "m.pt2", format="torch", verbose=False)
    program = torch.export.load(tmp_path / "m.pt2").module()
    with torch.no_grad():
        out = program(torch.from_numpy(xa).cuda(), torch.from_numpy(xb).cuda())
    assert out.is_cuda
    np.testing.assert_allclose(out.cpu().numpy(), expected, atol=1e-5)
    if importlib.util.find_spec("onnxscript") and importlib.util.find_spec("onnxruntime"):
        import onnxruntime

        model.export(tmp_path / "m.onnx", format="onnx", verbose=False)
        session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(session.run(None, {"a": xa, "b": xb})[0], expected, atol=1e-5)
