"""A rectifier with a threshold, one per layer or one per unit."""

import math

import keras
import numpy as np
from keras import ops

from sparserect._checks import is_number
from sparserect._checks import is_sequence


def _check_threshold(threshold):
    """Returns `threshold` as a float, or a list of floats; raises unless finite numbers."""
    if not is_sequence(threshold):
        if not is_number(threshold) or not math.isfinite(threshold):
            raise ValueError(
                "`threshold` must be a finite number or a non-empty sequence of them, "
                f"one per unit. Received: threshold={threshold!r}"
            )
        return float(threshold)
    values = list(np.asarray(threshold, dtype="float64").reshape(-1)) if len(threshold) else []
    if not values or len(values) != len(threshold) or not all(map(math.isfinite, values)):
        raise ValueError(
            "`threshold` must be a finite number or a non-empty sequence of them, "
            f"one per unit. Received: threshold={threshold!r}"
        )
    return [float(v) for v in values]


@keras.saving.register_keras_serializable(package="sparserect")
class ThresholdedRectifier(keras.layers.Layer):
    """The rectifier with a threshold: `x` above it, exactly `0` at or below it.

    Formula, for a threshold `t` (one per layer, or `t[j]` for unit `j`):

    ``` python
    output = x if x > t else 0
    ```

    With `t = 0` it is the rectifier `max(0, x)`. For `t > 0` it keeps the
    value (it does not subtract `t`, unlike soft thresholding), so a unit
    above the threshold computes what the plain rectifier computes, and more
    units are exactly 0. `keras.layers.ReLU(threshold=t)` computes the same
    with one scalar threshold (its docstring says `x >= t`, its code keeps
    `x > t`); this layer also takes one threshold per unit (the last axis),
    as `sparserect.steering.calibrate_thresholds` sets them.

    Example:

    ``` python
    layer = ThresholdedRectifier(0.5)
    layer(np.array([[-1.0, 0.5, 0.7]]))           # [[0.0, 0.0, 0.7]]
    ThresholdedRectifier([0.0, 1.0])(np.array([[0.3, 0.3]]))  # [[0.3, 0.0]]
    ```

    Args:
        threshold: Finite float, or a sequence of them, one per unit.
            Defaults to `0.0`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = _check_threshold(threshold)
        self.supports_masking = True

    def build(self, input_shape):
        if isinstance(self.threshold, list) and input_shape[-1] != len(self.threshold):
            raise ValueError(
                f"Layer {self.name!r} has {len(self.threshold)} thresholds, one per unit, "
                f"for inputs of {input_shape[-1]} units. Received: input_shape={input_shape}"
            )

    def call(self, inputs):
        threshold = ops.convert_to_tensor(
            np.asarray(self.threshold, dtype="float32"), dtype=inputs.dtype
        )
        return ops.where(ops.greater(inputs, threshold), inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
