"""Keras 3's scopes: `name_scope`, `SymbolicScope`, `StatelessScope`, `RematScope` (with `remat`).

Each is a context manager that pushes itself on a stack of its kind for the current thread; the code that honours
it (Variable paths, `Variable.assign`, `Layer.__init__`/`__call__`) reads the top of that stack.
"""

from __future__ import annotations

import threading

import torch
import torch.utils.checkpoint

_STACKS = threading.local()


def _stack(kind: str) -> list:
    stack = getattr(_STACKS, kind, None)
    if stack is None:
        stack = []
        setattr(_STACKS, kind, stack)
    return stack


def _top(kind: str):
    stack = _stack(kind)
    return stack[-1] if stack else None


class _Scope:
    _kind = ""

    def __enter__(self):
        _stack(self._kind).append(self)
        return self

    def __exit__(self, *exc) -> None:
        _stack(self._kind).pop()


class name_scope(_Scope):  # noqa: N801  (Keras's name)
    """Prefixes the paths of variables created inside it: `with name_scope("outer"): Variable(1.0, name="w")` has
    the path `outer/w`. Nested scopes join with `/`; `override_parent` starts from that path instead. With
    `deduplicate` (the default), re-entering the innermost scope's name for the same `caller` adds nothing."""

    _kind = "name_scope"

    def __init__(self, name: str, caller=None, deduplicate: bool = True, override_parent: str | None = None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                f"Argument `name` must be a string and cannot contain character `/`. Received: name={name}"
            )
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        self.path = name
        self._pushed = False

    def __enter__(self):
        parent = _top(self._kind)
        if (
            self.deduplicate
            and parent is not None
            and self.caller is not None
            and self.caller is parent.caller
            and self.name == parent.name
        ):
            self.path = parent.path
            return self
        if self.override_parent is not None:
            self.path = f"{self.override_parent}/{self.name}" if self.override_parent else self.name
        elif parent is not None:
            self.path = f"{parent.path}/{self.name}"
        self._pushed = True
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        if self._pushed:
            self._pushed = False
            super().__exit__(*exc)


def current_path() -> str:
    """The path of the innermost `name_scope` ("" outside any)."""
    scope = _top("name_scope")
    return scope.path if scope is not None else ""


class SymbolicScope(_Scope):
    """Marks code that runs on symbolic (shape-only) values: kerasish's functional build runs `call` inside it,
    and variable assignments there are skipped (a metric updated in `call` does not count the probe inputs)."""

    _kind = "symbolic"


def in_symbolic_scope() -> bool:
    return _top("symbolic") is not None


class StatelessScope(_Scope):
    """Runs code on given variable values without changing the variables.

    Inside the scope each variable of `state_mapping` (pairs `(variable, value)`) holds a copy of its value;
    assignments there change that copy, readable with `get_current_value`. On exit every variable gets its own
    value back. Gradients computed inside flow to the variables (torch tracks the parameters, not the mapped
    tensors). With `collect_losses`, losses added by layers inside the scope are gathered in `scope.losses` instead
    of on the layers.
    """

    _kind = "stateless"

    def __init__(self, state_mapping=None, collect_losses: bool = False, initialize_variables: bool = True):
        pairs = list(state_mapping or ())
        for pair in pairs:
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], torch.Tensor)):
                raise ValueError(
                    f"StatelessScope: `state_mapping` must hold (variable, value) pairs; received {pair!r}."
                )
        self._pairs = pairs
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses: list = []
        self._saved: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._final: dict[int, torch.Tensor] = {}

    def __enter__(self):
        values = []
        for variable, value in self._pairs:
            value = torch.as_tensor(value, dtype=variable.dtype, device=variable.device)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(
                    f"StatelessScope: the value for variable {getattr(variable, 'path', None)!r} has shape "
                    f"{tuple(value.shape)}; expected {tuple(variable.shape)}."
                )
            values.append(value.detach().clone())
        for (variable, _), value in zip(self._pairs, values):
            self._saved.append((variable, variable.data))
            variable.data = value
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        for variable, original in self._saved:
            self._final[id(variable)] = variable.data
            variable.data = original
        self._saved.clear()

    def get_current_value(self, variable) -> torch.Tensor | None:
        """The variable's value in the scope (after any assignment there), or None if it is not mapped."""
        if id(variable) in self._final:
            return self._final[id(variable)]
        return next((variable.data for v, _ in self._saved if v is variable), None)

    def add_loss(self, loss) -> None:
        self.losses.append(loss)


def get_stateless_scope() -> StatelessScope | None:
    return _top("stateless")


_REMAT_MODES = (None, "full", "activations", "larger_than", "list_of_layers")


class RematScope(_Scope):
    """Recomputes the activations of layers *created* inside it during the backward pass instead of keeping them
    (`torch.utils.checkpoint`): less memory for more compute.

    Args:
        mode: "full" (every layer), "activations" (activation layers and layers with an `activation`),
            "larger_than" (layers whose output has more than `output_size_threshold` elements),
            "list_of_layers" (the layers named in `layer_names`), or None (no rematerialization).
        output_size_threshold: the element count for "larger_than".
        layer_names: the layer names for "list_of_layers".
    """

    _kind = "remat"

    def __init__(self, mode: str | None = "full", output_size_threshold: int = 1024, layer_names=None):
        if mode not in _REMAT_MODES:
            raise ValueError(f"RematScope: `mode` must be one of {_REMAT_MODES}; received mode={mode!r}.")
        if mode == "list_of_layers" and not layer_names:
            raise ValueError("RematScope: mode='list_of_layers' needs a non-empty `layer_names`.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or ())


def current_remat_scope() -> RematScope | None:
    scope = _top("remat")
    return scope if scope is not None and scope.mode is not None else None


def remat(f):
    """`f`, recomputed in the backward pass rather than storing its intermediate activations."""

    def rematerialized(*args, **kwargs):
        if not torch.is_grad_enabled():
            return f(*args, **kwargs)
        return torch.utils.checkpoint.checkpoint(f, *args, use_reentrant=False, **kwargs)

    return rematerialized
