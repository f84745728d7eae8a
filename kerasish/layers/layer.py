"""Layer: Keras's layer contract (`build`/`call`/`get_config`, `add_weight`) on a `torch.nn.Module`.

Weights are `nn.Parameter`s (trainable) or buffers (non-trainable), registered on the module, so any torch code
(optimizers, `state_dict`, DDP, `.to(device)`) sees them. What Keras users see through `get_weights`,
`set_weights` and weight files is Keras's layout; a layer whose torch kernel wants another layout overrides
`_to_keras_layout`/`_from_keras_layout`, the one place that conversion lives.

The learning phase is torch's mode flag: a layer called with `training=None` inherits the value of the call it
is nested in, or else its own `self.training` (False when constructed, set by `fit`, `model.train()` and
`model.eval()`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn.modules import module as _torch_module

from kerasish import config, constraints, initializers, regularizers
from kerasish.backend.common import keras_tensor, scopes
from kerasish.backend.common.keras_tensor import KerasTensor, shapes_to_specs, symbolic_call
from kerasish.backend.common.variable import Variable
from kerasish.layers.input_spec import assert_input_compatibility
from kerasish.mixed_precision.dtype_policy import DTypePolicy, DTypePolicyMap, global_policy
from kerasish.mixed_precision.dtype_policy import get as get_dtype_policy
from kerasish.mixed_precision.dtype_policy import serialize as serialize_dtype_policy
from kerasish.utils import tree
from kerasish.utils.naming import auto_name, to_snake_case
from kerasish.utils.traceback_utils import filter_traceback

# Keras 2's input-shape arguments, plus `quantization_config`, which Keras 3 writes (as null) into the configs of
# Dense and Embedding.
_ALLOWED_INIT_KWARGS = {
    "input_shape",
    "input_dim",
    "batch_input_shape",
    "batch_size",
    "weights",
    "input_length",
    "quantization_config",
}


class _CallContext(threading.local):
    training: bool | None = None  # learning phase of the enclosing layer call, None outside any (a top-level call)
    build_device: torch.device | None = None  # where the layer being built creates its weights


_CONTEXT = _CallContext()
# Keras 2's global learning phase (`K.set_learning_phase`, `K.learning_phase_scope`): when set, the `training` of
# top-level calls made without one, in place of the layer's mode flag.
_DEFAULT_LEARNING_PHASE: list[bool | None] = [None]


def get_default_learning_phase() -> bool | None:
    """The learning phase set by `K.set_learning_phase`/`K.learning_phase_scope`, or None."""
    return _DEFAULT_LEARNING_PHASE[0]


def set_default_learning_phase(value: bool | None) -> None:
    """Sets (None: unsets) the learning phase of top-level calls made without `training=`."""
    _DEFAULT_LEARNING_PHASE[0] = value


# torch's global module hooks (dicts mutated in place when hooks are registered): with none of them and none on a
# layer, `__call__` calls `call` directly, skipping torch's generic module dispatch.
_is_compiling = torch.compiler.is_compiling
_GLOBAL_FORWARD_HOOKS = _torch_module._global_forward_hooks
_GLOBAL_FORWARD_PRE_HOOKS = _torch_module._global_forward_pre_hooks
_GLOBAL_BACKWARD_HOOKS = _torch_module._global_backward_hooks
_GLOBAL_BACKWARD_PRE_HOOKS = _torch_module._global_backward_pre_hooks
# Layers holding `add_loss` losses from the current top-level call; cleared when the next one starts.
_LOSS_HOLDERS: dict = {}


@dataclass
class _WeightSpec:
    name: str  # Keras name ("kernel")
    attr: str  # attribute the tensor is registered under on the module
    trainable: bool
    regularizer: Any = None
    constraint: Any = None
    assigned: bool = False  # whether the layer has stored it in an attribute of its own (`self.w = ...`)
    frozen: bool = False  # a trainable weight the optimizer leaves (Keras's `variable.trainable = False`: LoRA)


class Layer(torch.nn.Module):
    """Base class of every kerasish layer and model.

    Subclasses store their config in `__init__`, create weights in `build(input_shape)` with `add_weight`,
    compute in `call(inputs, training=None)`, and return their `__init__` arguments from `get_config()`.

    Example:
        class Scale(kerasish.layers.Layer):
            def build(self, input_shape):
                self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

            def call(self, inputs):
                return inputs * self.scale

    Args:
        trainable: whether the layer's weights are updated in training.
        name: the layer's name; Keras's automatic name (`dense`, `dense_1`, ...) if None.
        dtype: the dtype of the layer's weights and computations (floatx by default).
        activity_regularizer: a penalty on the layer's output, added to the model's losses.
    """

    _call_has_training = False
    _call_has_mask = False
    _remat = None  # the RematScope the layer was created in, if any
    _named_mask_args: tuple = ()  # (position, argument, mask argument) for calls taking `query_mask`-style masks
    _computes_mask = False
    _takes_masks = False  # the call has a `mask` or `*_mask` argument

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "forward" in cls.__dict__ and "call" not in cls.__dict__:  # written torch-style
            cls.call = cls.__dict__["forward"]
        parameters = inspect.signature(cls.call).parameters
        cls._call_has_training = "training" in parameters
        cls._call_has_mask = "mask" in parameters
        names = [name for name in parameters if name != "self"]
        cls._named_mask_args = tuple(
            (i, name, f"{name}_mask") for i, name in enumerate(names) if f"{name}_mask" in parameters
        )
        cls._computes_mask = cls.compute_mask is not Layer.compute_mask
        cls._takes_masks = cls._call_has_mask or bool(cls._named_mask_args)
        if "build" in cls.__dict__:
            cls.build = _marks_built(cls.__dict__["build"])
        if "__init__" in cls.__dict__:
            cls.__init__ = _python_scalar_args(cls.__dict__["__init__"])

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        layer._auto_config = _capture_init_args(cls, *_as_python_scalars(args, kwargs))
        return layer

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable: bool = True,
        dtype=None,
        autocast: bool = True,
        name: str | None = None,
        **kwargs,
    ):
        unknown = set(kwargs) - _ALLOWED_INIT_KWARGS
        if unknown:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {self.__class__.__name__}: "
                f"{ {k: kwargs[k] for k in sorted(unknown)} }"
            )
        if kwargs.get("quantization_config") is not None:
            raise ValueError(
                f"{self.__class__.__name__}: quantized layers are not supported by kerasish. Received: "
                f"quantization_config={kwargs['quantization_config']}"
            )
        torch.nn.Module.__init__(self)
        self.name = name or auto_name(to_snake_case(self.__class__.__name__))
        self._trainable = bool(trainable)
        self._set_dtype_policy(dtype)
        self.autocast = autocast
        self._remat = scopes.current_remat_scope()
        self.built = False
        self.training = False  # Keras's default learning phase is inference
        self.input_spec = None
        self.supports_masking = self._computes_mask  # as Keras: a layer that computes masks supports them
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._weight_specs: list[_WeightSpec] = []
        self._losses: list = []
        self._inbound_nodes: list = []
        self._build_shapes = None
        self._initial_weights = kwargs.get("weights")
        self._batch_input_shape = _batch_input_shape(kwargs)

    # ---- weights -------------------------------------------------------------------------------------------

    def add_weight(
        self,
        *args,
        shape=None,
        initializer=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer=None,
        constraint=None,
        aggregation: str = "none",
        overwrite_with_gradient: bool = False,
        name: str | None = None,
    ) -> torch.Tensor:
        """Creates a weight of this layer and returns it: a `Variable` (an `nn.Parameter`), or a buffer if not
        trainable.

        Args:
            shape: the weight's shape, in Keras's layout.
            initializer: an initializer, its name, or None (`glorot_uniform` for floats, else `zeros`).
            dtype: the weight's dtype (the layer's dtype by default).
            trainable: whether the optimizer updates it.
            regularizer: a penalty on the weight, added to `layer.losses`.
            constraint: a projection applied after each optimizer step.
            name: the weight's Keras name (`kernel`, `bias`, ...).
        """
        if args:  # positional arguments: Keras 3's (shape, initializer, dtype), or Keras 2's (name, shape, dtype, ...)
            if len(args) > 3:
                raise TypeError(f"add_weight() takes at most 3 positional arguments but {len(args)} were given.")
            order = ("name", "shape", "dtype") if isinstance(args[0], str) else ("shape", "initializer", "dtype")
            given = {"shape": shape, "initializer": initializer, "dtype": dtype, "name": name}
            for key, value in zip(order, args):
                if given[key] is not None:
                    raise ValueError(f"`{key}` was passed both positionally and as a keyword argument.")
                given[key] = value
            shape, initializer, dtype, name = given["shape"], given["initializer"], given["dtype"], given["name"]
        shape = tuple(int(d) for d in (shape or ()))
        dtype = config.standardize_dtype(dtype or self._dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating_point else "zeros"
        value = initializers.get(initializer)(shape, dtype=config.dtype_name(dtype))
        value = torch.as_tensor(value, dtype=dtype).reshape(shape)
        if _CONTEXT.build_device is not None:
            value = value.to(_CONTEXT.build_device)
        name = name or auto_name_in(self, "variable")
        if trainable and not (dtype.is_floating_point or dtype.is_complex):
            raise ValueError(
                f'Layer "{self.name}" weight "{name}": a weight of dtype {config.dtype_name(dtype)} '
                f"cannot be trained (no gradients for integers); pass `trainable=False`."
            )
        attr = _free_attribute(self, name)
        constraint = constraints.get(constraint)
        if trainable:
            self.register_parameter(
                attr,
                Variable(
                    value, requires_grad=self._trainable, path=_scoped(f"{self.name}/{name}"), constraint=constraint
                ),
            )
        else:
            self.register_buffer(attr, value)
        self._weight_specs.append(_WeightSpec(name, attr, bool(trainable), regularizers.get(regularizer), constraint))
        return getattr(self, attr)

    def add_variable(
        self,
        shape,
        initializer,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        regularizer=None,
        constraint=None,
        name: str | None = None,
    ) -> torch.Tensor:
        """Keras 3's alias of `add_weight`, with `shape` and `initializer` required."""
        return self.add_weight(
            shape=shape,
            initializer=initializer,
            dtype=dtype,
            trainable=trainable,
            autocast=autocast,
            regularizer=regularizer,
            constraint=constraint,
            name=name,
        )

    @property
    def weights(self) -> list[torch.Tensor]:
        """All weights, each once: this layer's (trainable, then non-trainable), then its sublayers', depth first."""
        return [getattr(owner, spec.attr) for owner, spec in self._weight_items()]

    @property
    def trainable_weights(self) -> list[torch.Tensor]:
        if not self.trainable:
            return []
        return [getattr(owner, spec.attr) for owner, spec in self._weight_items() if _is_trained(owner, spec)]

    @property
    def non_trainable_weights(self) -> list[torch.Tensor]:
        if not self.trainable:
            return self.weights
        return [getattr(owner, spec.attr) for owner, spec in self._weight_items() if not _is_trained(owner, spec)]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _weight_items(self) -> list[tuple[Layer, _WeightSpec]]:
        """(owner, spec) pairs in `weights` order: the single source of weight order for all I/O. A layer reached
        twice (shared by two sublayers) contributes its weights once, at its first place, as in Keras; so does a
        weight that two layers track (a wrapper tracking its layer's kernel, as SpectralNormalization)."""
        items, seen = [], set()
        for layer in self._flatten_layers():
            for spec in [s for s in layer._weight_specs if s.trainable] + [
                s for s in layer._weight_specs if not s.trainable
            ]:
                weight = id(getattr(layer, spec.attr))
                if weight not in seen:
                    seen.add(weight)
                    items.append((layer, spec))
        return items

    def _weight_names(self) -> list[str]:
        """Keras paths of the weights (`dense/kernel`), aligned with `get_weights()`."""
        return [f"{owner.name}/{spec.name}" for owner, spec in self._weight_items()]

    def get_weights(self) -> list[np.ndarray]:
        """The weights as numpy arrays, in Keras's layout and order."""
        return [
            owner._to_keras_layout(spec.name, getattr(owner, spec.attr).detach()).cpu().numpy().copy()
            for owner, spec in self._weight_items()
        ]

    def set_weights(self, weights) -> None:
        """Sets the weights from numpy arrays in Keras's layout and order; checks every shape before assigning."""
        items = self._weight_items()
        if len(weights) != len(items):
            raise ValueError(
                f'Layer "{self.name}" expects {len(items)} weight(s), but the weight list provided has {len(weights)}.'
            )
        values = []
        for (owner, spec), value in zip(items, weights):
            value = torch.as_tensor(np.asarray(value))
            expected = tuple(owner._to_keras_layout(spec.name, getattr(owner, spec.attr)).shape)
            if tuple(value.shape) != expected:
                raise ValueError(
                    f'Layer "{owner.name}" weight "{spec.name}": expected shape {expected}, '
                    f"received value of shape {tuple(value.shape)}."
                )
            values.append(value)
        with torch.no_grad():
            for (owner, spec), value in zip(items, values):
                target = getattr(owner, spec.attr)
                target.copy_(owner._from_keras_layout(spec.name, value).to(target.dtype))

    def _to_keras_layout(self, name: str, value: torch.Tensor) -> torch.Tensor:
        """Storage layout -> Keras layout for weight `name` (identity unless the torch kernel wants another)."""
        return value

    def _from_keras_layout(self, name: str, value: torch.Tensor) -> torch.Tensor:
        return value

    def save_own_variables(self, store) -> None:
        """Writes this layer's own variables (not its sublayers') into `store` under "0", "1", ..., in Keras's
        layout and order (trainable, then non-trainable, each in creation order), as Keras 3's weight files hold
        them. Every Keras 3 weight file kerasish writes goes through this hook: override it (with
        `load_own_variables`) to save a layer's state another way, as Keras's LoRA layers save merged kernels.

        The values are detached tensors (a weight file converts them to arrays).
        """
        for i, spec in enumerate(_own_specs(self)):
            store[str(i)] = self._to_keras_layout(spec.name, getattr(self, spec.attr).detach())

    def load_own_variables(self, store) -> None:
        """Restores this layer's own variables from a `store` written by `save_own_variables` (or by Keras 3):
        arrays or tensors under "0", "1", ..., in Keras's layout. Checks the count and every shape before
        assigning anything."""
        self._check_load_own_variables(store)
        specs = _own_specs(self)
        values = []
        for i, spec in enumerate(specs):
            value = store[str(i)]
            value = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
            expected = tuple(self._to_keras_layout(spec.name, getattr(self, spec.attr)).shape)
            if tuple(value.shape) != expected:
                raise ValueError(
                    f'Layer "{self.name}" variable {i} ("{spec.name}"): expected shape {expected}, received a '
                    f"value of shape {tuple(value.shape)} during loading."
                )
            values.append(value)
        with torch.no_grad():
            for spec, value in zip(specs, values):
                target = getattr(self, spec.attr)
                target.copy_(self._from_keras_layout(spec.name, value).to(target.dtype))

    def _check_load_own_variables(self, store) -> None:
        expected = [spec.name for spec in _own_specs(self)]
        if len(store.keys()) != len(expected):
            if not expected and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built and thus it doesn't have any variables. However the "
                    f"weights file lists {len(store.keys())} variables for this layer. Build it (or implement "
                    f"`build_from_config`) so that it creates its variables before loading."
                )
            raise ValueError(
                f"Layer '{self.name}' expected {len(expected)} variables, but received {len(store.keys())} "
                f"variables during loading. Expected: {expected}"
            )

    def _freeze_weight(self, weight: torch.Tensor) -> None:
        """Keras's `variable.trainable = False` for one trainable weight (LoRA freezes the base kernel): the
        optimizer leaves it, and it counts among `non_trainable_weights`, even when the layer is unfrozen."""
        spec = self._spec_of(weight)
        if spec is None:
            raise ValueError(f'Layer "{self.name}" has no weight {weight!r} of its own to freeze.')
        spec.frozen = True
        weight.requires_grad_(False)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f'You tried to call `count_params` on layer "{self.name}", but the layer isn\'t '
                f"built. Build it first by calling it on data or with `build(input_shape)`."
            )
        return int(sum(w.numel() for w in self.weights))

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freezing a layer freezes its sublayers and stops gradients to its weights (so `fit` leaves them)."""
        value = bool(value)
        self._trainable = value
        for spec in self._weight_specs:
            if spec.trainable:
                getattr(self, spec.attr).requires_grad_(value and not spec.frozen)
        for module in self.children():
            _set_trainable(module, value)

    # ---- losses --------------------------------------------------------------------------------------------

    def add_loss(self, loss) -> None:
        """Adds a loss tensor (e.g. from `call`) to be minimised with the model's loss."""
        self._losses.append(loss)
        _LOSS_HOLDERS[self] = None

    @property
    def losses(self) -> list[torch.Tensor]:
        """Losses added in the last call, then the weight regularization penalties, this layer's and sublayers'."""
        return collect_losses(self._flatten_layers())

    # ---- calling -------------------------------------------------------------------------------------------

    def build(self, input_shape) -> None:
        """Creates the layer's weights for inputs of `input_shape` (batch axis included, possibly None)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation; subclasses override it."""
        return inputs

    def forward(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    @filter_traceback
    def __call__(self, *args, **kwargs):
        """Calls the layer. On KerasTensors it adds a node to a functional graph; on data it runs `call` in phases
        (the functions below the class): convert the inputs, resolve `training`, build, pass masks in, dispatch,
        attach masks to the outputs, regularize their activity."""
        inputs = args[0] if args else next(iter(kwargs.values()), None)
        if not isinstance(inputs, torch.Tensor):
            if _is_symbolic(inputs):
                return symbolic_call(self, args, kwargs)
            args, inputs = _convert_inputs(args, inputs)
        if _is_compiling():
            return _compiled_call(self, args, kwargs, inputs)
        training = _resolve_training(self, kwargs)
        if _LOSS_HOLDERS and _CONTEXT.training is None:
            _clear_added_losses()  # a new top-level call: the last one's `add_loss` losses are stale
        if not self.built:
            self._build_for(inputs)
        if self._takes_masks:
            _fill_masks(self, args, kwargs, inputs)
        outputs = _dispatch(self, args, kwargs, inputs, training)
        # Checked here rather than in `_attach_masks`: most layers support masking, and most inputs carry no mask.
        if self.supports_masking and (
            self._computes_mask or type(inputs) is not torch.Tensor or hasattr(inputs, "_keras_mask")
        ):
            _attach_masks(self, inputs, outputs)
        if self.activity_regularizer is not None:
            _regularize_activity(self, outputs)
        return outputs

    def _assert_input_compatibility(self, shapes) -> None:
        """Raises a ValueError naming the layer if input `shapes` do not fit its `input_spec`."""
        assert_input_compatibility(self.input_spec, shapes, self.name)

    def _build_for(self, inputs) -> None:
        """Builds from a first concrete input, creating weights on its device."""
        shapes = tree.map_structure(lambda t: tuple(t.shape), inputs)
        leaves = tree.flatten(inputs)
        device = leaves[0].device if leaves and isinstance(leaves[0], torch.Tensor) else None
        self._maybe_build(shapes, device)

    def _maybe_build(self, input_shape, device=None) -> None:
        if self.built:
            return
        self._assert_input_compatibility(input_shape)
        context = _CONTEXT
        if device is None or device.type == "meta":
            # A symbolic build inside a concrete one (Sequential building its layers on the first batch) creates
            # weights on the device of that batch.
            device = context.build_device or next((w.device for w in self.parameters()), None)
        outer_device, context.build_device = context.build_device, device
        try:
            self.build(input_shape)
        finally:
            context.build_device = outer_device
        self.built = True
        self._build_shapes = input_shape
        self._assert_input_compatibility(input_shape)
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`, by running `call` on meta tensors (no computation)."""
        if not self.built:
            self._maybe_build(input_shape)
        specs = keras_tensor.compute_output_spec(self, (shapes_to_specs(input_shape),), {})
        return tree.map_structure(lambda t: t.shape, specs)

    def compute_output_spec(self, *args, **kwargs):
        """The output KerasTensors of a call on KerasTensors: from `compute_output_shape` when the layer defines
        it, else by running `call` on meta tensors."""
        if type(self).compute_output_shape is Layer.compute_output_shape:
            return keras_tensor.compute_output_spec(self, args, kwargs)
        shapes = tree.map_structure(lambda t: t.shape, args[0])
        # A layer with weights computes in its own dtype (an Embedding maps int ids to floats); a weightless one
        # (Reshape, Dropout, ...) passes its input's values, and dtype, through.
        dtype = self.dtype if self._weight_specs else tree.flatten(args[0])[0].dtype
        return shapes_to_specs(self.compute_output_shape(shapes), dtype)

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs, given the inputs and their mask; by default the input mask passes through."""
        return mask if self.supports_masking else None

    # ---- the functional graph ------------------------------------------------------------------------------

    @property
    def input(self):
        """The symbolic input of the layer's first call in a functional graph."""
        return self._first_node("input").input_structure

    @property
    def output(self):
        """The symbolic output of the layer's first call in a functional graph."""
        return self._first_node("output").outputs

    def _first_node(self, what: str):
        if not self._inbound_nodes:
            raise AttributeError(f'Layer "{self.name}" has never been called and thus has no defined {what}.')
        return self._inbound_nodes[0]

    # ---- config --------------------------------------------------------------------------------------------

    @property
    def dtype(self) -> str:
        """The dtype of the layer's variables (float32 under a mixed policy)."""
        return self._dtype

    variable_dtype = dtype

    @property
    def compute_dtype(self) -> str:
        """The dtype the layer computes in: the half type under a mixed policy, else `dtype`."""
        return self._dtype_policy.compute_dtype

    @property
    def input_dtype(self) -> str:
        """The dtype the layer's inputs are converted to: its compute dtype."""
        return self.compute_dtype

    @property
    def dtype_policy(self) -> DTypePolicy:
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value) -> None:
        self._set_dtype_policy(value)

    def _set_dtype_policy(self, dtype) -> None:
        policy = get_dtype_policy(dtype)
        self._dtype_policy_map = policy if isinstance(policy, DTypePolicyMap) else None
        if self._dtype_policy_map is not None:
            policy = self._dtype_policy_map[self.name]
        self._dtype_policy = policy
        self._dtype = policy.variable_dtype
        # What __call__ does about torch.autocast: a mixed layer computes under it in its half type; a layer given
        # a plain float dtype while a mixed policy is global keeps float32 inside a mixed model (Keras's advice
        # for the output softmax); None leaves it alone (the common, free case).
        if policy.is_mixed:
            self._autocast = config.standardize_dtype(policy.compute_dtype)
        elif dtype is not None and global_policy().is_mixed:
            self._autocast = False
        else:
            self._autocast = None

    def get_config(self) -> dict:
        """The arguments that rebuild this layer through `from_config`."""
        dtype = (
            self._dtype_policy.name
            if self._dtype_policy_map is None
            else serialize_dtype_policy(self._dtype_policy_map)
        )
        config_ = {"name": self.name, "trainable": self.trainable, "dtype": dtype}
        if self.activity_regularizer is not None:
            config_["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self._batch_input_shape is not None:
            config_["batch_input_shape"] = list(self._batch_input_shape)
        if type(self).__init__ is not Layer.__init__ and type(self).get_config is Layer.get_config:
            if self._auto_config is None:
                raise TypeError(
                    f"Layer {self.__class__.__name__} has arguments in `__init__` that are not plain "
                    f"values, so it must override `get_config()` to be serialized."
                )
            config_.update(self._auto_config)
        return config_

    @classmethod
    def from_config(cls, config: dict):  # noqa: F811  (Keras's argument name)
        return cls(**config)

    def get_build_config(self) -> dict | None:
        if self._build_shapes is None:
            return None
        return {"input_shape": _shape_to_list(self._build_shapes)}

    def build_from_config(self, config: dict | None) -> None:  # noqa: F811  (Keras's argument name)
        if config and not self.built:
            self._maybe_build(_list_to_shape(config["input_shape"]))

    # ---- structure -----------------------------------------------------------------------------------------

    def _sublayers(self) -> list[Layer]:
        """Direct sublayers, each once, looking through plain torch containers (ModuleList, ModuleDict) but not
        into the sublayers themselves."""
        found, seen = [], set()

        def visit(container):
            for module in container._modules.values():
                if isinstance(module, Layer):
                    if id(module) not in seen:
                        seen.add(id(module))
                        found.append(module)
                elif isinstance(module, (torch.nn.ModuleList, torch.nn.ModuleDict, torch.nn.Sequential)):
                    visit(module)

        visit(self)
        return found

    @property
    def metrics(self) -> list:
        """The metrics this layer holds as attributes (directly, or in a list, tuple or dict), then those of its
        sublayers, each once. A metric a layer updates in `call` reports in `fit`'s logs, as in Keras."""
        found = []
        for layer in self._flatten_layers():
            found.extend(m for m in layer._own_metrics() if all(m is not f for f in found))
        return found

    @property
    def metrics_variables(self) -> list:
        """The state variables of `metrics`."""
        return [variable for metric in self.metrics for variable in metric.variables]

    def _own_metrics(self) -> list:
        """The metrics held by the attributes `__setattr__` saw assigned one (a metric is no Module: it sits in
        `__dict__`)."""
        found = []
        for name in self.__dict__.get("_metric_attributes", ()):
            for item in _items(self.__dict__.get(name)):
                if _is_metric(item) and all(item is not f for f in found):
                    found.append(item)
        return found

    def _flatten_layers(self) -> list[Layer]:
        """This layer and every sublayer, depth first, each once."""
        seen, ordered, stack = set(), [], [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            ordered.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return ordered

    def __setattr__(self, name: str, value) -> None:
        if any(_is_metric(item) for item in _items(value)):
            self.__dict__.setdefault("_metric_attributes", {})[name] = None  # an ordered set
        if isinstance(value, torch.Tensor) and self.__dict__.get("_weight_specs"):
            spec = self._spec_of(value)
            if spec is not None and not spec.assigned:
                # `self.w = self.add_weight(...)`: the weight moves to the attribute the layer chose, so that
                # `state_dict` has one key per weight and `.to(device)` updates what `call` reads.
                spec.assigned = True
                if spec.attr != name:
                    self._move_weight(spec, name)
                    return
        # Keras tracks layers held in lists; torch needs them registered to see their weights.
        if (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(v, torch.nn.Module) for v in value)
            and "_modules" in self.__dict__
        ):
            value = torch.nn.ModuleList(value)
        super().__setattr__(name, value)

    def _spec_of(self, value: torch.Tensor) -> _WeightSpec | None:
        for spec in self._weight_specs:
            store = self._parameters if spec.trainable else self._buffers
            if store.get(spec.attr) is value:
                return spec
        return None

    def _move_weight(self, spec: _WeightSpec, name: str) -> None:
        store = self._parameters if spec.trainable else self._buffers
        value = store.pop(spec.attr)
        self.__dict__.pop(name, None)  # a placeholder such as `self.bias = None`
        if spec.trainable:
            self.register_parameter(name, value)
        else:
            self.register_buffer(name, value)
        spec.attr = name

    def __repr__(self) -> str:
        return f"<{self.__class__.__name__} name={self.name}, built={self.built}>"


# ---- the phases of a call ------------------------------------------------------------------------------------
# `Layer.__call__` runs these in order. They are functions of the layer, not methods: a method lookup on a torch
# module goes through `nn.Module.__getattr__`'s slot, which Python cannot specialize, and costs about twice a
# plain function call, once per layer per forward pass. (`_build_for`, which models override, stays a method.)


def _convert_inputs(args: tuple, inputs) -> tuple[tuple, Any]:
    """Array data (NumPy arrays, nested lists) in the first argument as tensors, floats in floatx."""
    if not args or inputs is None or isinstance(inputs, (int, float, bool)):
        return args, inputs
    inputs = tree.map_structure(_to_tensor, inputs)
    return (inputs,) + args[1:], inputs


def _resolve_training(layer: Layer, kwargs: dict):
    """The learning phase of this call: `training=` if given, else the enclosing call's, else the layer's mode
    flag. A `call` that takes `training` receives it in `kwargs`; for any other the argument is dropped. None for
    a leaf layer that has no use for it."""
    if layer._call_has_training:
        training = kwargs.get("training") if kwargs else None
        if training is None:
            outer = _CONTEXT.training
            kwargs["training"] = training = _own_phase(layer) if outer is None else outer
        return training
    training = kwargs.pop("training", None) if kwargs else None
    if training is None and layer._modules:  # only nested layer calls would read it
        outer = _CONTEXT.training
        training = _own_phase(layer) if outer is None else outer
    return training


def _own_phase(layer: Layer) -> bool:
    phase = _DEFAULT_LEARNING_PHASE[0]
    return layer.training if phase is None else phase


def _fill_masks(layer: Layer, args: tuple, kwargs: dict, inputs) -> None:
    """Passes the inputs' masks to a call that takes them and was given none (Keras's automatic masking)."""
    if layer._call_has_mask:
        if kwargs.get("mask") is None and (type(inputs) is not torch.Tensor or hasattr(inputs, "_keras_mask")):
            mask = keras_mask(inputs)
            if mask is not None:
                kwargs["mask"] = mask
        return
    for position, argument, mask_argument in layer._named_mask_args:
        if kwargs.get(mask_argument) is None:
            mask = keras_mask(args[position] if position < len(args) else kwargs.get(argument))
            if mask is not None:
                kwargs[mask_argument] = mask


def _dispatch(layer: Layer, args: tuple, kwargs: dict, inputs, training):
    """Runs `layer.call`: through torch's module call when hooks need it, in the layer's compute dtype, with the
    learning phase handed to the layer calls nested in it."""
    call = functools.partial(torch.nn.Module.__call__, layer) if _needs_module_call(layer) else layer.call
    if layer._autocast is not None:
        call = _under_autocast(call, layer._autocast, inputs)
    if layer._remat is not None and _rematerializes(layer, inputs):
        call = scopes.remat(call)
    try:
        if not layer._modules:  # a leaf: no nested layer calls to hand the learning phase to
            return call(*args, **kwargs)
        context = _CONTEXT
        outer_training, context.training = context.training, training
        try:
            return call(*args, **kwargs)
        finally:
            context.training = outer_training
    except RuntimeError:
        # torch's shape errors are cryptic: when the input does not fit the layer, say so by name.
        if layer.input_spec is not None and isinstance(inputs, torch.Tensor):
            layer._assert_input_compatibility(tuple(inputs.shape))
        raise


@contextlib.contextmanager
def inference_calls(layer: Layer):
    """For a loop of inference calls on plain tensors (`predict`'s batches): yields a function equal to
    `layer(x, training=False)` minus output masks (the caller keeps values only), with what `__call__` would redo
    per call done once for the loop (the learning phase handed to nested calls, the checks below). Yields None
    where `__call__` has per-call work to do: an unbuilt layer, hooks, a compute dtype to cast to,
    rematerialization or an activity regularizer."""
    if (
        not layer.built
        or _needs_module_call(layer)
        or layer._autocast is not None
        or layer._remat is not None
        or layer.activity_regularizer is not None
    ):
        yield None
        return
    call = functools.partial(layer.call, training=False) if layer._call_has_training else layer.call

    def infer(x):
        if _LOSS_HOLDERS:
            _clear_added_losses()  # each call is a top-level call: the last one's `add_loss` losses are stale
        return call(x)

    context = _CONTEXT
    outer_training, context.training = context.training, False
    try:
        yield infer
    finally:
        context.training = outer_training


def _rematerializes(layer: Layer, inputs) -> bool:
    """Whether the RematScope `layer` was created in asks to recompute this call's activations in the backward pass."""
    scope = layer._remat
    if scope.mode == "full":
        return True
    if scope.mode == "list_of_layers":
        return layer.name in scope.layer_names
    if scope.mode == "activations":
        return getattr(layer, "activation", None) is not None
    # "larger_than": by the size of the output (of the first input, for several), found once per input shape.
    first = inputs if isinstance(inputs, torch.Tensor) else tree.flatten(inputs)[0]
    sizes = layer.__dict__.setdefault("_remat_output_sizes", {})
    if first.shape not in sizes:
        output = tree.flatten(layer.compute_output_shape(tuple(first.shape)))
        shape = output if all(isinstance(d, int) or d is None for d in output) else output[0]
        sizes[first.shape] = math.prod(d for d in shape if d is not None)
    return sizes[first.shape] > scope.output_size_threshold


def _needs_module_call(layer: Layer) -> bool:
    """Whether `call` must run through `nn.Module.__call__`: hooks on the layer or global ones, or a layer compiled
    with `Module.compile`."""
    return (
        layer._forward_hooks
        or layer._forward_pre_hooks
        or layer._backward_hooks
        or layer._backward_pre_hooks
        or layer._compiled_call_impl is not None
        or _GLOBAL_FORWARD_HOOKS
        or _GLOBAL_FORWARD_PRE_HOOKS
        or _GLOBAL_BACKWARD_HOOKS
        or _GLOBAL_BACKWARD_PRE_HOOKS
    )


def _under_autocast(call, autocast, first):
    """`call` run in the layer's compute dtype: under torch.autocast (a half type), or with autocast switched off
    and float inputs cast back to float32 (`autocast` False). Returns `call` itself when nothing changes."""
    device_type = first.device.type if isinstance(first, torch.Tensor) else "cpu"
    active = torch.is_autocast_enabled(device_type)
    if autocast is False:
        if not active:
            return call

        def full_precision(*args, **kwargs):
            args = tree.map_structure(
                lambda t: t.float() if isinstance(t, torch.Tensor) and t.is_floating_point() else t, args
            )
            with torch.autocast(device_type, enabled=False):
                return call(*args, **kwargs)

        return full_precision
    if active and torch.get_autocast_dtype(device_type) == autocast:
        return call

    def mixed(*args, **kwargs):
        with torch.autocast(device_type, dtype=autocast):
            return call(*args, **kwargs)

    return mixed


def _attach_masks(layer: Layer, inputs, outputs) -> None:
    """Attaches `layer.compute_mask(inputs, their mask)` to the outputs that carry no mask yet."""
    previous = keras_mask(inputs)
    if previous is None and not layer._computes_mask:
        return
    single = isinstance(outputs, torch.Tensor)
    flat_outputs = [outputs] if single else tree.flatten(outputs)
    if not any(_lacks_mask(t) for t in flat_outputs):
        return
    masks = layer.compute_mask(inputs, previous)
    if masks is not None:
        _set_masks(flat_outputs, [masks] if single else tree.flatten(masks))


def _set_masks(outputs: list, masks: list) -> None:
    for output, mask in zip(outputs, masks):
        if mask is not None and _lacks_mask(output):
            output._keras_mask = mask


def _lacks_mask(x) -> bool:
    return isinstance(x, torch.Tensor) and getattr(x, "_keras_mask", None) is None


def _regularize_activity(layer: Layer, outputs) -> None:
    for output in tree.flatten(outputs):
        layer.add_loss(layer.activity_regularizer(output))


def _compiled_call(layer: Layer, args: tuple, kwargs: dict, inputs):
    """The call as torch.compile (`jit_compile=True`) traces it: the learning phase is the module's mode flag,
    which `fit` sets, because the thread-local call context is Python state the compiler should not trace."""
    if layer._call_has_training and kwargs.get("training") is None:
        kwargs["training"] = layer.training
    if layer._takes_masks:
        _fill_masks(layer, args, kwargs, inputs)
    outputs = layer.call(*args, **kwargs)
    if layer.supports_masking:
        _attach_masks(layer, inputs, outputs)
    return outputs


def keras_mask(x):
    """The mask Keras attaches to a tensor (or to each tensor of a structure) as `_keras_mask`; None if none."""
    if isinstance(x, torch.Tensor):
        return getattr(x, "_keras_mask", None)
    if isinstance(x, (list, tuple)):
        masks = [keras_mask(item) for item in x]
        return None if all(m is None for m in masks) else masks
    if isinstance(x, dict):
        masks = {key: keras_mask(value) for key, value in x.items()}
        return None if all(m is None for m in masks.values()) else masks
    return None


def collect_losses(layers: list[Layer]) -> list[torch.Tensor]:
    """The `add_loss` losses of the last call, then the weight penalties, of each layer in `layers`."""
    added = [loss for layer in layers if layer._losses for loss in layer._losses]
    return added + [
        s.regularizer(getattr(layer, s.attr))
        for layer in layers
        for s in layer._weight_specs
        if s.regularizer is not None
    ]


def _is_metric(value) -> bool:
    # A Metric (a floor above layers: not imported here) says what it is with a class attribute.
    return getattr(type(value), "_is_metric", False)


def _items(value):
    """What an attribute holds, as Keras tracks it: the value, or the items of a list, tuple or dict."""
    if isinstance(value, dict):
        return value.values()
    return value if isinstance(value, (list, tuple)) else (value,)


def _marks_built(build):
    """Wraps a subclass's `build` so that a layer built directly (`layer.build(shape)`, as Keras users do before
    `set_weights`) counts as built and is not rebuilt, with fresh weights, by its first call."""

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        self.built = True
        if args and self._build_shapes is None:
            self._build_shapes = args[0]
        return result

    return wrapper


def _own_specs(layer: Layer) -> list[_WeightSpec]:
    """A layer's own weights in Keras's variable order: trainable, then non-trainable (as created)."""
    specs = layer._weight_specs
    return [s for s in specs if s.trainable] + [s for s in specs if not s.trainable]


def _is_trained(owner: Layer, spec: _WeightSpec) -> bool:
    """Whether the optimizer updates this weight: a trainable weight, not frozen, of a layer not frozen itself."""
    return spec.trainable and not spec.frozen and owner.trainable


def _set_trainable(module: torch.nn.Module, value: bool) -> None:
    """Freezes or unfreezes a child module: a Layer through its `trainable`, a plain torch module (or
    container) through its parameters and its children."""
    if isinstance(module, Layer):
        module.trainable = value
        return
    for parameter in module.parameters(recurse=False):
        parameter.requires_grad_(value)
    for child in module.children():
        _set_trainable(child, value)


def auto_name_in(layer: Layer, prefix: str) -> str:
    """A weight name unique within `layer` (`variable`, `variable_1`, ...)."""
    taken = {s.name for s in layer._weight_specs}
    name, i = prefix, 0
    while name in taken:
        i += 1
        name = f"{prefix}_{i}"
    return name


def _free_attribute(layer: Layer, name: str) -> str:
    attr = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "variable"
    if attr[0].isdigit():
        attr = "_" + attr
    base, i = attr, 0
    while hasattr(layer, attr):
        i += 1
        attr = f"{base}_{i}"
    return attr


def _clear_added_losses() -> None:
    for layer in _LOSS_HOLDERS:
        layer._losses.clear()
    _LOSS_HOLDERS.clear()


def _python_scalar(value):
    if isinstance(value, np.generic) and value.ndim == 0:
        return value.item()
    if type(value) in (tuple, list) and any(isinstance(v, np.generic) for v in value):
        return type(value)(v.item() if isinstance(v, np.generic) else v for v in value)
    return value


def _as_python_scalars(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    return tuple(_python_scalar(a) for a in args), {k: _python_scalar(v) for k, v in kwargs.items()}


def _python_scalar_args(init):
    """Layer arguments given as NumPy scalars (`Dense(np.int64(8))`, sizes computed with NumPy) arrive as Python
    numbers, as Keras accepts them, so that checks and configs see plain ints and floats."""

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        args, kwargs = _as_python_scalars(args, kwargs)
        return init(self, *args, **kwargs)

    return wrapper


def _scoped(path: str) -> str:
    scope = scopes.current_path()
    return f"{scope}/{path}" if scope else path


def _is_symbolic(x) -> bool:
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_is_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(_is_symbolic(v) for v in x.values())
    return False


def _to_tensor(x):
    if isinstance(x, torch.Tensor) or x is None:
        return x
    array = np.asarray(x)
    if array.dtype.kind == "f":
        return torch.as_tensor(array, dtype=config.standardize_dtype(None))
    if array.dtype.kind in "iub":
        return torch.as_tensor(array)
    return x


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def _shape_to_list(shapes):
    if _is_shape(shapes):
        return list(shapes)
    if isinstance(shapes, dict):
        return {k: _shape_to_list(v) for k, v in shapes.items()}
    return [_shape_to_list(s) for s in shapes]


def _list_to_shape(value):
    if _is_shape(value):
        return tuple(value)
    if isinstance(value, dict):
        return {k: _list_to_shape(v) for k, v in value.items()}
    return [_list_to_shape(v) for v in value]


def _batch_input_shape(kwargs: dict):
    """Keras 2's `input_shape`/`input_dim`/`batch_input_shape` arguments as one batch shape, or None."""
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        shape = kwargs["input_shape"]
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return (kwargs.get("batch_size"),) + shape
    if kwargs.get("input_length") is not None:  # Keras 2 Embedding
        return (kwargs.get("batch_size"), kwargs["input_length"])
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _capture_init_args(cls, args, kwargs) -> dict | None:
    """The `__init__` arguments when all are plain JSON values (Keras's automatic get_config), else None."""
    if cls.__init__ is Layer.__init__:
        return {}
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    captured = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = inspect.signature(cls.__init__).parameters[name].kind
        if kind == inspect.Parameter.VAR_KEYWORD:
            captured.update(value)
        elif kind == inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        else:
            captured[name] = value
    return captured if _is_plain(captured) else None


def _is_plain(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False
