"""atomic_write: durable renames, no temporaries left by killed saves, long names and symlinked targets."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import kerasish as keras
from kerasish.saving import atomic
from kerasish.saving.atomic import atomic_write

# The child loads atomic.py by path: it needs only the standard library, so no torch import slows the test.
_SAVE_THEN_HANG = f"""
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("atomic", {atomic.__file__!r})
atomic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic)
with atomic.atomic_write(sys.argv[1]) as tmp:
    with open(tmp, "wb") as f:
        f.write(b"partial" * 1000)
    print(tmp, flush=True)
    time.sleep(120)
"""


def _start_save(target):
    """A process stuck in the middle of a save of `target`; returns it and the temporary file it wrote."""
    child = subprocess.Popen([sys.executable, "-c", _SAVE_THEN_HANG, str(target)], stdout=subprocess.PIPE, text=True)
    tmp = child.stdout.readline().strip()
    assert tmp and os.path.exists(tmp), "the child did not reach the middle of its save"
    return child, tmp


def _write(target, text):
    with atomic_write(target) as tmp, open(tmp, "w") as f:
        f.write(text)


def _model(seed):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


def test_a_later_save_removes_the_temporaries_of_killed_saves_but_not_of_live_ones(tmp_path):
    target = tmp_path / "w.h5"
    _write(target, "old")
    killed, killed_tmp = _start_save(target)
    live, live_tmp = _start_save(target)
    try:
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        assert os.path.exists(killed_tmp)

        _write(target, "new")
        assert target.read_text() == "new"
        assert not os.path.exists(killed_tmp)
        assert os.path.exists(live_tmp)  # another process is still writing it
    finally:
        live.kill()
        live.wait(timeout=30)
    _write(target, "newer")
    assert sorted(os.listdir(tmp_path)) == ["w.h5"]


def test_temporaries_of_other_targets_in_the_folder_are_kept(tmp_path):
    other, other_tmp = _start_save(tmp_path / "other.h5")
    other.send_signal(signal.SIGKILL)
    other.wait(timeout=30)
    _write(tmp_path / "w.h5", "new")
    assert os.path.exists(other_tmp)  # a save of other.h5 removes it, not a save of w.h5
    _write(tmp_path / "other.h5", "new")
    assert sorted(os.listdir(tmp_path)) == ["other.h5", "w.h5"]


def test_the_file_is_synced_before_the_rename_and_the_folder_after_it(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.path.basename(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "w.h5"
    _write(target, "data")
    assert events == [("fsync", os.stat(target).st_ino), ("replace", "w.h5"), ("fsync", os.stat(tmp_path).st_ino)]
    assert target.read_text() == "data"


def test_a_failed_sync_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "w.h5"
    _write(target, "old")

    def fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output"):
        _write(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["w.h5"]


@pytest.mark.parametrize("suffix", [".weights.h5", ".h5", ".keras"])
def test_a_file_name_of_255_bytes_can_be_saved(tmp_path, suffix):
    path = tmp_path / ("m" * (255 - len(suffix)) + suffix)
    model = _model(seed=1)
    if suffix == ".keras":
        model.save(path)
        loaded = keras.models.load_model(path)
    else:
        model.save_weights(path)
        loaded = _model(seed=2)
        loaded.load_weights(path)
    for ours, saved in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, saved)
    assert os.listdir(tmp_path) == [path.name]


def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "real" / "w.weights.h5"
    link = tmp_path / "links" / "w.weights.h5"
    _model(seed=1).save_weights(target)
    os.symlink(os.path.join("..", "real", "w.weights.h5"), link)

    saved = _model(seed=2)
    saved.save_weights(link)
    assert os.path.islink(link)
    assert os.readlink(link) == os.path.join("..", "real", "w.weights.h5")
    loaded = _model(seed=3)
    loaded.load_weights(target)
    for ours, theirs in zip(loaded.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    # The temporary file lived beside the target (a rename cannot cross file systems), and is gone.
    assert os.listdir(tmp_path / "real") == ["w.weights.h5"]
    assert os.listdir(tmp_path / "links") == ["w.weights.h5"]


def test_saving_through_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "latest.txt"
    os.symlink("run-1.txt", link)
    _write(link, "data")
    assert os.path.islink(link)
    assert (tmp_path / "run-1.txt").read_text() == "data"
