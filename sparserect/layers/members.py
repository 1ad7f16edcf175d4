"""Many networks in one layer: weights stacked on a leading member axis.

A layer with `members=E` holds E independent copies of its weights, stacked
on a first axis (kernel `(E, in, out)`, bias `(E, out)`), and computes them
as one batched product. Member `k` owns slice `k`: its loss depends on that
slice only, so one `fit` on the sum of the members' losses trains E
networks independently, and at the paper's mini-batch of 10, where a step is
bound by per-step overhead, E networks cost little more than one.
"""

import keras
from keras import ops

from sparserect._checks import check_members
from sparserect._checks import check_non_negative_int
from sparserect._checks import is_int
from sparserect._checks import is_seed
from sparserect._checks import is_sequence
from sparserect._checks import per_member_seeds


def seeded_initializer(initializer, identifier, seed):
    """Returns `initializer` with `seed` when it was named by a string.

    An initializer object or config that the user passed keeps its own seed.
    """
    config = initializer.get_config()
    if seed is None or not isinstance(identifier, str) or "seed" not in config:
        return initializer
    return initializer.__class__.from_config({**config, "seed": seed})


def member_seeds(seed, members, hidden_units):
    """Returns the network seed of each of `members` networks for a base `seed`.

    Member `k` gets `seed + k * (len(hidden_units) + 1)`: `build_network`
    seeds block `i` with `network_seed + i` and the head with
    `network_seed + len(hidden_units)`, so this stride gives every layer of
    every member its own seed (with consecutive network seeds, block 2 of
    member `k` would share the seed, and the sign mask, of block 1 of member
    `k + 1`).

    Example:

    ``` python
    member_seeds(0, 3, (1000, 1000, 1000))  # [0, 4, 8]
    ```
    """
    members = check_members("members", members)
    check_non_negative_int("seed", seed)
    stride = len(hidden_units) + 1
    return [int(seed) + k * stride for k in range(members)]


def check_member_seeds(seed, members):
    """Returns `seed` (`None`, or one int >= 0 per member) as a list of ints, or `None`."""
    if seed is not None and not is_sequence(seed):
        raise ValueError(
            f"With {members} members, `seed` must be None or one int >= 0 per member. "
            f"Received: seed={seed!r}"
        )
    return per_member_seeds("seed", seed, members)


def optional_seeds(name, seeds):
    """Returns `seeds`, a non-empty sequence of one int >= 0 or `None` per member, as a list."""
    if not is_sequence(seeds) or not len(seeds) or not all(s is None or is_seed(s) for s in seeds):
        raise ValueError(
            f"`{name}` must be a non-empty sequence of one int >= 0 or None per member. "
            f"Received: {name}={seeds!r}"
        )
    return [None if s is None else int(s) for s in seeds]


def check_member_axis(layer, shape, members):
    """Raises a `ValueError` unless `shape` is `(..., members, units)`, for per-member values."""
    if len(shape) < 2 or shape[-2] != members:
        raise ValueError(
            f"{layer} with one value per member ({members}) expects inputs of shape "
            f"(..., {members}, units). Received: shape={shape}"
        )


def check_member_index(k, members):
    """Returns member index `k` as an int; raises unless it is an int in `[0, members)`."""
    if not is_int(k) or not 0 <= k < members:
        raise ValueError(f"`k` must be an int in [0, {members}). Received: k={k!r}")
    return int(k)


def offset_seeds(seeds, index):
    """Returns `seeds + index`: of an int, of each int of a list, or `None` for `None`."""
    if seeds is None:
        return None
    return [s + index for s in seeds] if isinstance(seeds, list) else seeds + index


@keras.saving.register_keras_serializable(package="sparserect")
class MemberInitializer(keras.initializers.Initializer):
    """Draws a stacked `(members, *shape)` weight one member at a time.

    Member `k`'s slice is `initializer(shape)` seeded with `seeds[k]`, drawn
    on the member's own shape: it has the statistics (and, for an
    initializer named by a string, the very values) of the weight of a
    single network seeded alike. (Keras computes the fans of a 3-D
    `(E, in, out)` weight as for a convolution kernel, `fan_in = E * in`,
    which would make `glorot_uniform` too small by `sqrt(E)`.)

    Example:

    ``` python
    initializer = MemberInitializer("glorot_uniform", seeds=[0, 1])
    kernel = initializer((2, 784, 1000))  # kernel[k] == GlorotUniform(seed=k)((784, 1000))
    ```

    Args:
        initializer: A Keras initializer or its name. A name gets each
            member's seed; an object (or config) is called once per member,
            so it must not have a fixed seed when there are several members.
        seeds: One int >= 0 or `None` per member: the seed that a named
            initializer gets for that member.
    """

    def __init__(self, initializer, seeds):
        self.seeds = optional_seeds("seeds", seeds)
        self.identifier = initializer if isinstance(initializer, str) else None
        self.initializer = keras.initializers.get(initializer)
        fixed_seed = self.initializer.get_config().get("seed")
        if self.identifier is None and isinstance(fixed_seed, int) and len(seeds) > 1:
            raise ValueError(
                "An initializer with a fixed seed would give every member the same "
                "weights. Name it by a string (each member then gets its own seed) "
                f"or pass it without a seed. Received: initializer={initializer!r} "
                f"with seed={fixed_seed}"
            )

    def member(self, k):
        """Returns the initializer of member `k`, for its own (unstacked) shape."""
        return seeded_initializer(self.initializer, self.identifier, self.seeds[k])

    def __call__(self, shape, dtype=None):
        if shape[0] != len(self.seeds):
            raise ValueError(
                f"Expected a stacked shape with {len(self.seeds)} members first. "
                f"Received: shape={shape}"
            )
        return ops.stack(
            [self.member(k)(tuple(shape[1:]), dtype=dtype) for k in range(len(self.seeds))]
        )

    def get_config(self):
        return {
            "initializer": self.identifier
            or keras.initializers.serialize(self.initializer),
            "seeds": list(self.seeds),
        }


def member_dense(units, *, members, shared_inputs, seeds, kernel_initializer, **kwargs):
    """Returns the Dense layer of `members` networks, `(batch, [E,] in) -> (batch, E, units)`.

    Keras's `EinsumDense` with a stacked kernel `(E, in, units)` and bias
    `(E, units)`: `"bi,eio->beo"` for inputs shared by the members,
    `"bei,eio->beo"` for one input row per member.

    Args:
        units: Int > 0, the output width of every member.
        members: Int > 0, the number E of members.
        shared_inputs: Whether the inputs are `(batch, in)`, shared by all
            members, rather than `(batch, E, in)`.
        seeds: One seed per member for `kernel_initializer` when it is named
            by a string.
        kernel_initializer: Each member's kernel initializer.
        **kwargs: `bias_initializer`, `kernel_regularizer`, `activation`,
            `dtype`, `name` of the `EinsumDense` layer.
    """
    bias_initializer = kwargs.pop("bias_initializer", "zeros")
    return keras.layers.EinsumDense(
        "bi,eio->beo" if shared_inputs else "bei,eio->beo",
        output_shape=(members, units),
        bias_axes="eo",
        kernel_initializer=MemberInitializer(kernel_initializer, seeds),
        bias_initializer=MemberInitializer(bias_initializer, [None] * members),
        **kwargs,
    )
