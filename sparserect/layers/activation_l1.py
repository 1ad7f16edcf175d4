"""The paper's L1 penalty on activation values, as a Keras activity regularizer."""

import keras
import numpy as np
from keras import ops

from sparserect.layers.members import check_member_axis
from sparserect._checks import is_sequence
from sparserect._checks import number_or_per_member


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

    With one coefficient per member, for the activations `h[i, k, j]` of
    many networks at once (member `k` on the second-to-last axis), the
    penalty is the sum of the members' penalties:

    ``` python
    penalty = sum_k coefficient[k] * sum_i sum_j |h[i, k, j]| / n
    ```

    Example:

    ``` python
    layer = keras.layers.ReLU(activity_regularizer=ActivationL1(0.001))
    outputs = layer(np.array([[1.0, -2.0, 3.0], [0.0, 5.0, 0.0]]))
    # layer.losses == [0.001 * (4.0 + 5.0) / 2] == [0.0045]
    ActivationL1([0.0, 0.001])(np.ones((2, 2, 3)))  # 0.001 * 6 = 0.006
    ```

    A single coefficient can be made adjustable during training:
    `coefficient_variable()` returns a non-trainable float32
    `keras.Variable` that the penalty reads from then on, and
    `set_coefficient(value)` changes both it and `coefficient` (which
    `get_config` writes). A compiled train step reads the variable on every
    step; on JAX, the variable must be part of the model's state, which
    `sparserect.steering.SparsityTarget` arranges during `fit`.

    Args:
        coefficient: Finite float >= 0 (a Python or NumPy number), the
            weight of the penalty, or a sequence of them, one per member.
            The paper uses `0.001`, the default.
    """

    def __init__(self, coefficient=0.001):
        self.coefficient = number_or_per_member("coefficient", coefficient)
        self._variable = None

    def coefficient_variable(self):
        """Returns the variable the penalty reads its coefficient from, made on first call.

        Only a single coefficient (not one per member) can be a variable.
        """
        if isinstance(self.coefficient, list):
            raise ValueError(
                "Only a single coefficient can be adjusted during training, not one "
                f"per member. Received: coefficient={self.coefficient!r}"
            )
        if self._variable is None:
            self._variable = keras.Variable(
                self.coefficient,
                dtype="float32",
                trainable=False,
                name="activation_l1_coefficient",
            )
        return self._variable

    def set_coefficient(self, value):
        """Sets the single coefficient to `value` (a float >= 0), and its variable if made."""
        value = number_or_per_member("value", value)
        if isinstance(value, list) or isinstance(self.coefficient, list):
            raise ValueError(
                "`set_coefficient` sets a single coefficient, of a regularizer with "
                f"one. Received: value={value!r}, coefficient={self.coefficient!r}"
            )
        self.coefficient = value
        if self._variable is not None:
            self._variable.assign(value)

    def __call__(self, x):
        x = ops.absolute(ops.cast(x, "float32"))
        if self._variable is not None:
            return ops.convert_to_tensor(self._variable) * ops.sum(x)
        if not isinstance(self.coefficient, list):
            return self.coefficient * ops.sum(x)
        check_member_axis("ActivationL1", x.shape, len(self.coefficient))
        coefficients = np.asarray(self.coefficient, dtype="float32")[:, None]
        return ops.sum(x * ops.convert_to_tensor(coefficients))

    def get_config(self):
        return {"coefficient": self.coefficient}


def activation_l1_regularizer(coefficient):
    """Returns `ActivationL1(coefficient)`, or `None` where every coefficient is 0.

    No penalty adds no loss term.
    """
    coefficients = coefficient if is_sequence(coefficient) else [coefficient]
    return ActivationL1(coefficient) if any(coefficients) else None
