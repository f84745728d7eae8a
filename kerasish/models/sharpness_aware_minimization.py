"""SharpnessAwareMinimization: tf.keras 2's SAM wrapper model (`keras.models.experimental`)."""

from __future__ import annotations

import torch

from kerasish import tree
from kerasish.layers import deserialize as deserialize_layer
from kerasish.layers import serialize as serialize_layer
from kerasish.models.model import Model
from kerasish.saving.object_registry import register_builtin
from kerasish.trainers.data_adapters.data_adapter import unpack_x_y_sample_weight


def _split(structure, parts: int) -> list:
    if structure is None:
        return [None] * parts
    leaves = [torch.chunk(t, parts) for t in tree.flatten(structure)]
    return [tree.pack_sequence_as(structure, [chunks[i] for chunks in leaves]) for i in range(parts)]


@register_builtin("layers")
class SharpnessAwareMinimization(Model):
    """Trains the wrapped model with Sharpness-Aware Minimization (Foret et al., 2020), as tf.keras 2.

    Each step (per mini-batch split) computes the loss gradient `g` at the weights `w`, moves to the nearby worst
    case `w + rho * g / ||g||`, takes the gradient there, moves back, and lets the optimizer apply the gradients
    taken at the perturbed points (summed over the splits). The loss is the compiled loss only (no regularization
    losses), and the reported loss averages the losses at `w` and at the perturbed weights, as tf.keras's are.

    Args:
        model: the model that does the forward pass.
        rho: the size of the perturbation.
        num_batch_splits: the number of equal sub-batches each batch is split into (None: no split).
        name: the model's name.

    Example:
        model = keras.models.experimental.SharpnessAwareMinimization(inner_model, rho=0.05)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y)
    """

    def __init__(
        self, model, rho: float = 0.05, num_batch_splits: int | None = None, name: str | None = None, **kwargs
    ):
        if num_batch_splits is not None and (
            isinstance(num_batch_splits, bool) or not isinstance(num_batch_splits, int) or num_batch_splits < 1
        ):
            raise ValueError(
                "SharpnessAwareMinimization: `num_batch_splits` must be a positive integer or None. Received: "
                f"num_batch_splits={num_batch_splits!r}"
            )
        super().__init__(name=name, **kwargs)
        self.model = model
        self.rho = rho
        self.num_batch_splits = num_batch_splits

    def call(self, inputs, training=None):
        return self.model(inputs, training=training)

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        parts = self.num_batch_splits or 1
        if parts > 1:
            size = tree.flatten(x)[0].shape[0]
            if size % parts:
                raise ValueError(
                    f"SharpnessAwareMinimization: a batch of {size} samples cannot be split into "
                    f"num_batch_splits={parts} equal parts."
                )
        variables = list(self.model.trainable_weights)
        summed = None
        predictions = []
        for x_part, y_part, weight_part in zip(_split(x, parts), _split(y, parts), _split(sample_weight, parts)):
            size = tree.flatten(x_part)[0].shape[0]
            prediction = self(x_part, training=False)
            loss = self._compile_loss(y_part, prediction, weight_part)
            self._loss_tracker.update_state(loss.detach(), sample_weight=size)
            predictions.append(prediction.detach())
            grads = torch.autograd.grad(loss, variables, allow_unused=True)
            norm = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads if g is not None]))
            scale = self.rho / (norm + 1e-12)
            epsilons = [g * scale if g is not None else torch.zeros_like(v) for g, v in zip(grads, variables)]
            with torch.no_grad():
                torch._foreach_add_(variables, epsilons)
            loss = self._compile_loss(y_part, self(x_part, training=True), weight_part)
            self._loss_tracker.update_state(loss.detach(), sample_weight=size)
            grads = torch.autograd.grad(loss, variables, allow_unused=True)
            with torch.no_grad():
                torch._foreach_sub_(variables, epsilons)
            grads = [g if g is not None else torch.zeros_like(v) for g, v in zip(grads, variables)]
            summed = grads if summed is None else torch._foreach_add(summed, grads)
        self.optimizer.apply(summed, variables)
        prediction = torch.cat(predictions) if parts > 1 else predictions[0]
        return self.compute_metrics(x, y, prediction, sample_weight)

    def get_config(self) -> dict:
        config = Model.get_config(self)
        config.update(
            {"model": serialize_layer(self.model), "rho": self.rho, "num_batch_splits": self.num_batch_splits}
        )
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> SharpnessAwareMinimization:
        config = dict(config)
        config["model"] = deserialize_layer(config["model"], custom_objects=custom_objects)
        return cls(**config)
