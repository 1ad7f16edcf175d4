"""Masking noise: the corruption of the paper's denoising auto-encoders."""

import keras
from keras import ops

from sparserect._checks import is_number
from sparserect.layers.members import optional_seeds


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
        seed: Int or `None`, seeds the layer's `keras.random.SeedGenerator`;
            or a list of one int (or `None`) per member.
        **kwargs: Base layer keyword arguments, such as `name`.
    """

    def __init__(self, rate=0.25, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not is_number(rate) or not 0 <= rate < 1:
            raise ValueError(f"`rate` must be a float in [0, 1). Received: rate={rate!r}")
        self.rate = float(rate)
        if isinstance(seed, (list, tuple)):
            seed = optional_seeds("seed", seed)
            self.members = len(seed)
            self.seed_generators = [keras.random.SeedGenerator(s) for s in seed]
        else:
            self.members = None
            self.seed_generator = keras.random.SeedGenerator(seed)
        self.seed = seed
        self.supports_masking = True

    def member_rows(self, inputs):
        """With members, inputs shared by the members repeated for each: `(batch, members, features)`."""
        if self.members is None or len(inputs.shape) == 3:
            return inputs
        return ops.repeat(ops.expand_dims(inputs, 1), self.members, axis=1)

    def uniform(self, inputs, dtype=None):
        """Uniform draws in [0, 1) shaped as `inputs`; member `k`'s from its own generator."""
        dtype = dtype or inputs.dtype
        if self.members is None:
            return keras.random.uniform(ops.shape(inputs), seed=self.seed_generator, dtype=dtype)
        shape = (ops.shape(inputs)[0], ops.shape(inputs)[2])
        draws = [keras.random.uniform(shape, seed=g, dtype=dtype) for g in self.seed_generators]
        return ops.stack(draws, axis=1)

    def call(self, inputs, training=False):
        inputs = self.member_rows(inputs)
        if not training or self.rate == 0:
            return inputs
        return self.corrupt(inputs)

    def corrupt(self, inputs):
        """Returns the corrupted `inputs` (training mode), from `uniform` draws."""
        return ops.where(self.uniform(inputs) >= self.rate, inputs, ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        if self.members is None:
            return input_shape
        return (input_shape[0], self.members, input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
