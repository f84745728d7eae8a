"""`keras.callbacks.experimental` (tf.keras 2): the deprecated path of `BackupAndRestore`."""

from __future__ import annotations

import warnings

from kerasish.callbacks import backup_and_restore


class BackupAndRestore(backup_and_restore.BackupAndRestore):
    """Deprecated: `keras.callbacks.BackupAndRestore`, under tf.keras 2's experimental path (same arguments)."""

    def __init__(self, *args, **kwargs):
        warnings.warn(
            "`keras.callbacks.experimental.BackupAndRestore` endpoint is deprecated and will be removed in a future "
            "release. Please use `keras.callbacks.BackupAndRestore`.",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(*args, **kwargs)


__all__ = ["BackupAndRestore"]
