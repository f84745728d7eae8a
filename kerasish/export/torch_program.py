"""`model.export(path, format="torch")`: a `torch.export` program (`.pt2`) that runs without kerasish."""

from __future__ import annotations

import inspect
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


def export_kwargs(kwargs: dict, what: str) -> dict:
    """`kwargs` checked against `torch.export.export`'s own arguments; non-strict tracing by default, as Keras does
    (strict mode refuses the Python structure around a model's tensors)."""
    supported = {n for n in inspect.signature(torch.export.export).parameters if n not in ("mod", "args", "kwargs")}
    unknown = sorted(set(kwargs) - supported)
    if unknown:
        raise ValueError(
            f"Unsupported arguments for {what}: {', '.join(unknown)}. Supported arguments are: "
            f"{', '.join(sorted(supported))}."
        )
    return {"strict": False, **kwargs}


def export_program(fn, signature: list, tracked=(), **kwargs) -> torch.export.ExportedProgram:
    """`fn(*signature)` as a torch.export program taking the signature's tensors flat, axis 0 of each free
    (`dynamic_shapes` in `kwargs` replaces that)."""
    module = FlatArguments(fn, signature, tracked)
    flat_specs, sample = trace_inputs(signature, module_device(module))
    kwargs.setdefault("dynamic_shapes", flat_dynamic_shapes(flat_specs))
    modes = [(m, m.training) for m in module.modules()]
    module.eval()  # a served model runs inference: dropout off, batch statistics frozen
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*not properly registered as a submodule.*")
            return torch.export.export(module, sample, **kwargs)
    except Exception as e:  # noqa: BLE001 - torch.export's many error types, reported with what to look at
        raise RuntimeError(
            "Could not export the model with torch.export (unsupported operations, data-dependent control flow, "
            f"or shapes that cannot vary: pass `input_signature` with fixed sizes). {type(e).__name__}: {e}"
        ) from e
    finally:
        for m, mode in modes:
            m.training = mode


def export_torch(model, filepath, verbose=None, input_signature=None, **kwargs) -> str:
    """Writes `model`'s inference as a `.pt2` torch.export program.

    Load it anywhere torch runs, without kerasish: `torch.export.load(filepath).module()(x)`. The program takes the
    model's inputs as flat tensors (a functional model's inputs in `model.inputs` order) with a free batch axis. It
    runs on the device the model was on when exported: move the model (`model.to("cpu")`) to the serving device first.

    Args:
        model: A built model.
        filepath: Where to write; must end with `.pt2`.
        verbose: Whether to print where the file went (default True).
        input_signature: The model's positional arguments as `keras.InputSpec`s, KerasTensors or tensors;
            default: the model's inputs.
        **kwargs: `torch.export.export`'s arguments (`strict`, `dynamic_shapes`, ...).
    """
    filepath = os.fspath(filepath)
    if not filepath.endswith(".pt2"):
        raise ValueError(f"The torch export needs a filepath ending in '.pt2'. Received: filepath={filepath}")
    kwargs = export_kwargs(kwargs, 'format="torch"')
    signature = get_input_signature(model) if input_signature is None else standardize_signature(input_signature)
    program = export_program(model, signature, tracked=[model], **kwargs)
    # Through a file object: torch warns about a path that does not end in .pt2 (the temporary's).
    with atomic_write(filepath) as tmp, open(tmp, "wb") as f:
        torch.export.save(program, f)
    if verbose is None or verbose:
        print(f"Saved PyTorch ExportedProgram at '{filepath}'.")
    return filepath
