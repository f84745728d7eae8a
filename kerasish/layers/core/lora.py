"""LoRA (low-rank adaptation) as Keras 3 has it on Dense, EinsumDense and Embedding.

`enable_lora(rank)` freezes the layer's base weight (`kernel` or `embeddings`) and adds two trainable float32
factors, `lora_<name>_a` of shape `base.shape[:-1] + (rank,)` and `lora_<name>_b` of shape `(rank, base.shape[-1])`.
The layer's `kernel` (or `embeddings`) property is then `base + (lora_alpha / rank) * a @ b`. Weight files hold
what Keras's `save_own_variables` writes: the merged weight, without the factors; loading puts the merged weight
into the base and zeroes the factors. `get_weights()` lists all of them (base, ..., a, b), as Keras's `weights`.

The base weight is registered under its Keras name (`kernel`) until LoRA is enabled, then under `_kernel` (as
Keras names the attribute), so that the class property `kernel` can return the merged value.
"""

from __future__ import annotations

import numpy as np
import torch

from kerasish import initializers


def merged_property(name: str) -> property:
    """The `kernel`/`embeddings` property of a LoRA-capable layer: the base weight, plus LoRA's update once
    enabled."""
    base_attr, a_attr, b_attr = f"_{name}", f"lora_{name}_a", f"lora_{name}_b"

    def get(layer):
        parameters = layer._parameters
        if layer.__dict__.get("lora_enabled"):
            update = torch.matmul(parameters[a_attr], parameters[b_attr])
            base = parameters[base_attr]
            return base + (layer.lora_alpha / layer.lora_rank) * update.to(base.dtype)
        base = parameters.get(name)
        if base is None:
            raise AttributeError(f"You must build the layer before accessing `{name}`.")
        return base

    return property(
        get, doc=f"The layer's `{name}`: the base weight, plus `(lora_alpha / lora_rank) * a @ b` when LoRA is enabled."
    )


def check_rank(layer, rank):
    """`rank` if it is None or a positive integer; else a ValueError naming the layer."""
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank <= 0):
        raise ValueError(f'Layer "{layer.name}": the LoRA rank must be a positive integer. Received: rank={rank}')
    return rank


def enable(
    layer, name: str, constraint, regularizer, rank, lora_alpha, a_initializer, b_initializer, what: str = "kernel"
) -> None:
    """Enables LoRA on `layer`'s weight `name` (see the module's docstring); Keras's checks and messages."""
    if constraint is not None:
        raise ValueError(
            f"Lora is incompatible with {what} constraints. In order to enable lora on this layer, remove the "
            f"`{name}_constraint` argument."
        )
    if not layer.built:
        raise ValueError("Cannot enable lora on a layer that isn't yet built.")
    if layer.lora_enabled:
        raise ValueError("lora is already enabled. This can only be done once per layer.")
    check_rank(layer, rank)
    base = layer._parameters[name]
    shape = tuple(base.shape)
    factors = []
    for suffix, factor_shape, initializer in (
        ("a", shape[:-1] + (rank,), a_initializer),
        ("b", (rank, shape[-1]), b_initializer),
    ):
        # float32 whatever the layer's dtype, as Keras does: the factors' small updates would underflow in a half type.
        factor = layer.add_weight(
            name=f"lora_{name}_{suffix}",
            shape=factor_shape,
            initializer=initializers.get(initializer),
            dtype="float32",
            regularizer=regularizer,
        )
        factor.data = factor.data.to(base.device)
        factors.append(factor)
    layer._move_weight(layer._spec_of(base), f"_{name}")
    layer._freeze_weight(base)
    layer.lora_enabled = True
    layer.lora_rank = rank
    layer.lora_alpha = lora_alpha if lora_alpha is not None else rank


def saved_specs(layer, name: str) -> list:
    """The layer's own weights that Keras's `save_own_variables` writes, in order: all but LoRA's factors."""
    factors = {f"lora_{name}_a", f"lora_{name}_b"}
    specs = [s for s in layer._weight_specs if s.trainable] + [s for s in layer._weight_specs if not s.trainable]
    return [s for s in specs if s.name not in factors]


def save_merged(layer, name: str, store) -> None:
    """Keras's `save_own_variables` of a LoRA-capable layer: the weight `name` merged with LoRA's update."""
    for i, spec in enumerate(saved_specs(layer, name)):
        value = getattr(layer, name) if spec.name == name else getattr(layer, spec.attr)
        store[str(i)] = layer._to_keras_layout(spec.name, value.detach())


def load_merged(layer, name: str, store) -> None:
    """Keras's `load_own_variables` of a LoRA-capable layer: the saved (merged) weight becomes the base one and
    LoRA's factors restart from zero. Checks the count and every shape before assigning anything."""
    specs = saved_specs(layer, name)
    if len(store.keys()) != len(specs):
        raise ValueError(
            f"Layer '{layer.name}' expected {len(specs)} variables, but received {len(store.keys())} variables "
            f"during loading. Expected: {[s.name for s in specs]}"
        )
    values = []
    for i, spec in enumerate(specs):
        value = store[str(i)]
        value = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
        expected = tuple(layer._to_keras_layout(spec.name, getattr(layer, spec.attr)).shape)
        if tuple(value.shape) != expected:
            raise ValueError(
                f'Layer "{layer.name}" variable {i} ("{spec.name}"): expected shape {expected}, received a value '
                f"of shape {tuple(value.shape)} during loading."
            )
        values.append(value)
    with torch.no_grad():
        for spec, value in zip(specs, values):
            target = getattr(layer, spec.attr)
            target.copy_(layer._from_keras_layout(spec.name, value).to(target.dtype))
        if layer.lora_enabled:
            layer._parameters[f"lora_{name}_a"].zero_()
            layer._parameters[f"lora_{name}_b"].zero_()


def config(layer) -> dict:
    """The LoRA entries of the layer's config, present (as in Keras) only when a rank is set."""
    if not layer.lora_rank:
        return {}
    return {"lora_rank": layer.lora_rank, "lora_alpha": layer.lora_alpha}
