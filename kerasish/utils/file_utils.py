"""`get_file`: downloads into Keras's own cache, checks the file's hash and extracts archives safely.

The cache is the folder Keras uses (`$KERAS_HOME`, else `~/.keras`, else `/tmp/.keras`) with Keras's file and
folder names, so a file that Keras downloaded is found here and the other way round.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
from collections.abc import Iterator, Sequence

from kerasish.saving.atomic import atomic_write
from kerasish.utils.progbar import Progbar

_CHUNK_SIZE = 64 * 1024
_HASH_ALGORITHMS = ("auto", "md5", "sha256")
_ARCHIVE_FORMATS = ("tar", "zip")


def get_file(
    fname: str | os.PathLike | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str | Sequence[str] | None = "auto",
    cache_dir: str | os.PathLike | None = None,
    force_download: bool = False,
) -> str:
    """Downloads a file from a URL unless it is already in the cache, and returns its path.

    The file lands in `cache_dir/cache_subdir/fname`, by default `~/.keras/datasets/fname`. A download is
    written to a temporary name, its hash checked, and only then renamed, so the cache never holds a partial
    or corrupted file. With `extract=True` the archive (zip, tar, tar.gz/bz2/xz) is unpacked next to it;
    members that would land outside that folder (`../` paths, absolute paths, links pointing outside) are
    skipped with a warning, as Keras skips them.

    Args:
        fname: Name of the file in the cache; the last part of `origin`'s path when `None`. With `extract`,
            an `fname` with an extension (`"photos.tgz"`) names the archive and the files go to
            `photos_extracted/`; one without (`"photos"`) names the folder and the archive is
            `photos_archive`.
        origin: URL of the file (`https://`, `http://`, `file://`).
        untar: Keras 2's spelling of `extract=True, archive_format="tar"`.
        md5_hash: Keras 2's spelling of `file_hash=..., hash_algorithm="md5"`.
        file_hash: Expected sha256 or md5 hex digest of the file. A cached file that does not match is
            downloaded again; a download that does not match raises a `ValueError`.
        cache_subdir: Folder under `cache_dir`; an absolute path is used as is.
        hash_algorithm: `"md5"`, `"sha256"`, or `"auto"` (sha256 for a 64-character hash, md5 otherwise).
        extract: Whether to extract the archive; the path of the extracted folder is returned.
        archive_format: `"auto"` (tar, then zip), `"tar"`, `"zip"`, a list of those, or `None` (extract
            nothing).
        cache_dir: Cache folder; Keras's (`$KERAS_HOME` or `~/.keras`) when `None`. A folder that cannot be
            written to is replaced by `/tmp/.keras`, as Keras does.
        force_download: Download again even when the file is cached.

    Returns:
        The path of the downloaded file, or of the extracted folder with `extract=True`.

    Example:

    ```python
    path = keras.utils.get_file(
        origin="https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz",
        extract=True,
    )
    ```
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = _resolve_algorithm(hash_algorithm, file_hash)
    extract = extract or untar
    formats = _archive_formats("tar" if untar else archive_format) if extract else []

    datadir = os.path.join(_cache_root(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    download_target, extraction_dir = _cache_paths(datadir, fname, origin, extract)

    downloaded = False
    if force_download or not _is_cached(download_target, file_hash, algorithm):
        _download(origin, download_target, file_hash, algorithm)
        downloaded = True
    if not extract:
        return download_target
    # Keras unpacks again on every call; an archive that was not downloaded again has the same content, so
    # the folder already there is reused.
    if downloaded or not os.path.exists(extraction_dir):
        if not _extract_into(download_target, extraction_dir, formats):
            warnings.warn("Could not extract archive.", stacklevel=2)
    return extraction_dir


def keras_home() -> str:
    """Keras's folder: `$KERAS_HOME`, else `~/.keras`, else `/tmp/.keras` when the home folder is read-only."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    base = os.path.expanduser("~")
    if not os.access(base, os.W_OK):
        base = "/tmp"
    return os.path.join(base, ".keras")


def hash_file(fpath: str | os.PathLike, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """Returns the hex digest of a file: `"sha256"`, `"md5"`, or `"auto"` (md5, as Keras without a hash)."""
    hasher = hashlib.new(_resolve_algorithm(algorithm, None))
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535) -> bool:
    """Whether a file's sha256 or md5 digest (`"auto"` picks by the hash's length) equals `file_hash`."""
    digest = hash_file(fpath, _resolve_algorithm(algorithm, file_hash), chunk_size)
    return digest == str(file_hash).lower()


def extract_archive(
    file_path: str | os.PathLike, path: str | os.PathLike = ".", archive_format: str | Sequence[str] | None = "auto"
) -> bool:
    """Extracts a tar or zip archive into `path`, skipping members that would land outside it.

    Args:
        file_path: The archive.
        path: Folder to extract into.
        archive_format: `"auto"` (tar, then zip), `"tar"` (also tar.gz, tar.bz2, tar.xz), `"zip"`, a list
            of those, or `None`.

    Returns:
        Whether the file was one of the formats tried (and was extracted).
    """
    file_path, path = os.fspath(file_path), os.fspath(path)
    for archive_type in _archive_formats(archive_format):
        if archive_type == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                _extract_tar(archive, path)
            return True
        if archive_type == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                archive.extractall(path, members=_safe_zip_members(archive, path))
            return True
    return False


def _resolve_algorithm(hash_algorithm: str, file_hash: str | None) -> str:
    if hash_algorithm not in _HASH_ALGORITHMS:
        raise ValueError(
            f"`hash_algorithm` must be one of {_HASH_ALGORITHMS}. Received: hash_algorithm={hash_algorithm!r}"
        )
    if hash_algorithm == "auto":
        # As Keras: a 64-character hash is sha256; anything else (or no hash) is the legacy md5.
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    return hash_algorithm


def _archive_formats(archive_format: str | Sequence[str] | None) -> list[str]:
    if archive_format is None:
        return []
    if archive_format == "auto":
        return list(_ARCHIVE_FORMATS)
    formats = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for archive_type in formats:
        if archive_type not in _ARCHIVE_FORMATS:
            raise ValueError(
                f"`archive_format` must be 'auto', 'tar', 'zip', a list of those, or None. "
                f"Received: archive_format={archive_format!r}"
            )
    return formats


def _cache_root(cache_dir: str | os.PathLike | None) -> str:
    root = os.path.expanduser(os.fspath(cache_dir) if cache_dir is not None else keras_home())
    # Keras falls back to /tmp for a `cache_dir` that does not exist yet; creating it first keeps the
    # files where the caller asked.
    try:
        os.makedirs(root, exist_ok=True)
    except OSError:
        pass
    if not os.access(root, os.W_OK):
        root = os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")
    return root


def _cache_paths(datadir: str, fname: str | os.PathLike | None, origin: str, extract: bool) -> tuple[str, str | None]:
    """Returns (where the download goes, where it is extracted), named exactly as Keras 3 names them."""
    name = os.fspath(fname) if fname is not None else ""
    if not name:
        name = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not name:
            raise ValueError(
                f"Can't parse the file name from the origin provided: '{origin}'. Please specify the `fname` argument."
            )
    elif os.sep in name:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's parent directory, use "
            f"the `cache_dir` argument. Received: fname={name}"
        )
    if not extract:
        return os.path.join(datadir, name), None
    if fname and "." in name:
        return os.path.join(datadir, name), os.path.join(datadir, f"{name[: name.find('.')]}_extracted")
    return os.path.join(datadir, f"{name}_archive"), os.path.join(datadir, name)


def _is_cached(path: str, file_hash: str | None, algorithm: str) -> bool:
    if not os.path.exists(path):
        return False
    if file_hash is None or validate_file(path, file_hash, algorithm):
        return True
    print(
        "A local file was found, but it seems to be incomplete or outdated because the "
        f"{algorithm} file hash does not match the original value of {file_hash} so we will re-download the data."
    )
    return False


def _download(origin: str, target: str, file_hash: str | None, algorithm: str) -> None:
    """Streams `origin` into a temporary file beside `target`, checks it, then renames it to `target`."""
    print(f"Downloading data from {origin}")
    try:
        response = urllib.request.urlopen(origin)
    except urllib.error.HTTPError as e:
        raise _fetch_error(origin, e.code, e.msg) from e
    except urllib.error.URLError as e:
        raise _fetch_error(origin, e.errno, e.reason) from e

    hasher = hashlib.new(algorithm)
    with response, atomic_write(target) as tmp_path, open(tmp_path, "wb") as out:
        length = response.headers.get("Content-Length")
        size = int(length) if length and length.isdigit() else None
        progbar = Progbar(size)
        received = 0
        while chunk := response.read(_CHUNK_SIZE):
            out.write(chunk)
            hasher.update(chunk)
            received += len(chunk)
            progbar.update(received, finalize=False)
        progbar.update(received, finalize=True)
        if size is not None and received < size:
            raise _fetch_error(origin, None, f"retrieval incomplete: got only {received} out of {size} bytes")
        if file_hash is not None and hasher.hexdigest() != str(file_hash).lower():
            raise ValueError(
                f"Incomplete or corrupted file detected. The {algorithm} file hash does not match the provided "
                f"value of {file_hash}. The file downloaded from {origin} has {hasher.hexdigest()}; it was not kept."
            )


def _fetch_error(origin: str, code, reason) -> OSError:
    return OSError(f"URL fetch failure on {origin}: {code} -- {reason}")


def _extract_into(archive_path: str, target: str, formats: list[str]) -> bool:
    """Extracts into a temporary folder beside `target`, then swaps it in: a failed extraction leaves nothing."""
    parent, name = os.path.split(target)
    staging = os.path.join(parent, f".{name}.{secrets.token_hex(6)}.tmp")
    os.makedirs(staging)
    try:
        if not extract_archive(archive_path, staging, formats):
            return False
        if os.path.lexists(target):
            previous = os.path.join(parent, f".{name}.{secrets.token_hex(6)}.old")
            os.replace(target, previous)
            os.replace(staging, target)
            _remove(previous)
        else:
            os.replace(staging, target)
        return True
    finally:
        if os.path.lexists(staging):
            _remove(staging)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def _extract_tar(archive: tarfile.TarFile, path: str) -> None:
    if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+
        archive.extractall(path, filter=_tar_filter)
    else:
        archive.extractall(path, members=(m for m in archive if _tar_member_is_inside(m, path) or _skip(m.name)))


def _tar_filter(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """Keras's checks, then tarfile's "data" filter (no device files, safe modes); `None` skips the member.

    Both run as each member is extracted, so a link extracted earlier is followed when checking later members.
    """
    if _tar_member_is_inside(member, dest):
        try:
            return tarfile.data_filter(member, dest)
        except tarfile.FilterError:
            pass
    _skip(member.name)
    return None


def _tar_member_is_inside(member: tarfile.TarInfo, dest: str) -> bool:
    base = os.path.realpath(dest)
    if not _is_inside(base, member.name):
        return False
    if member.islnk():  # A hard link names another member, relative to the archive's root.
        return _is_inside(base, member.linkname)
    if member.issym():  # A symbolic link resolves from the folder that holds it.
        return _is_inside(base, os.path.join(os.path.dirname(member.name), member.linkname))
    return True


def _safe_zip_members(archive: zipfile.ZipFile, dest: str) -> Iterator[zipfile.ZipInfo]:
    base = os.path.realpath(dest)
    for info in archive.infolist():
        if _is_inside(base, info.filename) or _skip(info.filename):
            yield info


def _is_inside(base: str, relative: str) -> bool:
    # An absolute `relative` replaces `base` in the join, and lands outside unless it points into `base`.
    path = os.path.realpath(os.path.join(base, relative))
    try:
        return os.path.commonpath([path, base]) == base
    except ValueError:  # Different drives.
        return False


def _skip(name: str) -> bool:
    """Warns that an archive member is skipped, as Keras does; returns False so it reads in a filter."""
    warnings.warn(f"Skipping invalid path during archive extraction: '{name}'.", stacklevel=3)
    return False
