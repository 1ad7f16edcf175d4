"""Salt-and-pepper noise: the corruption of the paper's first text auto-encoder."""

import keras
from keras import ops

from sparserect.pretraining.masking_noise import MaskingNoise
from sparserect._checks import is_number


@keras.saving.register_keras_serializable(package="sparserect")
class SaltAndPepperNoise(MaskingNoise):
    """Replaces a fraction `rate` of the inputs by 0 or 1, during training only.

    Formula, in training mode, with `c` and `s` drawn independently per entry:

    ``` python
    c ~ Bernoulli(rate)               # is the entry corrupted?
    s ~ Bernoulli(salt_probability)   # if so: 1 (salt) or 0 (pepper)
    output = where(c, s, inputs)
    ```

    With `salt_probability=0` it is `MaskingNoise`. Glorot et al. (2011) corrupt the binary bag-of-words input of their first
    text auto-encoder this way (rate 0.7 for their best OpenTable network).
    `salt_probability=0.5` is the classic salt-and-pepper noise of Vincent et
    al. (2010); for sparse inputs (0.6% non-zero bag-of-words), 0.5 would turn
    a third of the input into ones, so the sentiment experiments set it to
    the inputs' fraction of non-zeros: a corrupted entry is then redrawn from
    the data's own density. In inference mode the inputs pass unchanged.

    Example:

    ``` python
    noise = SaltAndPepperNoise(0.7, salt_probability=0.01, seed=0)
    corrupted = noise(np.zeros((2, 5000)), training=True)  # about 0.7% ones
    ```

    Args:
        rate: Float in [0, 1), the probability that an entry is corrupted.
        salt_probability: Float in [0, 1], the probability that a corrupted
            entry becomes 1 rather than 0. Defaults to `0.5`.
        seed: Int or `None`, seeds the layer's `keras.random.SeedGenerator`;
            or one per member, as in `MaskingNoise`.
        **kwargs: Base layer keyword arguments, such as `name`.
    """

    def __init__(self, rate, salt_probability=0.5, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        if not is_number(salt_probability) or not 0 <= salt_probability <= 1:
            raise ValueError(
                "`salt_probability` must be a float in [0, 1]. "
                f"Received: salt_probability={salt_probability!r}"
            )
        self.salt_probability = float(salt_probability)

    def corrupt(self, inputs):
        corrupted = self.uniform(inputs, dtype=keras.config.floatx()) < self.rate
        salt = self.uniform(inputs, dtype=keras.config.floatx()) < self.salt_probability
        return ops.where(corrupted, ops.cast(salt, inputs.dtype), inputs)

    def get_config(self):
        config = super().get_config()
        config.update({"salt_probability": self.salt_probability})
        return config
