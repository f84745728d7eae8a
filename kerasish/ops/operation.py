"""Ops in functional graphs: an op applied to a symbolic KerasTensor becomes a node of the graph.

Every public op is wrapped by `keras_op`, which costs one cheap scan of the arguments on concrete tensors and,
when it finds a KerasTensor, records the call as an `Operation` (`kerasish/layers/operation.py`): a weightless
layer of a class named as Keras names the op's class (`mean` -> `Mean`, `expand_dims` -> `ExpandDims`). Its config
holds the op's other arguments (`{"name": "mean", "axis": 1, "keepdims": false}`) and its node holds the operands,
which is the shape Keras 3 writes for ops in a functional model's config::

    {"module": "keras.src.ops.numpy", "class_name": "Mean", "config": {"name": "mean", "axis": 1, ...},
     "registered_name": "Mean", "inbound_nodes": [{"args": [<keras tensor>], "kwargs": {}}]}
"""

from __future__ import annotations

import functools
import inspect

from kerasish.backend.common.keras_tensor import any_symbolic

# Keras class name -> (the op's function, its leading config arguments), for every op that can join a graph; the
# `Operation` classes are made from these on first use.
_OP_FUNCTIONS: dict[str, tuple] = {}
_OPERATIONS: dict[str, type] = {}


# Keras's op classes whose names are not the op's name in CamelCase.
_KERAS_CLASS_NAMES = {
    "allclose": "AllClose",
    "isin": "IsIn",
    "istft": "ISTFT",
    "stft": "STFT",
    "searchsorted": "SearchSorted",
    "batch_normalization": "BatchNorm",
    "ctc_loss": "CTCLoss",
    "psnr": "PSNR",
    "rms_normalization": "RMSNorm",
    "layer_normalization": "LayerNorm",
    "cdist": "CDist",
    "fft": "FFT",
    "fft2": "FFT2",
    "ifft2": "IFFT2",
    "rfft": "RFFT",
    "irfft": "IRFFT",
    "svd": "SVD",
    "ctc_decode": "CTCDecode",
    "rgb_to_grayscale": "RGBToGrayscale",
    "rgb_to_hsv": "RGBToHSV",
    "hsv_to_rgb": "HSVToRGB",
    "ssim": "SSIM",
    "extract_patches_3d": "ExtractPatches3D",
}


def _class_name(op_name: str) -> str:
    if op_name in _KERAS_CLASS_NAMES:
        return _KERAS_CLASS_NAMES[op_name]
    return "".join(part[:1].upper() + part[1:] for part in op_name.split("_"))


# Parameters that hold an op's operands (tensors, or numbers standing in for them): they go to the graph node, as
# Keras passes them to its Operation's `call`; every other argument goes to the Operation's config.
_OPERAND_NAMES = frozenset(
    {
        "x",
        "x1",
        "x2",
        "xs",
        "y",
        "a",
        "b",
        "inputs",
        "condition",
        "condlist",
        "choicelist",
        "indices",
        "updates",
        "values",
        "data",
        "segment_ids",
        "target",
        "targets",
        "output",
        "predictions",
        "kernel",
        "depthwise_kernel",
        "pointwise_kernel",
        "query",
        "key",
        "value",
        "bias",
        "mask",
        "scale",
        "offset",
        "mean",
        "variance",
        "gamma",
        "beta",
        "weights",
        "fill_value",
        "sorted_sequence",
        "bins",
        "target_length",
        "output_length",
        "variable",
        "start_indices",
        "q",
        "array",
        "abs_",
        "angle",
        "default",
        "constant_values",
        "sequence_lengths",
        "elems",
        "tensor",
    }
)


def keras_op(function=None, *, output_spec=None, config_args=()):
    """Makes `function` (an op on concrete tensors) usable on symbolic KerasTensors too.

    Operands (see `_OPERAND_NAMES`, and any argument holding a KerasTensor) go to the graph node; the other
    arguments become the `Operation`'s config, as in Keras (`Mean(axis=1)` called on `x`).

    The output KerasTensors are found by running the op on meta tensors; an op whose output shape depends on the
    values (`unique`) passes `output_spec`, a function of the op's arguments (KerasTensors in place of tensors)
    that returns them: `@keras_op(output_spec=...)`. `config_args` names arguments that Keras keeps in the op's
    config although their names are operands elsewhere (`fill_value` of the image ops).
    """
    if function is None:
        return functools.partial(keras_op, output_spec=output_spec, config_args=config_args)
    signature = inspect.signature(function)
    class_name = _class_name(function.__name__)
    parameters = list(signature.parameters.values())
    leading = ()
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters):
        leading = tuple(
            p.name
            for p in parameters
            if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name not in _OPERAND_NAMES
        )
    _OP_FUNCTIONS[class_name] = (function, leading, output_spec)
    operands = _OPERAND_NAMES - frozenset(config_args)

    @functools.wraps(function)
    def op(*args, **kwargs):
        if any_symbolic(args, kwargs):
            return _record(get_operation_class(class_name), signature, args, kwargs, operands)
        return function(*args, **kwargs)

    return op


def _record(cls, signature: inspect.Signature, args, kwargs, operands=_OPERAND_NAMES):
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    node_args, node_kwargs, arguments = [], {}, {}
    leading = True  # operands before any config argument are passed positionally, Nones included, as Keras does
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind == inspect.Parameter.VAR_POSITIONAL:
            node_args.extend(value)
        elif kind == inspect.Parameter.VAR_KEYWORD:
            arguments.update(value)
        elif name in operands or any_symbolic((value,), None):
            if leading:
                node_args.append(value)
            elif value is not None:
                node_kwargs[name] = value
        else:
            leading = False
            arguments[name] = value
    return cls(**arguments)(*node_args, **node_kwargs)


def get_operation_class(class_name: str) -> type | None:
    """The `Operation` class Keras writes as `class_name` in a model config (`"Mean"`), or None."""
    cls = _OPERATIONS.get(class_name)
    if cls is None and class_name in _OP_FUNCTIONS:
        # Upward import, lazy on purpose: an op joins a graph as a layer, and layers sit on the floor above ops (and
        # use them), so the layer class is imported only when an op first meets a KerasTensor or a config.
        from kerasish.layers.operation import operation_class

        cls = _OPERATIONS[class_name] = operation_class(class_name, *_OP_FUNCTIONS[class_name])
    return cls


def deserialize(config: dict):
    """Builds an `Operation` layer from its serialized config (Keras 3's shape, module `keras.src.ops.*`)."""
    cls = get_operation_class(config["class_name"])
    if cls is None:
        raise ValueError(
            f"Unknown op in model config: '{config['class_name']}' (module {config.get('module')}). "
            f"kerasish.ops has no op of that name."
        )
    return cls.from_config(config.get("config", {}))
