"""The paper's sign trick: a fixed random sign per unit, half of them -1."""

import random

import keras
import numpy as np
from keras import ops
from sparserect.layers.members import check_member_axis
from sparserect._checks import check_non_negative_int
from sparserect._checks import is_sequence
from sparserect._checks import per_member_seeds


def sign_mask(units, seed):
    """Returns a float32 vector of `units` signs, exactly `units // 2` of them -1.

    The same `(units, seed)` always give the same mask, on every backend.
    """
    flipped = np.random.default_rng(seed).permutation(units)[: units // 2]
    mask = np.ones(units, dtype="float32")
    mask[flipped] = -1.0
    return mask


@keras.saving.register_keras_serializable(package="sparserect")
class SignFlip(keras.layers.Layer):
    """Multiplies each unit by a fixed random sign, half of the units by -1.

    Formula, for a fixed mask `s` in {-1, +1}^units drawn once from `seed`:

    ``` python
    f(h)[..., j] = s[j] * h[..., j]
    ```

    Glorot et al. (2011) flip half of the rectifier units so that the mean
    activation that the next layer sees is near zero, as with tanh units.
    The mask is a non-trainable weight: it is saved with the model and is
    identical after reloading. Exact zeros stay exact zeros. With one seed
    per member, the mask has shape `(members, units)` and member `k` (the
    second-to-last axis of the inputs) gets the mask of `SignFlip(seed[k])`.

    Example:

    ``` python
    layer = SignFlip(seed=1)
    result = layer(np.ones((1, 4)))
    # result has two entries +1 and two entries -1
    members = SignFlip(seed=[1, 2])(np.ones((1, 2, 4)))  # one mask per member
    ```

    Args:
        seed: Int >= 0 that fixes the mask, or a sequence of them, one per
            member. Defaults to `None`, which draws a seed once at
            construction; it is stored in the layer's config.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        if is_sequence(seed):
            self.seed = per_member_seeds("seed", seed, max(len(seed), 1))
        else:
            check_non_negative_int("seed", seed, allow_none=True)
            self.seed = random.randrange(2**31) if seed is None else int(seed)
        self.supports_masking = True

    def build(self, input_shape):
        units = input_shape[-1]
        if units is None:
            raise ValueError(
                "SignFlip needs a known last dimension. "
                f"Received: input_shape={input_shape}"
            )
        if isinstance(self.seed, list):
            check_member_axis("SignFlip", input_shape, len(self.seed))
            mask = np.stack([sign_mask(units, seed) for seed in self.seed])
        else:
            mask = sign_mask(units, self.seed)
        self.sign_mask = self.add_weight(
            name="sign_mask",
            shape=mask.shape,
            initializer=keras.initializers.Constant(mask),
            trainable=False,
        )

    def call(self, inputs):
        return inputs * ops.cast(self.sign_mask, inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape
