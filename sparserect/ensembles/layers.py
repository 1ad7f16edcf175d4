"""Ensemble layers: E independent copies of a layer, computed as one batched layer.

Member `k` of every layer here owns slice `k` of stacked weights (kernel
`(E, in, out)`, bias `(E, out)`, sign mask `(E, units)`). Inputs are either
shared by all members, `(batch, in)`, or given per member, `(batch, E, in)`;
outputs are always `(batch, E, out)`. The members never mix: the loss of
member `k` depends on slice `k` only, so one `fit` with the sum of the
members' losses trains E networks independently.
"""

import random

import keras
import numpy as np
from keras import ops

from sparserect.ensembles import _validation
from sparserect.layers import activations
from sparserect.layers.scaled_softplus import ScaledSoftplus
from sparserect.layers.sign_flip import sign_mask
from sparserect._checks import check_positive_int


def member_initializer(initializer, identifier, seed):
    """Returns the 2-D initializer of one member.

    An initializer named by a string (`"glorot_uniform"`) gets the member's
    `seed`, exactly as `HiddenBlock` and `build_network` seed theirs; an
    initializer object or config keeps its own seed.
    """
    config = initializer.get_config()
    if seed is None or not isinstance(identifier, str) or "seed" not in config:
        return initializer
    return initializer.__class__.from_config({**config, "seed": seed})


def stacked_initializer(initializers):
    """Returns an initializer of shape `(E, *shape)` that stacks E 2-D draws.

    Each member's initializer is called on the member's own shape, so the
    fans are those of a single network's `(in, out)` kernel. (Keras computes
    the fans of a 3-D `(E, in, out)` weight as for a convolution kernel,
    `fan_in = E * in`, which would make `glorot_uniform` too small by
    `sqrt(E)`.)
    """

    def initialize(shape, dtype=None):
        if shape[0] != len(initializers):
            raise ValueError(
                f"Expected a stacked shape with {len(initializers)} members. "
                f"Received: shape={shape}"
            )
        return ops.stack(
            [init(tuple(shape[1:]), dtype=dtype) for init in initializers], axis=0
        )

    return initialize


def _constant_initializer(value):
    def initialize(shape, dtype=None):
        return ops.convert_to_tensor(np.reshape(value, shape), dtype=dtype)

    return initialize


@keras.saving.register_keras_serializable(package="sparserect")
class EnsembleActivationL1(keras.regularizers.Regularizer):
    """The paper's activation L1 penalty with one coefficient per member.

    Formula, for ensemble activations `h[i, k, j]` (example `i`, member `k`,
    unit `j`) of a batch of `n` examples:

    ``` python
    penalty = sum_k coefficients[k] * sum_i sum_j |h[i, k, j]| / n
    ```

    that is, the sum over members of each member's `ActivationL1` penalty.
    The regularizer returns the sum without `/ n`, computed in float32;
    Keras (3.14 and newer) divides activity losses by the batch size.

    Example:

    ``` python
    regularizer = EnsembleActivationL1([0.0, 0.001])
    regularizer(np.ones((2, 2, 3)))  # 0.001 * 6 = 0.006
    ```

    Args:
        coefficients: Sequence of floats >= 0, one per member.
    """

    def __init__(self, coefficients):
        try:
            size = len(coefficients)
        except TypeError:
            size = 0
        if not size:
            raise ValueError(
                "EnsembleActivationL1 needs a sequence of one coefficient per "
                f"member. Received: coefficients={coefficients!r}"
            )
        self.coefficients = _validation.per_member_floats(
            "coefficients", coefficients, size, minimum=0.0
        )

    def __call__(self, x):
        x = ops.absolute(ops.cast(x, "float32"))
        if len(x.shape) < 2 or x.shape[-2] != len(self.coefficients):
            raise ValueError(
                "EnsembleActivationL1 expects activations of shape "
                f"(..., {len(self.coefficients)}, units). Received: shape={x.shape}"
            )
        coefficients = ops.convert_to_tensor(
            np.asarray(self.coefficients, dtype="float32")[:, None]
        )
        return ops.sum(x * coefficients)

    def get_config(self):
        return {"coefficients": list(self.coefficients)}


@keras.saving.register_keras_serializable(package="sparserect")
class EnsembleScaledSoftplus(keras.layers.Layer):
    """`ScaledSoftplus` with one sharpness per member.

    Formula, for member `k` of inputs `x[..., k, j]`:

    ``` python
    f(x)[..., k, j] = (1 / a[k]) * log(1 + exp(a[k] * x[..., k, j]))
    ```

    Example:

    ``` python
    layer = EnsembleScaledSoftplus([1.0, 6.0])
    result = layer(np.zeros((1, 2, 3)))  # [[log 2] * 3, [log(2) / 6] * 3]
    ```

    Args:
        sharpness: Sequence of floats > 0, the `a` of each member.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, sharpness, **kwargs):
        super().__init__(**kwargs)
        try:
            size = len(sharpness)
        except TypeError:
            size = 0
        if not size:
            raise ValueError(
                "EnsembleScaledSoftplus needs a sequence of one sharpness per "
                f"member. Received: sharpness={sharpness!r}"
            )
        self.sharpness = _validation.per_member_floats(
            "sharpness", sharpness, size, minimum=0.0, strict=True
        )
        self.supports_masking = True
        self._build_at_init()

    def call(self, inputs):
        if inputs.shape[-2] != len(self.sharpness):
            raise ValueError(
                "EnsembleScaledSoftplus expects inputs of shape "
                f"(..., {len(self.sharpness)}, units). Received: shape={inputs.shape}"
            )
        sharpness = ops.convert_to_tensor(
            np.asarray(self.sharpness)[:, None], dtype=inputs.dtype
        )
        return ops.softplus(inputs * sharpness) / sharpness

    def get_config(self):
        config = super().get_config()
        config.update({"sharpness": list(self.sharpness)})
        return config

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="sparserect")
class EnsembleDense(keras.layers.Layer):
    """E independent `Dense` layers with stacked weights.

    Formula, for member `k` (kernel `W[k]` of shape `(in, units)`, bias
    `b[k]`):

    ``` python
    y[:, k] = activation(x @ W[k] + b[k])          # x: (batch, in), shared
    y[:, k] = activation(x[:, k] @ W[k] + b[k])    # x: (batch, E, in)
    ```

    computed as one `einsum` (`"bi,eio->beo"` or `"bei,eio->beo"`).
    Each member's kernel is drawn by the 2-D initializer with the member's
    seed, so it has the statistics (and, for a seeded string initializer,
    the very values) of a single `Dense(units)` layer seeded alike.

    Example:

    ``` python
    layer = EnsembleDense(10, ensemble_size=4, activation="softmax", seeds=[0, 1, 2, 3])
    y = layer(np.zeros((32, 784)))  # (32, 4, 10)
    ```

    Args:
        units: Int > 0, the output width of every member.
        ensemble_size: Int > 0, the number E of members.
        activation: Keras activation of every member (applied on the last
            axis). Defaults to `None` (linear).
        seeds: `None` or one int >= 0 per member, the seed of each member's
            kernel initializer (when it is named by a string). `None` draws
            the seeds once, at construction; they are kept in the config.
        kernel_initializer: 2-D initializer of each member's kernel. Defaults
            to `"glorot_uniform"`. A name gets each member's seed; an
            initializer object is called once per member, so it must not
            have a fixed seed (that would make the members identical).
        bias_initializer: 1-D initializer of each member's bias. Defaults to
            `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(
        self,
        units,
        ensemble_size,
        activation=None,
        seeds=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int("units", units)
        self.units = units
        self.ensemble_size = _validation.check_size(ensemble_size)
        seeds = _validation.per_member_seeds(seeds, ensemble_size)
        if seeds is None:
            seeds = [random.randrange(2**31) for _ in range(ensemble_size)]
        self.seeds = seeds
        self.activation = keras.activations.get(activation)
        self._kernel_identifier = kernel_initializer
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        fixed_seed = self.kernel_initializer.get_config().get("seed")
        if (
            not isinstance(kernel_initializer, str)
            and isinstance(fixed_seed, int)
            and ensemble_size > 1
        ):
            raise ValueError(
                "A kernel initializer with a fixed seed would give every member "
                "the same weights. Name it by a string (each member then gets its "
                "seed from `seeds`) or pass it without a seed. Received: "
                f"kernel_initializer={kernel_initializer!r} with seed={fixed_seed}"
            )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, max_ndim=3)

    def member_kernel_initializers(self):
        """Returns the 2-D kernel initializer of each member."""
        return [
            member_initializer(self.kernel_initializer, self._kernel_identifier, seed)
            for seed in self.seeds
        ]

    def build(self, input_shape):
        if len(input_shape) == 3 and input_shape[1] != self.ensemble_size:
            raise ValueError(
                "Per-member inputs must have shape (batch, ensemble_size, "
                f"features) with ensemble_size={self.ensemble_size}. "
                f"Received: input_shape={input_shape}"
            )
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(
                "EnsembleDense needs a known last dimension. "
                f"Received: input_shape={input_shape}"
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.ensemble_size, in_features, self.units),
            initializer=stacked_initializer(self.member_kernel_initializers()),
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(self.ensemble_size, self.units),
            initializer=stacked_initializer([self.bias_initializer] * self.ensemble_size),
        )

    def call(self, inputs):
        kernel = ops.cast(self.kernel, inputs.dtype)
        if self.ensemble_size == 1:
            # One member: a plain matmul, which backends run faster than a
            # batched product with a batch of one.
            shared = inputs if len(inputs.shape) == 2 else inputs[:, 0, :]
            outputs = ops.expand_dims(ops.matmul(shared, kernel[0]), 1)
        elif len(inputs.shape) == 2:
            outputs = ops.einsum("bi,eio->beo", inputs, kernel)
        else:
            outputs = ops.einsum("bei,eio->beo", inputs, kernel)
        outputs = outputs + ops.cast(self.bias, outputs.dtype)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.ensemble_size, self.units)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "units": self.units,
                "ensemble_size": self.ensemble_size,
                "activation": keras.activations.serialize(self.activation),
                "seeds": list(self.seeds),
                "kernel_initializer": self._kernel_identifier
                if isinstance(self._kernel_identifier, str)
                else keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="sparserect")
class EnsembleHiddenBlock(keras.layers.Layer):
    """E independent `HiddenBlock`s with stacked weights, one batched layer.

    Formula, for member `k` and inputs `x` (`(batch, in)` shared by all
    members, or `(batch, E, in)`):

    ``` python
    h[:, k] = activation_k(x @ W[k] + b[k])     # W[k] glorot_uniform(seed_k)
    loss += activation_l1[k] * mean_over_batch(sum_over_units(|h[:, k]|))
    output[:, k] = s[k] * h[:, k]               # s[k] = sign_mask(units, seed_k)
    ```

    Member `k` is the `HiddenBlock(units, activation, activation_l1[k],
    sign_trick, seed=seeds[k])` of a single network: same initial weights
    (bit for bit, for the default initializers), same sign mask, same
    penalty. `activation_k` is the same activation for every member, except
    `"softplus"`, which takes one `sharpness` per member
    (`EnsembleScaledSoftplus`). An activation with weights (`"prelu"`) gets
    per-member weights, of shape `(E, units)`.

    Example:

    ``` python
    inputs = keras.Input((784,))
    x = EnsembleHiddenBlock(1000, 8, activation_l1=np.linspace(0, 0.01, 8),
                            seeds=range(8))(inputs)        # (batch, 8, 1000)
    x = EnsembleHiddenBlock(1000, 8, seeds=range(10, 18))(x)
    outputs = EnsembleDense(10, 8, activation="softmax")(x)  # (batch, 8, 10)
    ```

    Args:
        units: Int > 0, the number of hidden units of every member.
        ensemble_size: Int > 0, the number E of members.
        activation: A name known to `sparserect.layers.activations.get`, or
            a Keras layer applied to the `(batch, E, units)` pre-activations.
            Defaults to `"rectifier"`.
        activation_l1: Float >= 0 or one float >= 0 per member, the
            coefficient of each member's activation L1 penalty. Defaults to
            `0.0`.
        sharpness: `None`, or a float > 0 or one per member: the sharpness
            of `"softplus"` (defaults to `1.0`, the plain softplus). Only with
            `activation="softplus"`.
        sign_trick: Bool, whether each member flips half of its units (its
            own mask, from its seed).
        seeds: `None` or one int >= 0 per member; seeds each member's kernel
            initializer and sign mask as `HiddenBlock(seed=...)` does. `None`
            draws them once, at construction (kept in the config).
        kernel_initializer: 2-D initializer of each member's kernel. Defaults
            to `"glorot_uniform"`.
        bias_initializer: Initializer of each member's bias. Defaults to
            `"zeros"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(
        self,
        units,
        ensemble_size,
        activation="rectifier",
        activation_l1=0.0,
        sharpness=None,
        sign_trick=False,
        seeds=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        if "activity_regularizer" in kwargs:
            raise ValueError(
                "EnsembleHiddenBlock sets its own activity regularizer from "
                "`activation_l1`. Received: activity_regularizer="
                f"{kwargs['activity_regularizer']!r}"
            )
        check_positive_int("units", units)
        ensemble_size = _validation.check_size(ensemble_size)
        l1 = _validation.per_member_floats(
            "activation_l1", activation_l1, ensemble_size, minimum=0.0
        )
        seeds = _validation.per_member_seeds(seeds, ensemble_size)
        if seeds is None:
            seeds = [random.randrange(2**31) for _ in range(ensemble_size)]
        regularizer = EnsembleActivationL1(l1) if any(l1) else None
        super().__init__(activity_regularizer=regularizer, **kwargs)
        self.units = units
        self.ensemble_size = ensemble_size
        self.activation_l1 = l1
        self.sign_trick = bool(sign_trick)
        self.seeds = seeds

        is_softplus = isinstance(activation, str) and activation.lower() == "softplus"
        if sharpness is not None and not is_softplus:
            raise ValueError(
                "`sharpness` is only for `activation=\"softplus\"`. "
                f"Received: activation={activation!r}, sharpness={sharpness!r}"
            )
        if is_softplus:
            self.activation = EnsembleScaledSoftplus(
                _validation.per_member_floats(
                    "sharpness",
                    1.0 if sharpness is None else sharpness,
                    ensemble_size,
                    minimum=0.0,
                    strict=True,
                ),
                dtype=self.dtype_policy,
                name="activation",
            )
        else:
            self.activation = activations.get(activation)
        if isinstance(self.activation, ScaledSoftplus):
            raise ValueError(
                "Use `activation=\"softplus\"` with `sharpness=` (one per member) "
                "instead of a ScaledSoftplus layer. Received: "
                f"activation={activation!r}"
            )
        self.dense = EnsembleDense(
            units,
            ensemble_size,
            seeds=seeds,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            dtype=self.dtype_policy,
            name="dense",
        )
        self.supports_masking = True

    @property
    def sharpness(self):
        """The per-member sharpness of a softplus block, or `None`."""
        if isinstance(self.activation, EnsembleScaledSoftplus):
            return list(self.activation.sharpness)
        return None

    def build(self, input_shape):
        self.dense.build(input_shape)
        hidden_shape = self.dense.compute_output_shape(input_shape)
        if not self.activation.built:
            self.activation.build(hidden_shape)
        if self.sign_trick:
            masks = np.stack([sign_mask(self.units, seed) for seed in self.seeds])
            self.sign_mask = self.add_weight(
                name="sign_mask",
                shape=(self.ensemble_size, self.units),
                initializer=_constant_initializer(masks),
                trainable=False,
            )
        else:
            self.sign_mask = None

    def call(self, inputs):
        outputs = self.activation(self.dense(inputs))
        if self.sign_mask is not None:
            outputs = outputs * ops.cast(self.sign_mask, outputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.dense.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update(
            {
                "units": self.units,
                "ensemble_size": self.ensemble_size,
                "activation": keras.saving.serialize_keras_object(self.activation),
                "activation_l1": list(self.activation_l1),
                "sign_trick": self.sign_trick,
                "seeds": list(self.seeds),
                "kernel_initializer": self.dense.get_config()["kernel_initializer"],
                "bias_initializer": keras.initializers.serialize(
                    self.dense.bias_initializer
                ),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        activation = config.get("activation")
        if isinstance(activation, dict):
            layer = keras.saving.deserialize_keras_object(activation)
            if isinstance(layer, EnsembleScaledSoftplus):
                config["activation"] = "softplus"
                config["sharpness"] = layer.sharpness
            else:
                config["activation"] = layer
        return cls(**config)
