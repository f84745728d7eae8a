"""SyncBatchNormalization: tf.keras 2's batch normalization with statistics over all replicas."""

from __future__ import annotations

from kerasish.layers.normalization.batch_normalization import BatchNormalization
from kerasish.saving import object_registry


class SyncBatchNormalization(BatchNormalization):
    """`BatchNormalization(synchronized=True)` under tf.keras 2's name: in training, the batch mean and variance
    are those of the global batch, summed over every process of `torch.distributed` with an all-reduce that
    gradients flow through (torch.nn.SyncBatchNorm's semantics); without a process group it is plain batch
    normalization. Inference uses the moving statistics, which every replica updates alike.

    Args:
        axis, momentum, epsilon, center, scale, beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer, beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint:
            as `BatchNormalization` (tf.keras 2's defaults: momentum 0.99, epsilon 1e-3).
        **kwargs: the other `BatchNormalization` arguments (`renorm`, ...) and `name`, `dtype`, `trainable`.

    Example:
        model = Sequential([Input((8,)), Dense(16), SyncBatchNormalization(), ReLU()])
        model.fit(x, y, distribute="ddp", devices=2)  # statistics over both replicas' batches
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(
            axis=axis,
            momentum=momentum,
            epsilon=epsilon,
            center=center,
            scale=scale,
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            moving_mean_initializer=moving_mean_initializer,
            moving_variance_initializer=moving_variance_initializer,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
            synchronized=True,
            **kwargs,
        )

    def get_config(self) -> dict:
        # tf.keras 2's keys: no `synchronized` (implied by the class), renorm's only when it is on, and the axis
        # as the list of (non-negative) axes once built.
        config = {k: v for k, v in super().get_config().items() if k != "synchronized"}
        if not self.renorm:
            for key in ("renorm", "renorm_clipping", "renorm_momentum"):
                config.pop(key)
        if self.built:
            config["axis"] = [self._channel_axis]
        return config


object_registry.register_builtin("layers")(SyncBatchNormalization)  # tf.keras 2 configs name it
