"""A keras-tuner `HyperModel` for the paper's networks, with sparsity in every trial's logs."""

import math

import keras
import keras_tuner

from sparserect.layers import build_network
from sparserect.measurement import SparsityCallback
from sparserect.layers.activations import ACTIVATIONS
from sparserect._checks import is_int, is_number

DEFAULT_ACTIVATIONS = ("rectifier", "tanh", "softplus")
DEFAULT_ACTIVATION_L1 = (1e-5, 1e-2)  # Figure 3 varies it from 0 to 0.01.
DEFAULT_LEARNING_RATE = (1e-4, 1e-1)  # The paper picks from {0.1, ..., 0.0001}.
DEFAULT_DEPTH = (1, 3)
DEFAULT_UNITS = (250, 500, 1000)
DEFAULT_SIGN_TRICK = (False, True)


def _is_range(value):
    return isinstance(value, (tuple, list))


def _check_range(name, value, minimum, strict=False, integer=False):
    """Validates a fixed value or a `(low, high)` range; returns it unchanged.

    Every value must be a finite number `>= minimum` (`> minimum` if
    `strict`), an int if `integer`, and a range must have `low < high`.
    """
    is_kind = is_int if integer else is_number
    values = tuple(value) if _is_range(value) else (value,)
    valid = (
        len(values) == (2 if _is_range(value) else 1)
        and all(is_kind(v) and math.isfinite(v) for v in values)
        and all(v > minimum if strict else v >= minimum for v in values)
        and (len(values) == 1 or values[0] < values[1])
    )
    if not valid:
        number = "an int" if integer else "a number"
        bound = f"{'>' if strict else '>='} {minimum}"
        raise ValueError(
            f"`{name}` must be {number} {bound} (fixed) or a `(low, high)` "
            f"range of them with low < high. Received: {name}={value!r}"
        )
    return value


def _fixed_by_user(hp, name):
    """The value of an unconditional `hp.Fixed(name, ...)` already in `hp`, or `None`."""
    fixed = keras_tuner.engine.hyperparameters.Fixed
    return next(
        (p.value for p in hp.space if p.name == name and not p.conditions and isinstance(p, fixed)),
        None,
    )


class SparseNetworkHyperModel(keras_tuner.HyperModel):
    """The paper's fully connected networks as a keras-tuner search space.

    Every trial builds `sparserect.layers.build_network` (flattened input,
    `depth` hidden blocks of `units` units, softmax head) and compiles it with
    plain SGD, as the paper trains, and the sparse categorical cross-entropy.
    Image inputs are flattened; text data sets come as bag-of-words vectors,
    so the same model serves both.

    The search space, and its defaults:

    | hyperparameter | default | why |
    |---|---|---|
    | `activation` | choice of rectifier, tanh, softplus | the paper's three |
    | `activation_l1_on` | boolean | lets the L1 coefficient be exactly 0 |
    | `activation_l1` | log-uniform in [1e-5, 1e-2], when `activation_l1_on` | Figure 3 varies it from 0 to 0.01 |
    | `learning_rate` | log-uniform in [1e-4, 0.1] | the paper's grid {1e-4, ..., 0.1} |
    | `depth` | int in [1, 3] | the paper uses 3 |
    | `units` | choice of 250, 500, 1000 | the paper uses 1000 |
    | `sign_trick` | boolean | the paper's sign trick |

    A log scale cannot reach 0, so the coefficient is two hyperparameters: a
    boolean `activation_l1_on` and, active only when it is true, the
    log-scaled `activation_l1` (keras-tuner's conditional scopes; every tuner
    handles them, and GridSearch enumerates ten log-spaced values).

    Narrow the space with the arguments: a single value fixes a
    hyperparameter (`hp.Fixed`, recorded but not searched), a tuple searches
    it. Or subclass and override one of the `*_hp` methods, each of which
    declares one hyperparameter and returns its value for the trial. Or, the
    keras-tuner way, pass a `HyperParameters` object with `hp.Fixed(...)`
    entries and `tune_new_entries=False` to the tuner.

    `fit` adds a `SparsityCallback` on the validation data (before the
    tuner's own callbacks), so that every trial logs `val_sparsity` and
    `val_dead_fraction` and every objective of `sparserect.tuning.objectives`
    can be used with every tuner.

    Example:

    ``` python
    hypermodel = SparseNetworkHyperModel((28, 28, 1), 10, activation="rectifier")
    tuner = keras_tuner.RandomSearch(
        hypermodel, objective=objectives.VAL_ACCURACY, max_trials=20,
        directory="tuning", project_name="mnist",
    )
    tuner.search(x, y, epochs=3, batch_size=100, validation_data=(x_val, y_val))
    ```

    Args:
        input_shape: Shape of one example, without the batch axis.
        num_classes: Int >= 2, the number of classes.
        activation: A name known to `sparserect.layers.activations.get`
            (fixed), or a sequence of names to choose from. Defaults to
            `("rectifier", "tanh", "softplus")`.
        activation_l1: The activation L1 coefficient: a float >= 0 (fixed;
            `0` disables the penalty), or a `(low, high)` range with
            `0 < low` searched on a log scale. Defaults to `(1e-5, 1e-2)`.
        zero_activation_l1: Bool, whether a searched coefficient may also be
            exactly 0 (the `activation_l1_on` choice). Defaults to `True`.
        learning_rate: The SGD learning rate: a float > 0 (fixed) or a
            `(low, high)` range searched on a log scale. Defaults to
            `(1e-4, 0.1)`.
        depth: Number of hidden blocks: an int >= 1 (fixed) or an inclusive
            `(low, high)` range. Defaults to `(1, 3)`.
        units: Width of every hidden block: an int >= 1 (fixed) or a sequence
            of widths to choose from. Defaults to `(250, 500, 1000)`.
        sign_trick: A bool (fixed), or `(False, True)` to search it.
        seed: Int or `None`; seeds the weights and sign masks of every trial's
            network (the same seed for every trial, so that trials differ by
            their hyperparameters only).
        sparsity_examples: Int > 0, validation examples measured for
            `val_sparsity` at the end of every epoch. Defaults to `5000`.
        name: Optional name of the hypermodel.
        tunable: Whether the hyperparameters declared here join the search
            space (keras-tuner's meaning). Defaults to `True`.
    """

    def __init__(
        self,
        input_shape,
        num_classes,
        *,
        activation=DEFAULT_ACTIVATIONS,
        activation_l1=DEFAULT_ACTIVATION_L1,
        zero_activation_l1=True,
        learning_rate=DEFAULT_LEARNING_RATE,
        depth=DEFAULT_DEPTH,
        units=DEFAULT_UNITS,
        sign_trick=DEFAULT_SIGN_TRICK,
        seed=None,
        sparsity_examples=5000,
        name=None,
        tunable=True,
    ):
        super().__init__(name=name, tunable=tunable)
        self.input_shape = tuple(input_shape)
        self.num_classes = num_classes
        names = (activation,) if isinstance(activation, str) else tuple(activation)
        unknown = [n for n in names if not isinstance(n, str) or n.lower() not in ACTIVATIONS]
        if not names or unknown:
            raise ValueError(
                f"`activation` must be one or more of {sorted(ACTIVATIONS)}. "
                f"Received: activation={activation!r}"
            )
        self.activation = activation if isinstance(activation, str) else names
        self.activation_l1 = _check_range("activation_l1", activation_l1, 0.0)
        if _is_range(activation_l1) and activation_l1[0] <= 0:
            raise ValueError(
                "A searched `activation_l1` range is log-scaled, so its low end "
                "must be > 0 (0 is the `zero_activation_l1` choice). "
                f"Received: activation_l1={activation_l1!r}"
            )
        self.zero_activation_l1 = bool(zero_activation_l1)
        self.learning_rate = _check_range("learning_rate", learning_rate, 0.0, strict=True)
        self.depth = _check_range("depth", depth, 1, integer=True)
        unit_values = tuple(units) if _is_range(units) else (units,)
        if not unit_values or any(not is_int(u) or u < 1 for u in unit_values):
            raise ValueError(
                f"`units` must be an int >= 1 or a sequence of them. Received: units={units!r}"
            )
        self.units = unit_values if _is_range(units) else units
        if not (
            isinstance(sign_trick, bool)
            or (_is_range(sign_trick) and set(sign_trick) == {False, True})
        ):
            raise ValueError(
                "`sign_trick` must be a bool or `(False, True)`. "
                f"Received: sign_trick={sign_trick!r}"
            )
        self.sign_trick = sign_trick
        self.seed = seed
        self.sparsity_examples = sparsity_examples

    def activation_hp(self, hp):
        """Declares `activation` and returns its value."""
        if isinstance(self.activation, str):
            return hp.Fixed("activation", self.activation)
        return hp.Choice("activation", list(self.activation))

    def activation_l1_hp(self, hp):
        """Declares `activation_l1_on` and `activation_l1`; returns the coefficient.

        A coefficient that the tuner's `HyperParameters` fixes
        (`hp.Fixed("activation_l1", 1e-3)`) is used in every trial; no
        `activation_l1_on` is searched then.
        """
        fixed = _fixed_by_user(hp, "activation_l1")
        if fixed is not None:
            return hp.Fixed("activation_l1", fixed)
        if not _is_range(self.activation_l1):
            return hp.Fixed("activation_l1", float(self.activation_l1))
        low, high = self.activation_l1
        default = min(max(1e-3, low), high)  # the paper's 0.001 where in range
        if not self.zero_activation_l1:
            return hp.Float("activation_l1", low, high, sampling="log", default=default)
        penalised = hp.Boolean("activation_l1_on", default=True)
        with hp.conditional_scope("activation_l1_on", [True]):
            coefficient = hp.Float("activation_l1", low, high, sampling="log", default=default)
        return coefficient if penalised else 0.0

    def learning_rate_hp(self, hp):
        """Declares `learning_rate` and returns its value."""
        if not _is_range(self.learning_rate):
            return hp.Fixed("learning_rate", float(self.learning_rate))
        low, high = self.learning_rate
        default = min(max(0.01, low), high)
        return hp.Float("learning_rate", low, high, sampling="log", default=default)

    def depth_hp(self, hp):
        """Declares `depth`, the number of hidden blocks, and returns it."""
        if not _is_range(self.depth):
            return hp.Fixed("depth", self.depth)
        low, high = self.depth
        return hp.Int("depth", low, high, default=min(max(3, low), high))

    def units_hp(self, hp):
        """Declares `units`, the width of every hidden block, and returns it."""
        if not _is_range(self.units):
            return hp.Fixed("units", self.units)
        default = 1000 if 1000 in self.units else self.units[-1]
        return hp.Choice("units", list(self.units), default=default)

    def sign_trick_hp(self, hp):
        """Declares `sign_trick` and returns its value."""
        if isinstance(self.sign_trick, bool):
            return hp.Fixed("sign_trick", self.sign_trick)
        return hp.Boolean("sign_trick", default=False)

    def build(self, hp):
        """Builds and compiles the network of one trial."""
        depth = self.depth_hp(hp)
        model = build_network(
            self.input_shape,
            self.num_classes,
            hidden_units=(self.units_hp(hp),) * depth,
            activation=self.activation_hp(hp),
            activation_l1=self.activation_l1_hp(hp),
            sign_trick=self.sign_trick_hp(hp),
            seed=self.seed,
        )
        model.compile(
            optimizer=keras.optimizers.SGD(self.learning_rate_hp(hp)),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def fit(self, hp, model, *args, validation_data=None, callbacks=None, **kwargs):
        """Trains one trial's model, with `val_sparsity` in its epoch logs.

        A `SparsityCallback` measuring `validation_data` goes first in the
        callbacks, so that the tuner's own callbacks (checkpointing, metric
        reporting) and any `ConstrainedSparsity` see its values. A
        `SparsityCallback` already among `callbacks` is kept instead.

        Args:
            hp: The trial's `HyperParameters`.
            model: The model from `build`.
            *args: Passed to `model.fit` (the training data).
            validation_data: Required: the validation data that
                `val_accuracy` and `val_sparsity` are measured on.
            callbacks: The tuner's and the user's callbacks.
            **kwargs: Passed to `model.fit` (`epochs`, `batch_size`, ...).

        Returns:
            The `History` of `model.fit`.
        """
        if validation_data is None:
            raise ValueError(
                "SparseNetworkHyperModel measures `val_sparsity` on the "
                "validation data: pass `validation_data=` to `search` "
                "(`validation_split` is not supported). "
                "Received: validation_data=None"
            )
        callbacks = list(callbacks or [])
        if not any(isinstance(c, SparsityCallback) for c in callbacks):
            training_data = args[0] if args else kwargs.get("x")
            callbacks.insert(
                0,
                SparsityCallback(
                    training_data,
                    validation_data=validation_data,
                    max_examples=min(1000, self.sparsity_examples),
                    validation_max_examples=self.sparsity_examples,
                ),
            )
        return model.fit(*args, validation_data=validation_data, callbacks=callbacks, **kwargs)
