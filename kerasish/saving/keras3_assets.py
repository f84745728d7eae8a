"""The `assets/` folder of a Keras 3 `.keras` archive: files that objects write with `save_assets(dir_path)` and
read back with `load_assets(dir_path)` (a TextVectorization's `vocabulary.txt`).

Keras gives each object the folder `assets/<its path>` (the same path as its weights, see keras3_format.py), so
`assets/layers/text_vectorization/vocabulary.txt`. Loading extracts only the members under an object's folder into
a temporary directory, refusing names that would leave it.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import zipfile
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


def asset_member_names(z: zipfile.ZipFile) -> list[str]:
    """The archive's asset files (folders excluded)."""
    return [name for name in z.namelist() if name.startswith(ASSETS + "/") and not name.endswith("/")]


def load_assets(model: Any, members: dict[str, bytes], label: str) -> None:
    """Hands every object in `model` that has `load_assets` its folder of `members` (`{archive name: bytes}`).

    Raises:
        ValueError: for a member name that would leave its folder (`..`, absolute paths).
    """
    for name in members:
        parts = name.split("/")
        if ".." in parts or name.startswith("/") or "\\" in name or "" in parts[1:]:
            raise ValueError(f"Refusing {label!r}: its asset member {name!r} would leave the assets folder.")
    for path, obj in walk_saveables(model):
        if not hasattr(obj, "load_assets"):
            continue
        prefix = posixpath.join(ASSETS, path) + "/" if path else ASSETS + "/"
        with tempfile.TemporaryDirectory() as folder:
            for name, data in members.items():
                if not name.startswith(prefix):
                    continue
                target = os.path.join(folder, *name[len(prefix) :].split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(data)
            obj.load_assets(folder)
