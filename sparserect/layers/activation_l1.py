"""The paper's L1 penalty on activation values, as a Keras activity regularizer."""

import keras
from keras import ops

from sparserect._checks import check_non_negative_number


@keras.saving.register_keras_serializable(package="sparserect")
class ActivationL1(keras.regularizers.Regularizer):
    """L1 penalty on a layer's activations, with the paper's semantics.

    Formula, for a batch of `n` examples with activations `h[i, j]`:

    ``` python
    penalty = coefficient * sum_i sum_j |h[i, j]| / n
    ```

    that is, the coefficient times the per-example sum of `|h|` over the
    units, averaged over the batch, as in the authors' code: its strength
    does not depend on the batch size. Use it as a layer's
    `activity_regularizer`: the regularizer returns
    `coefficient * sum(|h|)` and Keras (3.14 and newer) divides activity
    losses by the batch size. Unlike `keras.regularizers.L1`, the sum is taken
    in float32, so that under the `mixed_float16` policy a wide layer's
    penalty does not overflow to `inf`.

    Example:

    ``` python
    layer = keras.layers.ReLU(activity_regularizer=ActivationL1(0.001))
    outputs = layer(np.array([[1.0, -2.0, 3.0], [0.0, 5.0, 0.0]]))
    # layer.losses == [0.001 * (4.0 + 5.0) / 2] == [0.0045]
    ```

    Args:
        coefficient: Finite float >= 0 (a Python or NumPy number), the
            weight of the penalty. The paper uses `0.001`, the default.
    """

    def __init__(self, coefficient=0.001):
        check_non_negative_number("coefficient", coefficient)
        self.coefficient = float(coefficient)

    def __call__(self, x):
        return self.coefficient * ops.sum(ops.absolute(ops.cast(x, "float32")))

    def get_config(self):
        return {"coefficient": self.coefficient}


def activation_l1_regularizer(coefficient):
    """Returns `ActivationL1(coefficient)`, or `None` for 0: no penalty adds no loss term."""
    return ActivationL1(coefficient) if coefficient else None
