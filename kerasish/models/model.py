"""Model: a Layer that trains (`compile`/`fit`/...), saves its weights, and summarises itself.

`Model(inputs, outputs)` builds a functional model; subclassing `Model` and defining `call` gives a subclassed
model; `Sequential` is a Model too. Every one of them is a `torch.nn.Module`.
"""

from __future__ import annotations

import json

import torch

from kerasish.layers import serialize
from kerasish.layers.layer import _CONTEXT, Layer, _is_shape
from kerasish.models.functional_config import functional_from_config
from kerasish.models.summary import print_summary
from kerasish.saving import saving_api
from kerasish.trainers import compile_utils
from kerasish.trainers.trainer import Trainer
from kerasish.utils import tree


class Model(Trainer, Layer):
    """A trainable graph of layers.

    Functional:
        inputs = kerasish.Input(shape=(16,))
        outputs = kerasish.layers.Dense(1)(kerasish.layers.Dense(32, activation="relu")(inputs))
        model = kerasish.Model(inputs, outputs)

    Subclassed:
        class MyModel(kerasish.Model):
            def __init__(self):
                super().__init__()
                self.hidden = kerasish.layers.Dense(32, activation="relu")
                self.out = kerasish.layers.Dense(1)

            def call(self, inputs, training=None):
                return self.out(self.hidden(inputs))
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            functional = _functional()
            return functional.__new__(functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            # A Model subclass that passes inputs and outputs on (Keras's pattern for overriding `train_step` on a
            # functional model) becomes a Functional model, with the subclass's own methods taking precedence.
            self.__class__ = _functional_subclass(type(self))
            _functional().__init__(self, *args, **kwargs)
            return
        Layer.__init__(self, **kwargs)
        self._init_trainer()

    def _declared_inputs(self):
        """The model's symbolic inputs if it declares them (functional, or Sequential with a known input)."""
        return getattr(self, "inputs", None)

    # ---- structure -----------------------------------------------------------------------------------------

    @property
    def layers(self) -> list[Layer]:
        return self._sublayers()

    def reset_states(self) -> None:
        """Zeroes the carried states of every stateful layer (Keras 2's stateful RNNs between sequences)."""
        for layer in self._flatten_layers():
            if layer is not self and getattr(layer, "stateful", False) and hasattr(layer, "reset_state"):
                layer.reset_state()

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called `name`, or at position `index` in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has {len(layers)} layers."
                )
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(
        self,
        line_length: int | None = None,
        positions=None,
        print_fn=None,
        expand_nested: bool = False,
        show_trainable: bool = False,
        layer_range=None,
    ) -> None:
        """Prints Keras's summary table: each layer, its output shape and parameter count, then the totals."""
        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def export(self, filepath, format: str = "tf_saved_model", verbose=None, input_signature=None, **kwargs):
        """Exports the model's inference for serving, as a file that runs without kerasish (docs/export.md).

        Args:
            filepath: Where to write.
            format: `"onnx"` (ONNX Runtime and other ONNX runtimes; needs `kerasish[onnx]`) or `"torch"` (a `.pt2`
                torch.export program: `torch.export.load(filepath).module()(x)`). Keras's TensorFlow, OpenVINO and
                LiteRT formats need their own toolchains; convert the ONNX file with them.
            verbose: Whether to print where the file went (default True).
            input_signature: The model's positional arguments as `keras.InputSpec`s, KerasTensors or tensors;
                default: the model's inputs, with a free batch axis.
            **kwargs: `opset_version` for ONNX; `torch.export.export`'s arguments (`strict`, `dynamic_shapes`).
        """
        if format == "onnx":
            from kerasish.export.onnx import export_onnx

            return export_onnx(self, filepath, verbose=verbose, input_signature=input_signature, **kwargs)
        if format == "torch":
            from kerasish.export.torch_program import export_torch

            return export_torch(self, filepath, verbose=verbose, input_signature=input_signature, **kwargs)
        if format in ("tf_saved_model", "openvino", "litert"):
            raise ValueError(
                f"format=\"{format}\" needs TensorFlow's (or OpenVINO's, LiteRT's) converters, which take a "
                'TensorFlow graph; kerasish runs on torch. Export with format="onnx" (which those toolchains import) '
                'or format="torch".'
            )
        raise ValueError(
            f"Unrecognized format={format}. Supported formats are: ['onnx', 'torch'] (Keras's "
            "'tf_saved_model', 'openvino' and 'litert' need TensorFlow's graph)."
        )

    def _build_for(self, inputs) -> None:
        # The first call on data builds the layers itself: record the shape (for `build_config`), skip the
        # extra forward pass of `build`.
        if type(self).build is Model.build:
            self._build_shapes = tree.map_structure(lambda t: tuple(t.shape), inputs)
            self.built = True
            return
        super()._build_for(inputs)

    def build(self, input_shape=None) -> None:
        """Builds a subclassed model's layers by running `call` once on zeros of `input_shape` (unknown sizes as 1),
        as Keras does on a symbolic input; `load_model` uses it to rebuild from the saved `build_config`."""
        if input_shape is None:
            raise ValueError(f'Model "{self.name}": `build()` needs an `input_shape`, or call the model on data.')
        device = _CONTEXT.build_device or next((p.device for p in self.parameters()), torch.device("cpu"))

        def zeros(shape):
            if _is_shape(shape):
                return torch.zeros([1 if d is None else int(d) for d in shape], device=device)
            if isinstance(shape, dict):
                return {key: zeros(value) for key, value in shape.items()}
            return [zeros(value) for value in shape]

        zeros = zeros(input_shape)
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                self.call(zeros)
        finally:
            self.train(was_training)
        self.built = True

    # ---- config --------------------------------------------------------------------------------------------

    def get_config(self) -> dict:
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        functional = _functional()
        if not isinstance(config, dict):
            raise ValueError(f"A {cls.__name__} config must be a dict; received {type(config).__name__}.")
        if issubclass(cls, functional) or "input_layers" in config or "output_layers" in config:
            # A Model subclass built the functional way (`super().__init__(inputs, outputs)`) is rebuilt the same
            # way, so it keeps its own methods (a custom train_step); plain Model configs become Functional.
            return functional_from_config(functional if cls is Model else cls, config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs) -> str:
        """The model's architecture as a JSON string (`{"class_name", "config", ...}`)."""
        return json.dumps(serialize(self), **kwargs)

    def to_yaml(self, **kwargs) -> str:
        """The model's architecture as YAML: the `to_json` config through `yaml.safe_dump` (Keras 2's API)."""
        import yaml  # only for this Keras 2 API

        return yaml.safe_dump(json.loads(json.dumps(serialize(self))), **kwargs)

    # ---- compile config ------------------------------------------------------------------------------------

    def get_compile_config(self) -> dict | None:
        """The `compile` arguments as a serializable dict (None if not compiled), as `.keras` files store them."""
        if not getattr(self, "compiled", False) or self._compile_config is None:
            return None
        return compile_utils.serialize_compile_argument({**self._compile_config, "optimizer": self.optimizer})

    def compile_from_config(self, config: dict) -> None:
        """Compiles the model from `get_compile_config()` output (or a Keras-written one)."""
        self.compile(**compile_utils.compile_arguments_from_config(config))

    # ---- saving: every format decision is saving_api's -----------------------------------------------------

    def save(self, filepath, overwrite: bool = True, zipped: bool | None = None, **kwargs) -> None:
        """Saves architecture, weights, compile arguments and optimizer state: `.keras` (Keras 3) or `.h5` (legacy).

        `kerasish.models.load_model(filepath)` gives back the model, ready to resume training. Takes
        `include_optimizer` and Keras 2's `save_format` ("h5", "keras") as keywords.
        """
        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True, max_shard_size=None, **kwargs) -> None:
        """Saves the weights, atomically: Keras 3's layout for `*.weights.h5`, Keras's legacy HDF5 layout for other
        names (`*.h5`). Takes Keras 2's `save_format="h5"` and `options` as keywords."""
        saving_api.save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size, **kwargs)

    def load_weights(self, filepath, skip_mismatch: bool = False, by_name: bool = False) -> None:
        """Loads weights saved by `save_weights` or `save` (kerasish's or Keras's, either layout); every name and
        shape is checked before anything is assigned."""
        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)


def _functional() -> type:
    """The Functional class. `Model(inputs, outputs)` returns one (Keras's API), and Functional is a Model: the one
    import circle the API implies, closed here, lazily, once the models are loaded."""
    from kerasish.models.functional import Functional

    return Functional


_FUNCTIONAL_SUBCLASSES: dict[type, type] = {}


def _functional_subclass(cls: type) -> type:
    """`cls` with Functional mixed in after it (one class per `cls`): the subclass's methods win, Functional
    supplies `__init__(inputs, outputs)` and `call` where the subclass defines none."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(
            cls.__name__, (cls, _functional()), {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        )
    return _FUNCTIONAL_SUBCLASSES[cls]
