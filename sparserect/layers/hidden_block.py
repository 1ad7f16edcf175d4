"""The paper's hidden layer as one block: Dense, activation, L1 penalty, sign trick."""

import keras

from sparserect.layers import activations
from sparserect.layers.activation_l1 import activation_l1_regularizer
from sparserect.layers.sign_flip import SignFlip
from sparserect._checks import check_bool
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int


def _seeded(initializer, identifier, seed):
    """Returns `initializer` with `seed` when it was named by a string.

    An initializer object or config that the user passed keeps its own seed.
    """
    config = initializer.get_config()
    if seed is None or not isinstance(identifier, str) or "seed" not in config:
        return initializer
    return initializer.__class__.from_config({**config, "seed": seed})


@keras.saving.register_keras_serializable(package="sparserect")
class HiddenBlock(keras.layers.Layer):
    """One hidden layer of Glorot et al. (2011): Dense -> activation -> L1 -> sign trick.

    Formula, for inputs `x`:

    ``` python
    h = activation(x @ W + b)          # W glorot_uniform, b zeros
    loss += activation_l1 * mean_over_batch(sum_over_units(|h|))
    output = s * h                     # s: fixed +-1 per unit if sign_trick
    ```

    The penalty is an `ActivationL1` activity regularizer on the block's
    output (the sign trick keeps `|h|`). `sparserect.layers.sparsity_report`
    and `SparsityCallback` undo the sign trick, so they measure `h` itself.

    Example:

    ``` python
    inputs = keras.Input((784,))
    x = HiddenBlock(1000, activation_l1=0.001, sign_trick=True, seed=0)(inputs)
    x = HiddenBlock(1000, activation="tanh")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    ```

    Args:
        units: Int > 0, the number of hidden units.
        activation: A name known to `sparserect.layers.activations.get`
            (`"rectifier"`, `"softplus"`, `"tanh"`, `"leaky_rectifier"`,
            `"parametric_rectifier"`, `"elu"`) or a Keras layer. Defaults to
            `"rectifier"`.
        activation_l1: Float >= 0, the coefficient of the activation L1
            penalty; `0` adds none. Defaults to `0.0`.
        sign_trick: Bool, whether to flip the sign of half of the units.
        seed: Int >= 0 or `None`, seeds the kernel initializer and the sign
            mask. With `None` and the sign trick, the mask's seed is drawn
            once and `get_config` writes it, so a rebuilt block flips the
            same units.
        kernel_initializer: Initializer of the Dense kernel. Defaults to
            `"glorot_uniform"`, as in the authors' code.
        bias_initializer: Initializer of the Dense bias. Defaults to `"zeros"`.
        kernel_regularizer: Optional regularizer of the Dense kernel.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`
            (the activation layer gets the same `dtype`).
    """

    def __init__(
        self,
        units,
        activation="rectifier",
        activation_l1=0.0,
        sign_trick=False,
        seed=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        if "activity_regularizer" in kwargs:
            raise ValueError(
                "HiddenBlock sets its own activity regularizer from "
                "`activation_l1`. Received: activity_regularizer="
                f"{kwargs['activity_regularizer']!r}"
            )
        check_positive_int("units", units)
        check_non_negative_int("seed", seed, allow_none=True)
        check_non_negative_number("activation_l1", activation_l1)
        check_bool("sign_trick", sign_trick)
        super().__init__(activity_regularizer=activation_l1_regularizer(activation_l1), **kwargs)
        self.units = int(units)
        self.activation_l1 = float(activation_l1)
        self.sign_trick = bool(sign_trick)
        self.seed = None if seed is None else int(seed)
        units, seed = self.units, self.seed
        self.kernel_initializer = _seeded(
            keras.initializers.get(kernel_initializer), kernel_initializer, seed
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

        self.dense = keras.layers.Dense(
            units,
            kernel_initializer=self.kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            dtype=self.dtype_policy,
            name="dense",
        )
        self.activation = activations.get(activation, dtype=self.dtype_policy)
        self.sign_flip = (
            SignFlip(seed=seed, dtype=self.dtype_policy, name="sign_flip")
            if self.sign_trick
            else None
        )
        self.supports_masking = True

    def build(self, input_shape):
        self.dense.build(input_shape)
        hidden_shape = self.dense.compute_output_shape(input_shape)
        if not self.activation.built:  # a deserialized one may be built
            self.activation.build(hidden_shape)
        if self.sign_flip is not None:
            self.sign_flip.build(hidden_shape)

    @property
    def sign_mask(self):
        """The +-1 mask of the sign trick, or `None` without it."""
        return None if self.sign_flip is None else self.sign_flip.sign_mask

    def call(self, inputs):
        outputs = self.activation(self.dense(inputs))
        if self.sign_flip is not None:
            outputs = self.sign_flip(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.dense.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update(
            {
                "units": self.units,
                "activation": keras.saving.serialize_keras_object(
                    self.activation
                ),
                "activation_l1": self.activation_l1,
                "sign_trick": self.sign_trick,
                # Without a seed, the sign mask's drawn one: a layer rebuilt from
                # this config flips the same units (the kernel initializer is
                # serialized with its own seed, which this does not change).
                "seed": self.seed if self.sign_flip is None else self.sign_flip.seed,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
                "bias_initializer": keras.initializers.serialize(
                    self.bias_initializer
                ),
                "kernel_regularizer": keras.regularizers.serialize(
                    self.kernel_regularizer
                ),
            }
        )
        return config
