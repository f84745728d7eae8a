"""`keras.losses.Reduction`: tf.keras 2's names for the loss reductions."""

from __future__ import annotations


class Reduction:
    """The reductions a loss can apply, as tf.keras 2's `ReductionV2` named them.

    - `AUTO` (`"auto"`): tf.keras's default, which here (and in tf.keras outside a distribution strategy) is
      `SUM_OVER_BATCH_SIZE`; losses accept it and store `"sum_over_batch_size"`.
    - `NONE` (`"none"`): the per-sample losses, unreduced.
    - `SUM` (`"sum"`): the sum of the weighted losses.
    - `SUM_OVER_BATCH_SIZE` (`"sum_over_batch_size"`): that sum divided by the number of elements.

    Example:
        loss = keras.losses.MeanSquaredError(reduction=keras.losses.Reduction.SUM)
    """

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple[str, str, str, str]:
        """The four reduction keys."""
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key: str) -> None:
        """Raises a ValueError if `key` is not one of `all()`."""
        if key not in cls.all():
            raise ValueError(f'Invalid Reduction Key: {key}. Expected keys are "{cls.all()}"')
