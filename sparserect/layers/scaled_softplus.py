"""The rescaled softplus of the paper's NORB experiment: (1/a) * softplus(a * x)."""

import keras
import numpy as np
from keras import ops

from sparserect.layers.members import check_member_axis
from sparserect._checks import number_or_per_member


def scaled_softplus(x, sharpness=1.0):
    """Computes `(1 / sharpness) * softplus(sharpness * x)`.

    `softplus(z) = log(1 + exp(z))` is evaluated by the backend's stable
    formula (`max(z, 0) + log1p(exp(-|z|))`), so a large `sharpness * x` gives
    `x` instead of `inf`. As `sharpness` grows the function tends to the
    rectifier `max(0, x)`; `sharpness=1` is the plain softplus.

    Args:
        x: Input tensor.
        sharpness: Positive float, the `a` of the formula.

    Returns:
        A tensor of the same shape and dtype as `x`.
    """
    return ops.softplus(x * sharpness) / sharpness


@keras.saving.register_keras_serializable(package="sparserect")
class ScaledSoftplus(keras.layers.Layer):
    """Rescaled softplus activation layer, the paper's NORB variant.

    Formula:

    ``` python
    f(x) = (1 / a) * log(1 + exp(a * x))
    ```

    Glorot et al. (2011) compare `a` in {1, 1.3, 2, 3, 6} on NORB (test error
    17.68% for `a = 1` down to 16.54% for `a = 6`, and 16.40% for the
    rectifier, the limit `a -> inf`).

    With one sharpness per member, member `k` (the second-to-last axis of
    inputs `x[..., k, j]`) uses its own: `f(x)[..., k, j] = (1 / a[k]) *
    log(1 + exp(a[k] * x[..., k, j]))`.

    Example:

    ``` python
    layer = ScaledSoftplus(sharpness=6.0)
    result = layer(np.array([-10.0, 0.0, 10.0]))
    # result = [0., 0.1155, 10.]
    layer = ScaledSoftplus(sharpness=[1.0, 6.0])
    result = layer(np.zeros((1, 2, 3)))  # [[[log 2] * 3, [log(2) / 6] * 3]]
    ```

    Args:
        sharpness: Float > 0, the `a` of the formula, or a sequence of
            them, one per member. Defaults to `1.0` (plain softplus).
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, sharpness=1.0, **kwargs):
        super().__init__(**kwargs)
        self.sharpness = number_or_per_member("sharpness", sharpness, strict=True)
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        if not isinstance(self.sharpness, list):
            return scaled_softplus(inputs, self.sharpness)
        check_member_axis("ScaledSoftplus", inputs.shape, len(self.sharpness))
        sharpness = ops.convert_to_tensor(
            np.asarray(self.sharpness)[:, None], dtype=inputs.dtype
        )
        return scaled_softplus(inputs, sharpness)

    def get_config(self):
        config = super().get_config()
        config.update({"sharpness": self.sharpness})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
