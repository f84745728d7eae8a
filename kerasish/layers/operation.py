"""Operation: an op called on symbolic tensors, as a weightless layer of a functional graph.

`kerasish.ops.operation.keras_op` makes one subclass per op, named as Keras names the op's class (`mean` ->
`Mean`), the first time that op meets a KerasTensor or a model config names it.
"""

from __future__ import annotations

from kerasish.backend.common.keras_tensor import Node, any_symbolic
from kerasish.layers.layer import Layer


class Operation(Layer):
    """One op called on symbolic tensors, as a weightless layer.

    Subclasses are made by `keras_op`, one per op; `arguments` are the op's arguments that are not operands, and
    `call` passes them to the op along with the operands of the node.

    Args:
        name: the node's name (the op's snake-case name, numbered: `mean`, `mean_1`, ...).
        **arguments: the op's arguments that are not operands (`axis`, `keepdims`, ...).
    """

    _function = None  # the op's concrete implementation, set on each subclass
    _leading = ()  # config arguments passed positionally, before the operands (einsum's `subscripts`)
    _output_spec = None  # the op's own output-spec function, where meta tensors cannot tell the output shape

    def __init__(self, name: str | None = None, **arguments):
        super().__init__(name=name)
        self.arguments = arguments
        self.built = True

    def call(self, *args, **kwargs):
        cls = type(self)
        if cls._leading:
            args = tuple(self.arguments[name] for name in cls._leading) + args
            arguments = {k: v for k, v in self.arguments.items() if k not in cls._leading}
            return cls._function(*args, **kwargs, **arguments)
        return cls._function(*args, **kwargs, **self.arguments)

    def __call__(self, *args, **kwargs):
        # No weights, learning phase or masks: skip Layer.__call__ and run the op (or record it).
        if any_symbolic(args, kwargs):
            spec = type(self)._output_spec
            if spec is not None:
                outputs = spec(*args, **kwargs, **self.arguments)
            else:
                outputs = self.compute_output_spec(*args, **kwargs)  # unless overridden: `call` on meta tensors
            Node(self, args, kwargs, outputs)
            return outputs
        return self.call(*args, **kwargs)

    def get_config(self) -> dict:
        return {"name": self.name, **self.arguments}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def operation_class(class_name: str, function, leading: tuple, output_spec=None) -> type[Operation]:
    """A new `Operation` subclass for `function`, named `class_name`, serialized under `function`'s module."""
    return type(
        class_name,
        (Operation,),
        {
            "_function": staticmethod(function),
            "_leading": leading,
            "_output_spec": None if output_spec is None else staticmethod(output_spec),
            "__module__": function.__module__,
            "__qualname__": class_name,
            "__doc__": function.__doc__,
        },
    )
