"""Masking noise: the corruption of the paper's denoising auto-encoders."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="sparserect")
class MaskingNoise(keras.layers.Layer):
    """Sets each input to 0 with probability `rate`, during training only.

    Formula, in training mode, with `m` drawn independently per entry:

    ``` python
    m ~ Bernoulli(1 - rate)
    output = m * inputs
    ```

    Unlike `keras.layers.Dropout`, the kept inputs are *not* rescaled by
    `1 / (1 - rate)`: a denoising auto-encoder must reconstruct the clean
    inputs from a corrupted copy (Vincent et al., 2008), not from a rescaled
    one. Glorot et al. (2011) use `rate=0.25` for their image experiments. In
    inference mode the inputs pass unchanged.

    Example:

    ``` python
    noise = MaskingNoise(0.25, seed=0)
    corrupted = noise(np.ones((2, 8)), training=True)  # about a quarter zeros
    ```

    Args:
        rate: Float in [0, 1), the probability of setting an input to 0.
        seed: Int or `None`, seeds the layer's `keras.random.SeedGenerator`.
        **kwargs: Base layer keyword arguments, such as `name`.
    """

    def __init__(self, rate=0.25, seed=None, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(rate, bool)
            or not isinstance(rate, (int, float))
            or not 0 <= rate < 1
        ):
            raise ValueError(
                f"`rate` must be a float in [0, 1). Received: rate={rate!r}"
            )
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        keep = keras.random.uniform(
            ops.shape(inputs), seed=self.seed_generator, dtype=inputs.dtype
        )
        return ops.where(keep >= self.rate, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
