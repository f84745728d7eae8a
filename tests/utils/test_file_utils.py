"""get_file: Keras's cache location and names, hash checks, atomic downloads, safe extraction; no network.

Files are served from a loopback HTTP server (tests/fixtures/datasets/http_server.py). The cache names expected
for `extract=True` are the ones Keras 3.15's get_file produces (checked against it by hand: `photos.tgz` ->
`photos_extracted/`, `photos` -> `photos/` + `photos_archive`, no fname -> `<url name>/` + `<url name>_archive`).
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import textwrap
import time
import warnings
import zipfile

import pytest

from kerasish.utils import file_utils, get_file
from kerasish.utils.progbar import Progbar
from tests.fixtures.datasets.http_server import LoopbackServer

DATA = b"kerasish " * 1000


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture
def server():
    with LoopbackServer({"data.bin": DATA}) as s:
        yield s


def content(path):
    with open(path, "rb") as f:
        return f.read()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


TAR_TYPES = {"dir": tarfile.DIRTYPE, "fifo": tarfile.FIFOTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE}


def tar_gz(members, mode="w:gz"):
    """members: (name, kind, payload), kind "file" (payload: bytes), "dir", "fifo", "sym" or "hard" (target)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload))
                continue
            info.type = TAR_TYPES[kind]
            info.mode = 0o755 if kind == "dir" else 0o644
            info.linkname = payload or ""
            tar.addfile(info)
    return buffer.getvalue()


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(zipfile.ZipInfo(name), payload)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------- cache location


def test_downloads_into_keras_home_datasets(server, keras_home, capsys):
    path = get_file("data.bin", origin=server.url("data.bin"))
    assert path == str(keras_home / "datasets" / "data.bin")
    with open(path, "rb") as f:
        assert f.read() == DATA
    out = capsys.readouterr().out
    assert f"Downloading data from {server.url('data.bin')}" in out
    assert f"{len(DATA)}/{len(DATA)}" in out  # the progress bar counts bytes, and ends at the size


def test_default_cache_is_home_dot_keras(server, tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    os.makedirs(tmp_path / "home")
    assert get_file(origin=server.url("data.bin")) == str(tmp_path / "home" / ".keras" / "datasets" / "data.bin")


def test_unwritable_cache_dir_falls_back_to_tmp_keras(server, tmp_path, monkeypatch):
    denied = str(tmp_path / "read_only")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: path != denied and real_access(path, mode))
    fname = f"kerasish_test_{os.getpid()}_{time.time_ns()}.bin"
    path = get_file(fname, origin=server.url("data.bin"), cache_dir=denied)
    try:
        assert path == os.path.join("/tmp", ".keras", "datasets", fname)
    finally:
        os.remove(path)


def test_cache_dir_and_cache_subdir(server, tmp_path):
    assert get_file("d.bin", origin=server.url("data.bin"), cache_dir=tmp_path / "c", cache_subdir="models") == str(
        tmp_path / "c" / "models" / "d.bin"
    )
    absolute = tmp_path / "elsewhere"
    assert get_file("d.bin", origin=server.url("data.bin"), cache_subdir=str(absolute)) == str(absolute / "d.bin")


def test_file_name_comes_from_the_origin_and_must_not_be_a_path(server, keras_home):
    assert get_file(origin=server.url("data.bin") + "?x=1") == str(keras_home / "datasets" / "data.bin")
    with pytest.raises(ValueError, match="Paths are no longer accepted as the `fname` argument"):
        get_file(os.path.join("sub", "d.bin"), origin=server.url("data.bin"))
    with pytest.raises(ValueError, match="Can't parse the file name from the origin provided: 'http://127.0.0.1/'"):
        get_file(origin="http://127.0.0.1/")
    with pytest.raises(ValueError, match='specify the "origin" argument'):
        get_file("d.bin")


def test_file_urls_are_downloaded(tmp_path, keras_home):
    source = tmp_path / "source.bin"
    source.write_bytes(DATA)
    path = get_file("copy.bin", origin=source.as_uri(), file_hash=sha256(DATA))
    assert content(path) == DATA


# ------------------------------------------------------------------------------------------- caching, hashes


def test_cached_file_is_not_downloaded_again(server):
    first = get_file("data.bin", origin=server.url("data.bin"), file_hash=sha256(DATA))
    second = get_file("data.bin", origin=server.url("data.bin"), file_hash=sha256(DATA))
    assert first == second
    assert server.requests == ["data.bin"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"file_hash": hashlib.sha256(DATA).hexdigest()},
        {"file_hash": hashlib.md5(DATA).hexdigest()},  # 32 characters: md5, detected
        {"file_hash": hashlib.sha256(DATA).hexdigest().upper(), "hash_algorithm": "sha256"},
        {"md5_hash": hashlib.md5(DATA).hexdigest()},  # Keras 2's spelling
    ],
)
def test_matching_hashes_are_accepted(server, kwargs):
    path = get_file("data.bin", origin=server.url("data.bin"), **kwargs)
    assert content(path) == DATA


def test_hash_mismatch_raises_and_leaves_nothing_in_the_cache(server, keras_home):
    wrong = sha256(b"something else")
    with pytest.raises(ValueError, match=f"The sha256 file hash does not match the provided value of {wrong}") as info:
        get_file("data.bin", origin=server.url("data.bin"), file_hash=wrong)
    assert server.url("data.bin") in str(info.value) and sha256(DATA) in str(info.value)
    assert files_under(keras_home / "datasets") == []


def test_hash_mismatch_on_force_download_keeps_the_previous_file(server):
    path = get_file("data.bin", origin=server.url("data.bin"), file_hash=sha256(DATA))
    server.files["data.bin"] = b"tampered"
    with pytest.raises(ValueError, match="Incomplete or corrupted file detected"):
        get_file("data.bin", origin=server.url("data.bin"), file_hash=sha256(DATA), force_download=True)
    assert content(path) == DATA
    assert os.listdir(os.path.dirname(path)) == ["data.bin"]


def test_cached_file_with_a_wrong_hash_is_downloaded_again(server, keras_home, capsys):
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "data.bin").write_bytes(DATA[:100])  # a partial file, e.g. left by old Keras
    path = get_file("data.bin", origin=server.url("data.bin"), file_hash=sha256(DATA))
    assert content(path) == DATA
    assert "A local file was found, but it seems to be incomplete or outdated" in capsys.readouterr().out


def test_cached_file_without_a_hash_is_trusted_unless_forced(server):
    get_file("data.bin", origin=server.url("data.bin"))
    server.files["data.bin"] = b"version 2"
    assert content(get_file("data.bin", origin=server.url("data.bin"))) == DATA
    assert content(get_file("data.bin", origin=server.url("data.bin"), force_download=True)) == b"version 2"
    assert server.requests == ["data.bin", "data.bin"]


def test_bad_arguments_raise_before_downloading(server):
    with pytest.raises(ValueError, match="`hash_algorithm` must be one of .* Received: hash_algorithm='sha1'"):
        get_file("data.bin", origin=server.url("data.bin"), file_hash="00", hash_algorithm="sha1")
    with pytest.raises(ValueError, match="Received: archive_format='rar'"):
        get_file("data.bin", origin=server.url("data.bin"), extract=True, archive_format="rar")
    assert server.requests == []


def test_hash_file_and_validate_file(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(DATA)
    assert file_utils.hash_file(path) == sha256(DATA)
    assert file_utils.hash_file(path, "md5") == hashlib.md5(DATA).hexdigest()
    assert file_utils.validate_file(path, sha256(DATA))
    assert file_utils.validate_file(path, hashlib.md5(DATA).hexdigest())
    assert not file_utils.validate_file(path, sha256(b""))


# ------------------------------------------------------------------------------------------- failed downloads


def test_http_error_names_the_url(server, keras_home):
    with pytest.raises(OSError, match=f"URL fetch failure on {server.url('missing.bin')}: 404 -- "):
        get_file("missing.bin", origin=server.url("missing.bin"))
    assert files_under(keras_home / "datasets") == []


def test_dropped_connection_leaves_no_file(server, keras_home):
    server.truncate["data.bin"] = 1234
    with pytest.raises(OSError, match=f"retrieval incomplete: got only 1234 out of {len(DATA)} bytes"):
        get_file("data.bin", origin=server.url("data.bin"))
    assert files_under(keras_home / "datasets") == []
    del server.truncate["data.bin"]
    assert content(get_file("data.bin", origin=server.url("data.bin"))) == DATA


def test_interrupted_download_leaves_no_file(server, keras_home, monkeypatch):
    def interrupt(self, current, values=None, finalize=None):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Progbar, "update", interrupt)
        with pytest.raises(KeyboardInterrupt):
            get_file("data.bin", origin=server.url("data.bin"))
    assert files_under(keras_home / "datasets") == []
    assert content(get_file("data.bin", origin=server.url("data.bin"))) == DATA


def test_killed_download_never_leaves_a_partial_file_under_the_final_name(keras_home):
    data = os.urandom(512 * 1024)
    with LoopbackServer({"big.bin": data}) as server:
        server.stall_after["big.bin"] = 256 * 1024
        code = textwrap.dedent(f"""
            from kerasish.utils import get_file
            get_file("big.bin", origin={server.url("big.bin")!r})
        """)
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            env={**os.environ, "KERAS_HOME": str(keras_home)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            datadir = keras_home / "datasets"
            deadline = time.time() + 120
            while not any(p.stat().st_size > 0 for p in datadir.glob("*.tmp")):
                assert time.time() < deadline and process.poll() is None, "the download never started"
                time.sleep(0.05)
        finally:
            process.kill()
            process.wait()
        server.resume.set()
        assert not (datadir / "big.bin").exists()  # only a hidden temporary file holds the partial data

        del server.stall_after["big.bin"]
        path = get_file("big.bin", origin=server.url("big.bin"), file_hash=sha256(data))
        assert content(path) == data
    assert os.listdir(datadir) == ["big.bin"]  # the killed writer's temporary is gone too


# ------------------------------------------------------------------------------------------- extraction


ARCHIVE = [("photos", "dir", None), ("photos/a.txt", "file", b"a"), ("photos/sub/b.txt", "file", b"b")]


@pytest.mark.parametrize(
    "fname, extracted, archive",
    [
        ("photos.tgz", "photos_extracted", "photos.tgz"),
        ("photos", "photos", "photos_archive"),
        (None, "photos.tar.gz", "photos.tar.gz_archive"),  # the name in the URL, dots and all
        ("a.b.c", "a_extracted", "a.b.c"),
    ],
)
def test_extracted_folder_and_archive_names_match_keras(keras_home, fname, extracted, archive):
    with LoopbackServer({"photos.tar.gz": tar_gz(ARCHIVE)}) as server:
        path = get_file(fname, origin=server.url("photos.tar.gz"), extract=True)
    assert path == str(keras_home / "datasets" / extracted)
    assert files_under(keras_home / "datasets") == sorted(
        [
            archive,
            extracted,
            f"{extracted}/photos",
            f"{extracted}/photos/a.txt",
            f"{extracted}/photos/sub",
            f"{extracted}/photos/sub/b.txt",
        ]
    )


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_extracts_tar_archives(keras_home, mode):
    with LoopbackServer({"t": tar_gz(ARCHIVE, mode)}) as server:
        path = get_file("t", origin=server.url("t"), extract=True)
    assert content(os.path.join(path, "photos", "sub", "b.txt")) == b"b"


def test_extracts_zip_archives_and_untar_means_tar_only(keras_home):
    data = zip_bytes({"z/a.txt": b"a"})
    with LoopbackServer({"z.zip": data}) as server:
        path = get_file("z.zip", origin=server.url("z.zip"), extract=True)
        assert content(os.path.join(path, "z", "a.txt")) == b"a"
        with pytest.warns(UserWarning, match="Could not extract archive."):
            assert not os.path.exists(get_file("zz", origin=server.url("z.zip"), untar=True))


def test_extraction_is_reused_until_the_archive_is_downloaded_again(keras_home):
    with LoopbackServer({"p.tar": tar_gz(ARCHIVE, "w")}) as server:
        path = get_file("p", origin=server.url("p.tar"), extract=True)
        os.remove(os.path.join(path, "photos", "a.txt"))
        get_file("p", origin=server.url("p.tar"), extract=True)
        assert not os.path.exists(os.path.join(path, "photos", "a.txt"))  # the folder was reused as it is

        server.files["p.tar"] = tar_gz([("photos", "dir", None), ("photos/new.txt", "file", b"n")], "w")
        get_file("p", origin=server.url("p.tar"), extract=True, force_download=True)
    assert files_under(keras_home / "datasets" / "p") == ["photos", "photos/new.txt"]  # replaced, nothing stale
    assert files_under(keras_home / "datasets") == ["p", "p/photos", "p/photos/new.txt", "p_archive"]


def test_extraction_skips_members_that_would_land_outside(keras_home, tmp_path):
    absolute = str(tmp_path / "abs_evil.txt")
    members = [
        ("data", "dir", None),
        ("data/ok.txt", "file", b"ok"),
        ("data/alias", "sym", "ok.txt"),  # a link inside the folder: kept
        ("../evil.txt", "file", b"evil"),
        (absolute, "file", b"evil"),
        ("etc_link", "sym", "/etc"),
        ("up", "sym", "../.."),
        ("hard", "hard", "../outside.txt"),
        ("inner", "sym", "."),  # inside: kept...
        ("inner/../escaped.txt", "file", b"evil"),  # ...but does not carry a path outside
        ("data/pipe", "fifo", None),  # no device files or pipes (tarfile's "data" filter)
    ]
    with LoopbackServer({"evil.tar.gz": tar_gz(members)}) as server:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = get_file("evil.tar.gz", origin=server.url("evil.tar.gz"), extract=True)
    assert sorted(str(w.message) for w in caught) == sorted(
        f"Skipping invalid path during archive extraction: '{name}'."
        for name in ["../evil.txt", absolute, "etc_link", "up", "hard", "inner/../escaped.txt", "data/pipe"]
    )
    assert files_under(tmp_path / "keras_home" / "datasets") == [
        "evil.tar.gz",
        "evil_extracted",
        "evil_extracted/data",
        "evil_extracted/data/alias",
        "evil_extracted/data/ok.txt",
        "evil_extracted/inner",
    ]
    assert content(os.path.join(path, "data", "alias")) == b"ok"
    for name in ("evil.txt", "abs_evil.txt", "escaped.txt", "outside.txt"):
        assert list(tmp_path.rglob(name)) == []


def test_zip_extraction_skips_members_that_would_land_outside(keras_home, tmp_path):
    absolute = str(tmp_path / "abs_zip.txt")
    data = zip_bytes({"z/ok.txt": b"ok", "../zip_evil.txt": b"evil", absolute: b"evil"})
    with LoopbackServer({"z.zip": data}) as server:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = get_file("z.zip", origin=server.url("z.zip"), extract=True)
    assert sorted(str(w.message) for w in caught) == [
        f"Skipping invalid path during archive extraction: '{name}'." for name in sorted(["../zip_evil.txt", absolute])
    ]
    assert files_under(tmp_path / "keras_home" / "datasets" / "z_extracted") == ["z", "z/ok.txt"]
    assert os.path.exists(os.path.join(path, "z", "ok.txt"))
    assert list(tmp_path.rglob("zip_evil.txt")) == [] and list(tmp_path.rglob("abs_zip.txt")) == []
