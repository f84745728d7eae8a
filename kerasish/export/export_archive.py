"""`keras.export.ExportArchive` on torch: named endpoints written as torch.export programs."""

from __future__ import annotations

import os

import torch

from kerasish.export.export_utils import standardize_signature
from kerasish.export.torch_program import export_kwargs, export_program
from kerasish.layers.layer import Layer
from kerasish.saving.atomic import atomic_write


class ExportArchive:
    """Gathers the functions a served model offers (its endpoints) and writes each as a torch.export program.

    `write_out(path)` makes the folder `path` holding `<endpoint>.pt2` for each endpoint and
    `<collection>.pt` for each variable collection. Serving needs only torch:

        program = torch.export.load("path/serve.pt2")
        outputs = program.module()(x)
        variables = torch.load("path/optimizer_variables.pt", weights_only=True)  # {path: tensor}

    Each endpoint takes the flattened tensors of its `input_signature`; axis 0 of every input is free (named
    "batch"), other `None` axes are free where the program allows it.

    Example:

    ```python
    export_archive = ExportArchive()
    export_archive.track(model)
    export_archive.add_endpoint(
        name="serve",
        fn=model.call,
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")],
    )
    export_archive.write_out("path/to/location")
    ```
    """

    def __init__(self):
        self._tracked: list[Layer] = []
        self._endpoints: dict[str, torch.export.ExportedProgram] = {}
        self._collections: dict[str, dict[str, torch.Tensor]] = {}

    @property
    def _endpoint_names(self) -> list[str]:
        return list(self._endpoints)

    def track(self, resource: Layer) -> None:
        """Tracks a built layer or model: the endpoints that use it hold its weights as parameters of their program.

        Args:
            resource: A layer or model.
        """
        if not isinstance(resource, Layer):
            raise ValueError(
                "Invalid resource type. Expected a Keras `Layer` or `Model`. "
                f"Received object {resource!r} of type '{type(resource).__name__}'."
            )
        if not resource.built:
            raise ValueError("The layer provided has not yet been built. It must be built before export.")
        if all(resource is not r for r in self._tracked):
            self._tracked.append(resource)

    def add_endpoint(self, name: str, fn, input_signature=None, **kwargs) -> None:
        """Traces `fn` on `input_signature` into a program, served as endpoint `name`.

        Args:
            name: The endpoint's name (its file is `<name>.pt2`).
            fn: A callable of tensors, e.g. `model.call` or a function that calls tracked layers.
            input_signature: `fn`'s positional arguments as `keras.InputSpec`s (shape and dtype), KerasTensors or
                tensors, possibly nested in lists and dicts.
            **kwargs: `torch.export.export`'s arguments (`strict`, `dynamic_shapes`, ...).
        """
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"An endpoint name must be a Python identifier. Received: name={name!r}")
        if name in self._endpoints or name in self._collections:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if not callable(fn):
            raise ValueError(f"`fn` must be callable. Received: fn={fn!r}")
        if input_signature is None:
            raise ValueError(
                "You must provide an `input_signature` argument to specify the shape and dtype of the function "
                "arguments. Example:\n\n"
                "export_archive.add_endpoint(\n"
                "    name='call',\n"
                "    fn=model.call,\n"
                "    input_signature=[keras.InputSpec(shape=(None, 224, 224, 3), dtype='float32')],\n"
                ")"
            )
        kwargs = export_kwargs(kwargs, "add_endpoint()")
        self._endpoints[name] = export_program(fn, standardize_signature(input_signature), self._tracked, **kwargs)

    def track_and_add_endpoint(self, name: str, resource: Layer, input_signature, **kwargs) -> None:
        """`track(resource)`, then `add_endpoint(name, resource, input_signature, **kwargs)`."""
        self.track(resource)
        self.add_endpoint(name, resource, input_signature, **kwargs)

    def add_variable_collection(self, name: str, variables) -> None:
        """Registers variables to write beside the endpoints, as `<name>.pt` (`{variable path: tensor}`).

        Args:
            name: The collection's name.
            variables: A list, tuple or set of variables (or tensors).
        """
        if not isinstance(variables, (list, tuple, set)):
            raise ValueError(
                f"Expected `variables` to be a list/tuple/set. Received instead object of type "
                f"'{type(variables).__name__}'."
            )
        if not all(isinstance(v, torch.Tensor) for v in variables):
            raise ValueError(
                "Expected all elements in `variables` to be variables or tensors. Found instead the following "
                f"types: {sorted({type(v).__name__ for v in variables})}"
            )
        if name in self._endpoints or name in self._collections:
            raise ValueError(f"The name '{name}' is already taken.")
        collection = {}
        for i, v in enumerate(variables):
            key = getattr(v, "path", None) or f"variable_{i}"
            collection[key if key not in collection else f"{key}_{i}"] = v.detach().cpu().clone()
        self._collections[name] = collection

    def write_out(self, filepath, options=None, verbose: bool = True) -> None:
        """Writes the folder `filepath`: `<endpoint>.pt2` per endpoint, `<collection>.pt` per variable collection.

        Args:
            filepath: The folder to write (created if needed).
            options: None, or a dict of `torch.export.save` arguments (e.g. `{"pickle_protocol": 4}`).
            verbose: Whether to print the endpoints written.
        """
        if not self._endpoints:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        if options is not None and not isinstance(options, dict):
            raise ValueError(f"`options` must be None or a dict of torch.export.save arguments. Received: {options!r}")
        folder = os.fspath(filepath)
        os.makedirs(folder, exist_ok=True)
        for name, program in self._endpoints.items():
            # Through a file object: torch warns about a path that does not end in .pt2 (the temporary's).
            with atomic_write(os.path.join(folder, f"{name}.pt2")) as tmp, open(tmp, "wb") as f:
                torch.export.save(program, f, **(options or {}))
        for name, collection in self._collections.items():
            with atomic_write(os.path.join(folder, f"{name}.pt")) as f:
                torch.save(collection, f)
        if verbose:
            lines = [f"* Endpoint '{name}': {_describe(program)}" for name, program in self._endpoints.items()]
            print(f"Saved artifact at '{folder}'. The following endpoints are available:\n\n" + "\n".join(lines))


def _describe(program: torch.export.ExportedProgram) -> str:
    args = [n for n in program.graph.nodes if n.op == "placeholder" and n.name in program.graph_signature.user_inputs]
    shapes = [tuple(n.meta["val"].shape) for n in args if "val" in n.meta]
    return f"inputs {shapes}"
