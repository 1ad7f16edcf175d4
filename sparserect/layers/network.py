"""A builder for the paper's networks: n hidden blocks and a softmax head."""

import keras

from sparserect.layers.hidden_block import HiddenBlock
from sparserect._checks import check_non_negative_int
from sparserect._checks import is_int

PAPER_HIDDEN_UNITS = (1000, 1000, 1000)  # MNIST, CIFAR-10, NISTP
PAPER_NORB_HIDDEN_UNITS = (4000, 2000)
PAPER_ACTIVATION_L1 = 0.001


def check_network_arguments(num_classes, hidden_units, allow_no_hidden=False):
    """Raises a `ValueError` unless `num_classes >= 2` and `hidden_units` is non-empty.

    With `allow_no_hidden`, an empty `hidden_units` (softmax regression) passes.
    """
    if not is_int(num_classes) or num_classes < 2:
        raise ValueError(
            f"`num_classes` must be an int >= 2. Received: num_classes={num_classes!r}"
        )
    if not hidden_units and not allow_no_hidden:
        raise ValueError(
            "`hidden_units` needs at least one width. "
            f"Received: hidden_units={hidden_units!r}"
        )


def build_network(
    input_shape,
    num_classes,
    hidden_units=PAPER_HIDDEN_UNITS,
    activation="rectifier",
    activation_l1=PAPER_ACTIVATION_L1,
    sign_trick=False,
    seed=None,
    name="sparse_rectifier_network",
):
    """Builds the paper's fully connected network as a functional Keras model.

    Inputs of any shape are flattened, then pass through one `HiddenBlock`
    per entry of `hidden_units` and a softmax `Dense` layer (glorot_uniform
    weights, zero biases). The model is not compiled.

    Example:

    ``` python
    model = build_network((28, 28), 10)           # 784-1000-1000-1000-10
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    ```

    Args:
        input_shape: Shape of one example, without the batch axis.
        num_classes: Int >= 2, the number of softmax outputs.
        hidden_units: Sequence of ints, the width of each hidden block.
            Defaults to the paper's `(1000, 1000, 1000)`; NORB uses
            `(4000, 2000)`; `()` gives softmax regression (the "no hidden
            layer" baseline of the paper's sentiment experiments).
        activation: Activation of every hidden block (a name or a layer;
            see `HiddenBlock`).
        activation_l1: Coefficient of the activation L1 penalty of every
            hidden block (defaults to the paper's `0.001`), or a sequence
            with one per block (the paper's best text network: `(1e-4, 0,
            0)`).
        sign_trick: Whether every hidden block flips half of its units.
        seed: Int or `None`; block `i` is seeded with `seed + i`, the head
            with `seed + len(hidden_units)`.
        name: Name of the model.

    Returns:
        A `keras.Model`.
    """
    # NumPy ints (`np.array([1000, 1000])`) become ints; the blocks check the rest.
    hidden_units = tuple(int(units) if is_int(units) else units for units in hidden_units)
    check_non_negative_int("seed", seed, allow_none=True)
    check_network_arguments(num_classes, hidden_units, allow_no_hidden=True)
    if getattr(activation_l1, "ndim", None) == 0:  # `np.float64(1e-3)`, `np.array(1e-3)`
        activation_l1 = float(activation_l1)
    elif not isinstance(activation_l1, str) and hasattr(activation_l1, "__len__"):
        activation_l1 = tuple(activation_l1)
    if isinstance(activation_l1, tuple):
        if len(activation_l1) != len(hidden_units):
            raise ValueError(
                f"`activation_l1` needs one coefficient per hidden block ({len(hidden_units)}). "
                f"Received: activation_l1={activation_l1!r}"
            )
        coefficients = tuple(activation_l1)
    else:
        coefficients = (activation_l1,) * len(hidden_units)

    def fresh_activation():
        # A layer object is cloned, so that blocks never share one (PReLU
        # slopes, for one, belong to their own block).
        if isinstance(activation, keras.layers.Layer):
            return activation.__class__.from_config(activation.get_config())
        return activation

    def block_seed(index):
        return None if seed is None else int(seed) + index

    # Under a mixed-precision policy the softmax is computed in the variables'
    # float32, as Keras's mixed-precision guide advises for the output.
    policy = keras.config.dtype_policy()
    head_dtype = policy.variable_dtype if policy.compute_dtype != policy.variable_dtype else None

    inputs = keras.Input(shape=tuple(input_shape), name="inputs")
    x = keras.layers.Flatten(name="flatten")(inputs) if len(input_shape) > 1 else inputs
    for index, (units, coefficient) in enumerate(zip(hidden_units, coefficients)):
        x = HiddenBlock(
            units,
            activation=fresh_activation(),
            activation_l1=coefficient,
            sign_trick=sign_trick,
            seed=block_seed(index),
            name=f"hidden_{index + 1}",
        )(x)
    outputs = keras.layers.Dense(
        int(num_classes),
        activation="softmax",
        dtype=head_dtype,
        kernel_initializer=keras.initializers.GlorotUniform(
            seed=block_seed(len(hidden_units))
        ),
        name="softmax",
    )(x)
    return keras.Model(inputs, outputs, name=name)

