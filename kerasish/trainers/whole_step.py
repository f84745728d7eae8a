"""The built-in train step as one function of tensors, for `torch.compile` to capture as one graph.

`loss.backward()` ends a torch.compile graph (the autograd engine runs outside it), so compiling the forward pass
alone leaves the backward's dispatch, the optimizer's foreach kernels and their Python around every step. Here the
gradients come from `torch.func.grad` over the model with its trainable parameters swapped in
(`torch.func.functional_call`), and the optimizer's update reads the learning rate and the step number from 0-d
tensors (`Optimizer._graph_apply`). Forward, loss, backward and update then trace into a single graph that takes
new learning rates, step numbers and partial batches without retracing; on a small model a step costs one graph
call instead of dozens of kernel dispatches.

The loss tracker and the compiled metrics update inside the graph too, and so does LossScaleOptimizer's dynamic
loss scaling (the scale is a tensor input; a skipped step is a select). What stays outside, eager: the learning
rate's schedule (a Python function of the step), the optimizer's step counter and the loss scale's bookkeeping
(`Optimizer._graph_count`).
"""

from __future__ import annotations

import itertools

import torch


class _ForwardAndLoss(torch.nn.Module):
    """The model's forward pass and loss as a module call, so `functional_call` can swap the model's parameters
    for the gradient transform's (their names gain a "model." prefix)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x, y, sample_weight):
        return self.model._train_forward_and_loss(x, y, sample_weight)


class WholeTrainStep:
    """`train_step(x, y, sample_weight, learning_rate, step)` runs one train step of `model` on its `params` and
    returns the step's logs, as `Trainer.train_step` does. `use(params)` points it at the trainer's current parameter
    list (a `trainable` flip makes a new list, and the compiled step retraces once for it)."""

    def __init__(self, model):
        self._module = _ForwardAndLoss(model)
        self._optimizer = model.optimizer
        self._params = None
        self._names: list[str] = []
        self._trainable: list[torch.Tensor] = []
        self._state: dict[str, torch.Tensor] = {}

    @staticmethod
    def unsupported(model) -> str | None:
        """Why `model`'s train step cannot run as one graph (the step then compiles its forward and loss only), or
        None when it can."""
        return model.optimizer._graph_unsupported()

    def use(self, params: list) -> None:
        if params is self._params:
            return
        self._params = params
        self._trainable = [p for p in params if p.requires_grad]
        trainable = {id(p) for p in self._trainable}
        names = {id(p): name for name, p in self._module.named_parameters()}
        self._names = [names[id(p)] for p in self._trainable]
        # The rest of the model's tensors go in as inputs too: the gradient transform refuses in-place updates of
        # tensors it did not receive (BatchNormalization's moving statistics, a stateful RNN's states).
        everything = itertools.chain(self._module.named_parameters(), self._module.named_buffers())
        self._state = {name: t for name, t in everything if id(t) not in trainable}
        if not self._optimizer.built:
            self._optimizer.build(params)  # on the list the eager step's first `apply` builds it on

    def train_step(
        self, x, y, sample_weight, learning_rate: torch.Tensor, step: torch.Tensor, loss_scale: torch.Tensor
    ):
        """Returns the step's logs and what the optimizer's `_graph_apply` returned (for its `_graph_count`)."""
        names, module, optimizer = self._names, self._module, self._optimizer

        def scaled_loss(values, state):
            tensors = (dict(zip(names, values)), state)
            y_pred, loss = torch.func.functional_call(module, tensors, (x, y, sample_weight))
            return optimizer._graph_scale_loss(loss, loss_scale), (y_pred, loss)

        grads, (y_pred, loss) = torch.func.grad(scaled_loss, has_aux=True)(self._trainable, self._state)
        with torch.no_grad():
            applied = optimizer._graph_apply(list(grads), self._trainable, learning_rate, step, loss_scale)
            return module.model._record_step(x, y, y_pred, loss, sample_weight), applied
