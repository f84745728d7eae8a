"""Export for serving, as `keras.export`: `ExportArchive` writes named endpoints as torch.export programs.

`model.export(filepath, format="onnx" | "torch")` is the one-call form (docs/export.md).
"""

from __future__ import annotations

from kerasish.export.export_archive import ExportArchive

__all__ = ["ExportArchive"]
