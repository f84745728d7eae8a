"""The `assets/` folder of a Keras 3 `.keras` archive: files that objects write with `save_assets(dir_path)` and
read back with `load_assets(dir_path)` (a TextVectorization's `vocabulary.txt`).

Keras gives each object the folder `assets/<its path>` (the same path as its weights, see keras3_format.py), so
`assets/layers/text_vectorization/vocabulary.txt`. Loading copies only the members under an object's folder into a
fresh temporary directory (Keras's `load_assets` takes a folder), refusing names that would leave it.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import zipfile
from collections.abc import Callable
from typing import Any

from kerasish.saving.keras3_format import walk_saveables

ASSETS = "assets"


def write_assets(z: zipfile.ZipFile, model: Any) -> None:
    """Adds the assets of every object in `model` that has `save_assets` to the open archive `z`."""
    for path, obj in walk_saveables(model):
        if not hasattr(obj, "save_assets"):
            continue
        with tempfile.TemporaryDirectory() as folder:
            obj.save_assets(folder)
            for root, _, files in os.walk(folder):
                for name in sorted(files):
                    full = os.path.join(root, name)
                    relative = os.path.relpath(full, folder).replace(os.sep, "/")
                    z.write(full, posixpath.join(ASSETS, path, relative) if path else posixpath.join(ASSETS, relative))


def load_assets(model: Any, z: zipfile.ZipFile, label: str, read_member: Callable) -> None:
    """Hands every object in `model` that has `load_assets` a temporary folder holding the archive's members under
    `assets/<its path>/` (read with `read_member(z, info, label)`, which caps their size). Only those members are
    read, and only into that fresh folder.

    Raises:
        ValueError: for an asset member name that would leave its folder (`..`, absolute paths, backslashes).
    """
    infos = [info for info in z.infolist() if info.filename.startswith(ASSETS + "/") and not info.is_dir()]
    for info in infos:
        parts = info.filename.split("/")
        if ".." in parts or "" in parts or "\\" in info.filename or ":" in info.filename:
            raise ValueError(f"Refusing {label!r}: its asset member {info.filename!r} would leave the assets folder.")
    for path, obj in walk_saveables(model):
        if not hasattr(obj, "load_assets"):
            continue
        prefix = posixpath.join(ASSETS, path) + "/" if path else ASSETS + "/"
        with tempfile.TemporaryDirectory() as folder:
            for info in infos:
                if not info.filename.startswith(prefix):
                    continue
                target = os.path.join(folder, *info.filename[len(prefix) :].split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(read_member(z, info, label))
            obj.load_assets(folder)
