"""`keras.export.ExportArchive`: endpoints written as torch.export programs, variable collections beside them."""

import numpy as np
import pytest
import torch

import kerasish as keras


def _model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    model.fit(x, x.sum(axis=1), epochs=1, verbose=0)
    return model, x


def test_endpoints_and_variable_collections(tmp_path, capsys):
    model, x = _model()
    archive = keras.export.ExportArchive()
    archive.track(model)
    spec = [keras.InputSpec(shape=(None, 3), dtype="float32")]
    archive.add_endpoint(name="serve", fn=model.call, input_signature=spec)
    archive.add_endpoint(name="doubled", fn=lambda t: model(t) * 2, input_signature=spec)
    archive.add_variable_collection(name="optimizer_variables", variables=model.optimizer.variables)
    archive.write_out(tmp_path / "served")
    printed = capsys.readouterr().out
    assert "* Endpoint 'serve'" in printed and "* Endpoint 'doubled'" in printed

    expected = model.predict(x, verbose=0)
    serve = torch.export.load(tmp_path / "served" / "serve.pt2").module()
    doubled = torch.export.load(tmp_path / "served" / "doubled.pt2").module()
    np.testing.assert_allclose(serve(torch.from_numpy(x)).detach().numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(doubled(torch.from_numpy(x[:5])).detach().numpy(), 2 * expected[:5], atol=1e-6)
    saved = torch.load(tmp_path / "served" / "optimizer_variables.pt", weights_only=True)
    assert len(saved) == len(model.optimizer.variables)
    for value, variable in zip(saved.values(), model.optimizer.variables):  # in the optimizer's order
        np.testing.assert_array_equal(value.numpy(), variable.detach().numpy())
    assert int(next(iter(saved.values()))) == 1  # the iteration count: one step (16 samples, batch 32)


def test_track_and_add_endpoint_holds_weights_as_parameters(tmp_path):
    model, x = _model()
    archive = keras.export.ExportArchive()
    archive.track_and_add_endpoint("serve", model, [keras.InputSpec(shape=(None, 3), dtype="float32")])
    archive.write_out(tmp_path / "served", verbose=False)
    program = torch.export.load(tmp_path / "served" / "serve.pt2")
    # The tracked model's weights are the program's parameters (not constants folded into the graph).
    assert len(program.graph_signature.parameters) == 4


def test_archive_errors():
    model, _ = _model()
    archive = keras.export.ExportArchive()
    spec = [keras.InputSpec(shape=(None, 3), dtype="float32")]
    with pytest.raises(ValueError, match="No endpoints have been set yet"):
        archive.write_out("unused")
    with pytest.raises(ValueError, match="must provide an `input_signature`"):
        archive.add_endpoint("serve", model.call)
    with pytest.raises(ValueError, match="not yet been built"):
        archive.track(keras.layers.Dense(2))
    with pytest.raises(ValueError, match="Invalid resource type"):
        archive.track(object())
    archive.add_endpoint("serve", model.call, input_signature=spec)
    with pytest.raises(ValueError, match="Endpoint name 'serve' is already taken"):
        archive.add_endpoint("serve", model.call, input_signature=spec)
    with pytest.raises(ValueError, match="list/tuple/set"):
        archive.add_variable_collection("vars", model.weights[0])
