"""tf.keras 2's `optimizers.legacy` and `optimizers.experimental` classes, as kerasish's optimizers.

tf.keras 2 had three generations of each optimizer under three paths; all of them take the same arguments (the
Keras 2 spellings `lr` and `decay` included), so here each is the current optimizer under tf.keras's name default
(`name="Adam"` rather than Keras 3's `"adam"`), accepting and ignoring `jit_compile` (torch compiles the whole
train step instead). A variant is a subclass: `isinstance(legacy.Adam(), keras.optimizers.Adam)` holds, and it
serializes as the optimizer it is (`"class_name": "Adam"`).
"""

from __future__ import annotations

import inspect

from kerasish.optimizers.optimizer import Optimizer


def keras2_variant(base: type[Optimizer], module: str, jit_compile: bool) -> type[Optimizer]:
    """A subclass of `base` in `module` whose `name` defaults to the class name, as tf.keras 2's did.

    Args:
        base: the current optimizer class.
        module: the module the variant is exported from (`kerasish.optimizers.legacy`, ...).
        jit_compile: whether the variant's signature shows tf.keras's `jit_compile=True` (the experimental ones).
    """
    default_name = base.__name__
    # The signature tf.keras users (and `inspect`) see: the base's arguments, then tf.keras's `jit_compile` and
    # `name` (positional, as tf.keras had them, before `**kwargs`).
    parameters, var_keyword = [], None
    for parameter in inspect.signature(base.__init__).parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            var_keyword = parameter
        elif parameter.name != "name":
            parameters.append(parameter)
    if jit_compile:
        parameters.append(inspect.Parameter("jit_compile", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=True))
    parameters.append(inspect.Parameter("name", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default_name))
    if var_keyword is not None:
        parameters.append(var_keyword)
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        arguments.pop("self")
        arguments.pop("jit_compile", None)  # torch compiles the whole train step instead (`jit_compile` in compile)
        extra = arguments.pop(var_keyword.name, {}) if var_keyword is not None else {}
        extra.pop("jit_compile", None)
        base.__init__(self, **arguments, **extra)

    __init__.__signature__ = signature
    __init__.__doc__ = base.__init__.__doc__
    return type(
        default_name,
        (base,),
        {
            "__init__": __init__,
            "__module__": module,
            "__qualname__": default_name,
            "__doc__": f"tf.keras 2's `{module.replace('kerasish', 'keras')}.{default_name}`: "
            f"`keras.optimizers.{default_name}` with `name` defaulting to {default_name!r}.\n\n{base.__doc__}",
        },
    )
