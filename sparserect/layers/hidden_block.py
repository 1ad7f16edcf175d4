"""The paper's hidden layer as one block: Dense, activation, L1 penalty, sign trick."""

import random

import keras

from sparserect.layers import activations
from sparserect.layers.activation_l1 import activation_l1_regularizer
from sparserect.layers.members import check_member_index
from sparserect.layers.members import check_member_seeds
from sparserect.layers.members import member_dense
from sparserect.layers.members import seeded_initializer
from sparserect.layers.scaled_softplus import ScaledSoftplus
from sparserect.layers.sign_flip import SignFlip
from sparserect._checks import check_bool
from sparserect._checks import check_members
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_non_negative_number
from sparserect._checks import check_positive_int
from sparserect._checks import per_member_floats


def block_activation(identifier, dtype):
    """Returns a new activation layer (from a name, a config, or a copy of a layer) in `dtype`.

    No two blocks share a layer (a PReLU's slopes belong to one block).
    """
    if isinstance(identifier, keras.layers.Layer):
        try:
            config = identifier.get_config()
            return identifier.__class__.from_config({**config, "dtype": dtype})
        except (NotImplementedError, TypeError, ValueError) as error:
            raise ValueError(
                "HiddenBlock gives every block its own copy of an activation layer, "
                "made from the layer's `get_config()`; this one cannot be copied "
                f"({error}). Received: activation={identifier!r}"
            ) from error
    return activations.get(identifier, dtype=dtype)


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

    With `members=E`, the block is E independent blocks in one layer: the
    kernel is stacked, `(E, in, units)`, inputs are `(batch, in)` (shared by
    the members) or `(batch, E, in)`, and outputs are `(batch, E, units)`.
    Member `k` is exactly `HiddenBlock(units, ..., seed=seed[k])` with
    `activation_l1[k]`: the same initial weights bit for bit, sign mask and
    penalty; `block.member(k)` returns it, with its weights.

    Example:

    ``` python
    inputs = keras.Input((784,))
    x = HiddenBlock(1000, activation_l1=0.001, sign_trick=True, seed=0)(inputs)
    x = HiddenBlock(1000, activation="tanh")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)

    # Eight rectifier blocks, one L1 coefficient each: (batch, 8, 1000)
    x = HiddenBlock(1000, members=8, activation_l1=np.linspace(0, 0.01, 8),
                    seed=range(8))(inputs)
    ```

    Args:
        units: Int > 0, the number of hidden units.
        activation: A name known to `sparserect.layers.activations.get`
            (`"rectifier"`, `"softplus"`, `"tanh"`, `"leaky_rectifier"`,
            `"parametric_rectifier"`, `"elu"`) or a Keras layer, which the
            block copies (with the block's `dtype`). Defaults to
            `"rectifier"`. With members, a layer with weights (PReLU) gets
            one set per member, and `ScaledSoftplus` may take one sharpness
            per member.
        activation_l1: Float >= 0, the coefficient of the activation L1
            penalty; `0` adds none. With members, one per member or one for
            all. Defaults to `0.0`.
        sign_trick: Bool, whether to flip the sign of half of the units.
        seed: Int >= 0 or `None`, seeds the kernel initializer and the sign
            mask; with members, `None` or one int per member. With `None`
            and the sign trick, the mask's seed is drawn once and
            `get_config` writes it, so a rebuilt block flips the same units.
        kernel_initializer: Initializer of the Dense kernel (of each
            member's). Defaults to `"glorot_uniform"`, as in the authors'
            code.
        bias_initializer: Initializer of the Dense bias. Defaults to `"zeros"`.
        kernel_regularizer: Optional regularizer of the Dense kernel (with
            members, of the stacked kernel: the sum of the members' terms
            for an additive one such as L2).
        members: `None` (one network) or an int > 0, the number of networks.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`
            (the activation layer gets the same `dtype`).
    """

    def __init__(
        self,
        units,
        activation="rectifier",
        activation_l1=0.0,
        sign_trick=False,
        *,
        seed=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        members=None,
        **kwargs,
    ):
        if "activity_regularizer" in kwargs:
            raise ValueError(
                "HiddenBlock sets its own activity regularizer from "
                "`activation_l1`. Received: activity_regularizer="
                f"{kwargs['activity_regularizer']!r}"
            )
        check_positive_int("units", units)
        members = check_members("members", members, allow_none=True)
        check_bool("sign_trick", sign_trick)
        if members is None:
            check_non_negative_int("seed", seed, allow_none=True)
            check_non_negative_number("activation_l1", activation_l1)
            activation_l1 = float(activation_l1)
            seed = None if seed is None else int(seed)
        else:
            activation_l1 = per_member_floats("activation_l1", activation_l1, members, minimum=0.0)
            seed = check_member_seeds(seed, members) or [
                random.randrange(2**31) for _ in range(members)
            ]
        super().__init__(activity_regularizer=activation_l1_regularizer(activation_l1), **kwargs)
        self.units = int(units)
        self.members = members
        self.activation_l1 = activation_l1
        self.sign_trick = bool(sign_trick)
        self.seed = seed
        self._kernel_identifier = kernel_initializer
        self.kernel_initializer = (
            seeded_initializer(keras.initializers.get(kernel_initializer), kernel_initializer, seed)
            if members is None
            else keras.initializers.get(kernel_initializer)
        )
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

        self.activation = block_activation(activation, self.dtype_policy.name)
        if members is None:
            self.dense = keras.layers.Dense(
                self.units,
                kernel_initializer=self.kernel_initializer,
                bias_initializer=self.bias_initializer,
                kernel_regularizer=self.kernel_regularizer,
                dtype=self.dtype_policy,
                name="dense",
            )
        self.sign_flip = (
            SignFlip(seed=seed, dtype=self.dtype_policy, name="sign_flip")
            if self.sign_trick
            else None
        )
        self.supports_masking = True

    def build(self, input_shape):
        if self.members is not None:
            shared_inputs = len(input_shape) == 2
            if not shared_inputs and (len(input_shape) != 3 or input_shape[1] != self.members):
                raise ValueError(
                    f"A block of {self.members} members takes inputs of shape (batch, "
                    f"features), shared by the members, or (batch, {self.members}, "
                    f"features). Received: input_shape={input_shape}"
                )
            self.dense = member_dense(
                self.units,
                members=self.members,
                shared_inputs=shared_inputs,
                seeds=self.seed,
                kernel_initializer=self._member_kernel_initializer,
                bias_initializer=self.bias_initializer,
                kernel_regularizer=self.kernel_regularizer,
                dtype=self.dtype_policy,
                name="dense",
            )
        self.dense.build(input_shape)
        hidden_shape = self.dense.compute_output_shape(input_shape)
        if not self.activation.built:  # a deserialized one may be built
            self.activation.build(hidden_shape)
        if self.sign_flip is not None:
            self.sign_flip.build(hidden_shape)

    @property
    def _member_kernel_initializer(self):
        """A named initializer stays a name, so that each member gets its own seed."""
        if isinstance(self._kernel_identifier, str):
            return self._kernel_identifier
        return self.kernel_initializer

    @property
    def sign_mask(self):
        """The +-1 mask of the sign trick (`(members, units)` with members), or `None`."""
        return None if self.sign_flip is None else self.sign_flip.sign_mask

    def call(self, inputs):
        outputs = self.activation(self.dense(inputs))
        if self.sign_flip is not None:
            outputs = self.sign_flip(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        if self.members is None:
            return self.dense.compute_output_shape(input_shape)
        return (input_shape[0], self.members, self.units)

    def member(self, k):
        """Returns member `k` as a block of one network, with a copy of its weights.

        The block is `HiddenBlock(units, ..., seed=seed[k])` with member
        `k`'s penalty, sign mask and activation (a per-member softplus
        sharpness or PReLU slope becomes that member's); built, it computes
        `block(x)[:, k]`.
        """
        if self.members is None:
            raise ValueError(f"Block {self.name!r} has no members. Received: k={k!r}")
        k = check_member_index(k, self.members)
        activation = self.activation
        config = activation.get_config()
        if isinstance(activation, ScaledSoftplus) and isinstance(activation.sharpness, list):
            config["sharpness"] = activation.sharpness[k]
        block = HiddenBlock(
            self.units,
            activation=activation.__class__.from_config(config),
            activation_l1=self.activation_l1[k],
            sign_trick=self.sign_trick,
            seed=self.seed[k],
            kernel_initializer=self._member_kernel_initializer,
            bias_initializer=self.bias_initializer,
            kernel_regularizer=self.kernel_regularizer,
            dtype=self.dtype_policy,
            name=self.name,
        )
        if self.built:
            block.build((None, self.dense.kernel.shape[1]))
            sources = [self.dense.kernel, self.dense.bias, *self.activation.weights]
            targets = [block.dense.kernel, block.dense.bias, *block.activation.weights]
            if self.sign_flip is not None:
                sources.append(self.sign_mask)
                targets.append(block.sign_mask)
            for target, source in zip(targets, sources):
                target.assign(keras.ops.convert_to_numpy(source)[k])
        return block

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        # Without a seed, the sign mask's drawn one, so that a rebuilt block flips the same
        # units; with members, a named initializer stays a name, to seed each member again.
        if self.members is None:
            seed = self.seed if self.sign_flip is None else self.sign_flip.seed
            kernel_initializer = self.kernel_initializer
        else:
            seed = list(self.seed)
            kernel_initializer = self._member_kernel_initializer
        if not isinstance(kernel_initializer, str):
            kernel_initializer = keras.initializers.serialize(kernel_initializer)
        config.update(
            {
                "units": self.units,
                "activation": keras.saving.serialize_keras_object(self.activation),
                "activation_l1": self.activation_l1,
                "sign_trick": self.sign_trick,
                "seed": seed,
                "kernel_initializer": kernel_initializer,
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "members": self.members,
            }
        )
        return config
