"""`model.export(path, format="onnx")`: an ONNX file for ONNX Runtime and every runtime that reads ONNX."""

from __future__ import annotations

import os
import warnings

import torch

from kerasish.export.export_utils import (
    FlatArguments,
    flat_dynamic_shapes,
    get_input_signature,
    module_device,
    standardize_signature,
    trace_inputs,
)
from kerasish.saving.atomic import atomic_write


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None, **kwargs) -> str:
    """Writes `model`'s inference as an ONNX file, with torch's dynamo-based exporter (`torch.onnx.export(...,
    dynamo=True)`; it needs the `onnx` and `onnxscript` packages: `pip install kerasish[onnx]`).

    The file's inputs are named after the model's inputs (a functional model's `Input` names, flattened in
    `model.inputs` order) and their batch axis is free, named "batch":

        session = onnxruntime.InferenceSession(filepath)
        outputs = session.run(None, {session.get_inputs()[0].name: x})

    Args:
        model: A built model.
        filepath: Where to write the `.onnx` file.
        verbose: Whether to print where the file went (default True).
        input_signature: The model's positional arguments as `keras.InputSpec`s, KerasTensors or tensors;
            default: the model's inputs.
        opset_version: The ONNX opset; default: the exporter's.
        **kwargs: Further `torch.onnx.export` arguments (e.g. `dynamic_shapes`, `external_data`).
    """
    try:
        import onnxscript  # noqa: F401 - the dynamo exporter's dependency, checked here for a clear message
    except ImportError as e:
        raise ImportError(
            'model.export(format="onnx") needs the `onnx` and `onnxscript` packages: pip install "kerasish[onnx]".'
        ) from e
    filepath = os.fspath(filepath)
    signature = get_input_signature(model) if input_signature is None else standardize_signature(input_signature)
    module = FlatArguments(model, signature, tracked=[model])
    flat_specs, sample = trace_inputs(signature, module_device(module))
    input_names = [getattr(spec, "name", None) or f"input_{i}" for i, spec in enumerate(flat_specs)]
    kwargs.setdefault("dynamic_shapes", flat_dynamic_shapes(flat_specs))
    modes = [(m, m.training) for m in module.modules()]
    module.eval()  # a served model runs inference: dropout off, batch statistics frozen
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*not properly registered as a submodule.*")
            warnings.filterwarnings("ignore", category=FutureWarning)  # torch's own pytree deprecations
            # Every input's axis 0 is the one "batch" dimension: torch notes that it names it once.
            warnings.filterwarnings("ignore", message=r".*will not be used, since it shares the same shape.*")
            program = torch.onnx.export(
                module,
                sample,
                input_names=input_names,
                opset_version=opset_version,
                dynamo=True,
                verbose=False,
                **kwargs,
            )
    finally:
        for m, mode in modes:
            m.training = mode
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*will not be used, since it shares the same shape.*")
        program.optimize()
    with atomic_write(filepath) as tmp:
        program.save(tmp)
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")
    return filepath
