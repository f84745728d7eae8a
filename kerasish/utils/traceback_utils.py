"""Traceback filtering: errors raised through `fit`, `evaluate`, `predict` and layer calls show the user's frames,
not kerasish's (`keras.config.disable_traceback_filtering()` keeps every frame)."""

from __future__ import annotations

import functools
import os
import types

from kerasish import config

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def filter_traceback(fn):
    """`fn`, re-raising its errors with kerasish's frames taken out of their traceback (the frame that raised stays,
    so the message keeps its location). The error itself, its cause and its context are unchanged."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            if not config.is_traceback_filtering_enabled():
                raise
            raise e.with_traceback(_without_kerasish_frames(e.__traceback__))  # noqa: B904  (keeps its own cause)

    return wrapper


def _without_kerasish_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    frames = []
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    if not frames:
        return None
    kept = [t for t in frames[:-1] if not t.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR)] + frames[-1:]
    filtered = None
    for t in reversed(kept):
        filtered = types.TracebackType(filtered, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return filtered
