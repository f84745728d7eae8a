"""Untrusted files: what the loaders refuse, and that a refusal changes nothing and costs little.

Each test builds a hostile file as an attacker would (h5py's external storage and virtual datasets, zip archives
written by hand, configs edited to ask for absurd sizes) and checks that loading raises a ValueError naming the
file and the offending part, before any weight changes, any other file is read, or any large allocation.
"""

import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile

import h5py
import numpy as np
import pytest
import torch

import kerasish as keras
from kerasish.saving import h5_format, saving_api

# What another file on the machine holds; a load that reads it gives the model these weights.
SECRET = np.full((3, 4), 42.0, "float32")
X = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)

# Where the first Dense layer's kernel (3, 4) sits in each kind of file.
KINDS = {
    "legacy_weights": ("w.h5", "hidden/hidden/kernel:0"),
    "h5": ("m.h5", "model_weights/hidden/hidden/kernel:0"),
    "weights_h5": ("m.weights.h5", "layers/dense/vars/0"),
    "keras": ("m.keras", "layers/dense/vars/0"),
}


def _model():
    inputs = keras.Input((3,), name="x")
    hidden = keras.layers.Dense(4, name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, np.ones((2, 1), "float32"), verbose=0)
    model.save_weights(folder / "w.h5")
    model.save(folder / "m.h5")
    model.save_weights(folder / "m.weights.h5")
    model.save(folder / "m.keras")
    return {kind: (folder / name).read_bytes() for kind, (name, _) in KINDS.items()}


def _zip(path, members):
    """Writes `members` ((name, bytes) pairs, duplicates allowed) as a zip archive."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members:
            z.writestr(name, data)


def _members(content: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _edit_h5(content: bytes, edit) -> bytes:
    """`content` (an HDF5 file's bytes) after `edit(h5py.File)`."""
    buffer = io.BytesIO(content)
    with h5py.File(buffer, "a") as f:
        edit(f)
    return buffer.getvalue()


def _write_hostile(saved, kind, folder, edit):
    """The saved file of `kind`, with `edit` applied to its HDF5 part (model.weights.h5 inside a .keras)."""
    path = folder / KINDS[kind][0]
    if kind == "keras":
        members = _members(saved["keras"])
        members["model.weights.h5"] = _edit_h5(members["model.weights.h5"], edit)
        _zip(path, members.items())
    else:
        path.write_bytes(_edit_h5(saved[kind], edit))
    return path


def _external(source, offset=0):
    def edit_dataset(f, name):
        shape, dtype = f[name].shape, f[name].dtype
        del f[name]
        f.create_dataset(
            name, shape=shape, dtype=dtype, external=[(str(source), offset, int(np.prod(shape)) * dtype.itemsize)]
        )

    return edit_dataset


def _virtual(source):
    def edit_dataset(f, name):
        shape, dtype = f[name].shape, f[name].dtype
        del f[name]
        layout = h5py.VirtualLayout(shape=shape, dtype=dtype)
        layout[...] = h5py.VirtualSource(str(source), "secret", shape=shape)
        f.create_virtual_dataset(name, layout)

    return edit_dataset


@pytest.fixture
def secrets(tmp_path):
    raw = tmp_path / "secret.bin"
    raw.write_bytes(SECRET.tobytes())
    with h5py.File(tmp_path / "secret.h5", "w") as f:
        f["secret"] = SECRET
    return {"external": _external(raw), "virtual": _virtual(tmp_path / "secret.h5")}


def _assert_refused_naming(load, path, dataset):
    with pytest.raises(ValueError) as error:
        load(path)
    assert path.name in str(error.value)
    assert dataset in str(error.value)
    return str(error.value)


def _peak_growth(tmp_path, code: str) -> dict:
    """Runs `code` (which sets `result`) in a fresh interpreter and returns `result` with the seconds it took and
    how far the process's peak memory grew: a fresh process, so an earlier test's peak cannot hide it."""
    script = tmp_path / "probe.py"
    script.write_text(
        "import json, resource, time\nimport kerasish as keras\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\nstart = time.monotonic()\n"
        f"{code}\n"
        "result['seconds'] = time.monotonic() - start\n"
        "result['growth_mb'] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024\n"
        "print(json.dumps(result))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load_error(path):
    return (
        f"try:\n    keras.models.load_model({str(path)!r})\n    result = {{'error': None}}\n"
        "except ValueError as e:\n    result = {'error': str(e)}"
    )


# ---- HDF5 datasets whose bytes live outside the file --------------------------------------------------------


@pytest.mark.parametrize("how", ["external", "virtual"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_datasets_stored_outside_the_file_are_refused_and_change_nothing(tmp_path, saved, secrets, kind, how):
    dataset = KINDS[kind][1]
    path = _write_hostile(saved, kind, tmp_path, lambda f: secrets[how](f, dataset))
    model = _model()
    before = model.get_weights()
    message = _assert_refused_naming(model.load_weights, path, dataset)
    assert how in message
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)
    if kind in ("h5", "keras"):
        _assert_refused_naming(keras.models.load_model, path, dataset)


@pytest.mark.parametrize("how", ["external", "virtual"])
def test_optimizer_weights_stored_outside_an_h5_model_are_refused(tmp_path, saved, secrets, how):
    with h5py.File(io.BytesIO(saved["h5"]), "r") as f:
        group = f["optimizer_weights"]
        names = [name.decode() for name in group.attrs["weight_names"]]
        # An Adam slot of the first kernel: (3, 4), like the secret.
        slot = next(f"optimizer_weights/{name}" for name in names if group[name].shape == (3, 4))
    path = _write_hostile(saved, "h5", tmp_path, lambda f: secrets[how](f, slot))
    _assert_refused_naming(keras.models.load_model, path, slot)
    assert keras.models.load_model(path, compile=False).get_weights()[0].shape == (3, 4)  # the optimizer not read


class _FifoWriter(threading.Thread):
    """Guards a test that opens a named pipe: if anyone opens it for reading, this writes the secret and closes
    it, so a loader that reads it returns (with the secret) instead of hanging the test run."""

    def __init__(self, fifo):
        super().__init__(daemon=True)
        self.fifo, self.stop, self.wrote = fifo, threading.Event(), False

    def run(self):
        while not self.stop.wait(0.05):
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet
                continue
            os.write(fd, SECRET.tobytes())
            os.close(fd)
            self.wrote = True


@pytest.mark.parametrize("kind", ["legacy_weights", "weights_h5", "keras"])
def test_external_storage_on_a_named_pipe_is_refused_without_opening_it(tmp_path, saved, kind):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    dataset = KINDS[kind][1]
    path = _write_hostile(saved, kind, tmp_path, lambda f: _external(fifo)(f, dataset))
    writer = _FifoWriter(fifo)
    writer.start()
    try:
        start = time.monotonic()
        _assert_refused_naming(_model().load_weights, path, dataset)
        assert time.monotonic() - start < 5
    finally:
        writer.stop.set()
        writer.join()
    assert not writer.wrote  # nobody opened the pipe


def test_data_that_is_not_stored_is_refused_as_a_shape_bomb(tmp_path, saved):
    # A 4 GB dataset that stores nothing: chunked and compressed, never written, it reads as its fill value.
    def edit(f):
        group = f["layers/dense/vars"]
        group.create_dataset("bomb", shape=(10**9,), dtype="float32", chunks=(10**6,), compression="gzip")

    path = _write_hostile(saved, "weights_h5", tmp_path, edit)
    with h5py.File(path, "r") as f:
        with pytest.raises(ValueError, match=r"layers/dense/vars/bomb.*4000000000 bytes.*0 bytes"):
            h5_format.get_dataset(f, "layers/dense/vars/bomb")
    assert path.stat().st_size < 100_000


# ---- zip archives ------------------------------------------------------------------------------------------


def _bomb(path, name, size, others):
    """An archive whose member `name` inflates to `size` bytes of spaces (a few hundred KB stored)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for other, data in others.items():
            z.writestr(other, data)
        with z.open(name, "w") as member:
            chunk = b" " * 2**20
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return path


@pytest.mark.parametrize("member", ["config.json", "model.weights.h5"])
def test_a_zip_bomb_member_is_refused_from_its_declared_size(tmp_path, saved, member):
    others = {name: data for name, data in _members(saved["keras"]).items() if name != member}
    path = _bomb(tmp_path / "bomb.keras", member, 300 * 2**20, others)
    assert path.stat().st_size < 2 * 2**20
    result = _peak_growth(tmp_path, _load_error(path))
    assert "bomb.keras" in result["error"] and member in result["error"]
    assert result["growth_mb"] < 100 and result["seconds"] < 2
    with pytest.raises(ValueError, match=member):
        _model().load_weights(path) if member == "model.weights.h5" else keras.models.load_model(path)


def test_a_member_that_inflates_past_its_declared_size_is_refused_without_inflating(tmp_path, saved):
    # The central directory says config.json holds 2 bytes; its stream inflates to 300 MB.
    members = _members(saved["keras"])
    path = _bomb(tmp_path / "liar.keras", "config.json", 300 * 2**20, {"model.weights.h5": members["model.weights.h5"]})
    content = bytearray(path.read_bytes())
    entry = content.find(b"PK\x01\x02")  # central directory entries: the name at +46, the size at +24
    while content[entry + 46 : entry + 57] != b"config.json":
        entry = content.find(b"PK\x01\x02", entry + 4)
    content[entry + 24 : entry + 28] = (2).to_bytes(4, "little")
    path.write_bytes(bytes(content))
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("config.json").file_size == 2
    result = _peak_growth(tmp_path, _load_error(path))
    assert "liar.keras" in result["error"]
    assert result["growth_mb"] < 100 and result["seconds"] < 2


def test_weights_that_compress_very_well_still_load_when_kerasish_wrote_them(tmp_path):
    # 80 MB of zeros would compress 1000:1; kerasish stores the weights member uncompressed, as Keras does.
    model = keras.Sequential([keras.Input((4,)), keras.layers.Embedding(5_000_000, 4, embeddings_initializer="zeros")])
    model.save(tmp_path / "zeros.keras")
    with zipfile.ZipFile(tmp_path / "zeros.keras") as z:
        assert z.getinfo("model.weights.h5").compress_type == zipfile.ZIP_STORED
    restored = keras.models.load_model(tmp_path / "zeros.keras")
    assert restored.get_weights()[0].shape == (5_000_000, 4)


def test_an_archive_without_weights_is_refused(tmp_path, saved):
    members = _members(saved["keras"])
    path = tmp_path / "no_weights.keras"
    _zip(path, [(name, data) for name, data in members.items() if name != "model.weights.h5"])
    for load in (keras.models.load_model, _model().load_weights):
        with pytest.raises(ValueError, match=r"no_weights\.keras.*model\.weights\.h5"):
            load(path)


def test_a_model_without_weights_still_writes_and_reads_its_weights_member(tmp_path):
    # Keras 3 writes model.weights.h5 for every model, weights or not; so does kerasish.
    model = keras.Sequential([keras.Input((3,)), keras.layers.Flatten()])
    model.save(tmp_path / "flat.keras")
    with zipfile.ZipFile(tmp_path / "flat.keras") as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
    np.testing.assert_array_equal(keras.models.load_model(tmp_path / "flat.keras").predict(X, verbose=0), X)


@pytest.mark.parametrize("member", ["config.json", "model.weights.h5", "metadata.json"])
def test_duplicate_members_are_refused(tmp_path, saved, member):
    members = _members(saved["keras"])
    other = _model()
    other.save(tmp_path / "other.keras")
    path = tmp_path / "twice.keras"
    with pytest.warns(UserWarning, match="Duplicate name"):
        _zip(path, list(members.items()) + [(member, _members((tmp_path / "other.keras").read_bytes())[member])])
    for load in (keras.models.load_model, _model().load_weights):
        with pytest.raises(ValueError, match=rf"twice\.keras.*{member}.*2 times"):
            load(path)


# ---- configs that ask for absurd sizes ----------------------------------------------------------------------


def _with_units(saved, kind, folder, units):
    """The saved .keras or .h5 model with its output layer's config asking for `units`."""
    if kind == "keras":
        members = _members(saved["keras"])
        config = json.loads(members["config.json"])
        layer = next(layer for layer in config["config"]["layers"] if layer["config"]["name"] == "out")
        layer["config"]["units"] = units
        members["config.json"] = json.dumps(config).encode()
        path = folder / "huge.keras"
        _zip(path, members.items())
        return path

    def edit(f):
        config = json.loads(f.attrs["model_config"])
        layer = next(layer for layer in config["config"]["layers"] if layer["config"]["name"] == "out")
        layer["config"]["units"] = units
        f.attrs["model_config"] = json.dumps(config)

    path = folder / "huge.h5"
    path.write_bytes(_edit_h5(saved["h5"], edit))
    return path


@pytest.mark.parametrize("kind", ["keras", "h5"])
def test_a_config_asking_for_absurd_sizes_is_refused_before_allocating(tmp_path, saved, kind):
    path = _with_units(saved, kind, tmp_path, 10**8)  # a (4, 10**8) kernel: 1.6 GB
    result = _peak_growth(tmp_path, _load_error(path))
    assert path.name in result["error"]
    assert "out" in result["error"] and "(4, 100000000)" in result["error"] and "(4, 1)" in result["error"]
    assert result["growth_mb"] < 100 and result["seconds"] < 2


def test_a_config_and_a_dataset_that_agree_on_an_absurd_size_are_refused(tmp_path, saved):
    # The config asks for (4, 10**8), and the file declares datasets of those shapes that store nothing.
    path = _with_units(saved, "h5", tmp_path, 10**8)

    def edit(f):
        for name, shape in (("kernel:0", (4, 10**8)), ("bias:0", (10**8,))):
            del f[f"model_weights/out/out/{name}"]
            f.create_dataset(
                f"model_weights/out/out/{name}", shape=shape, dtype="float32", chunks=True, compression="gzip"
            )

    path.write_bytes(_edit_h5(path.read_bytes(), edit))
    result = _peak_growth(tmp_path, _load_error(path))
    assert "huge.h5" in result["error"] and "out/out/kernel:0" in result["error"]
    assert result["growth_mb"] < 100 and result["seconds"] < 2


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_models_larger_than_the_probe_budget_load_exactly(tmp_path, suffix):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(3200), keras.layers.Dense(3200), keras.layers.Dense(1)]
    )
    assert sum(w.numel() * 4 for w in model.weights) > saving_api.PROBE_BUDGET_BYTES
    model.compile(optimizer="adam", loss="mse")
    model.fit(X, np.ones((2, 1), "float32"), verbose=0)
    model.save(tmp_path / f"big{suffix}")
    restored = keras.models.load_model(tmp_path / f"big{suffix}")
    for now, then in zip(restored.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(now, then)
    np.testing.assert_array_equal(restored.predict(X, verbose=0), model.predict(X, verbose=0))
    assert all(w.device.type == "cpu" for w in restored.weights + restored.optimizer.variables)
    torch.manual_seed(0)
    keras.models.load_model(tmp_path / f"big{suffix}")
    probed = torch.get_rng_state()
    torch.manual_seed(0)
    keras.models.load_model(tmp_path / f"big{suffix}", safe_mode=False)  # trusted: built once, no probe
    assert torch.equal(probed, torch.get_rng_state())  # the probe drew nothing the real build would not


@pytest.mark.slow  # builds a model too big for the probe's budget
def test_a_config_whose_build_cannot_be_checked_within_the_budget_needs_safe_mode_off(tmp_path):
    # Hashing has no meta kernel: its output shape comes from a run on real zeros, here 83 x 200,000 int64s
    # (133 MB) for a file of a few KB. The same config with 10**9 features would ask for 664 GB.
    inputs = keras.Input((200_000,), dtype="int64")
    model = keras.Model(inputs, keras.layers.Hashing(num_bins=7)(inputs))
    model.save(tmp_path / "wide.keras")
    with pytest.raises(ValueError, match=r"wide\.keras.*Hashing.*safe_mode=False"):
        keras.models.load_model(tmp_path / "wide.keras")
    ids = np.arange(400_000, dtype="int64").reshape(2, 200_000)
    trusted = keras.models.load_model(tmp_path / "wide.keras", safe_mode=False)
    np.testing.assert_array_equal(trusted.predict(ids, verbose=0), model.predict(ids, verbose=0))
