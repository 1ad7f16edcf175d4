"""One configuration object for training a network of the paper's experiments.

A `Config` holds everything that decides a trained network's result apart
from its seed: the data set and training-set size, the `Network`, its
`FineTuning` and an optional `Pretraining`. All parts are frozen
dataclasses that validate their fields when built, convert to and from JSON
values exactly (`to_dict`, `from_dict`; tuples stay tuples), and vary with
`dataclasses.replace`.

Example:

>>> import dataclasses, json
>>> from sparserect.config import Config, FineTuning, Network
>>> config = Config(dataset="digits", network=Network(hidden_units=(500, 500)))
>>> fast = dataclasses.replace(
...     config, fine_tuning=dataclasses.replace(config.fine_tuning, epochs=3))
>>> Config.from_dict(json.loads(json.dumps(fast.to_dict()))) == fast
True
"""

import dataclasses
import typing

from sparserect import _checks

PAPER_LEARNING_RATES = (0.1, 0.01, 0.001, 0.0001)
PAPER_BATCH_SIZE = 10
ACTIVATIONS = ("rectifier", "tanh", "softplus")
RECONSTRUCTIONS = (
    "softplus_quadratic", "sigmoid_cross_entropy", "cross_entropy", "tanh_cross_entropy",
)


def _fail(message, name, value):
    raise ValueError(f"{message} Received: {name}={value!r}")


def _check_numbers(name, value, *, minimum=0.0, strict=True, kind=float, allow_empty=False):
    """`value` as a tuple of numbers above `minimum` (at least, unless `strict`).

    It must hold at least one number unless `allow_empty`.
    """
    if not _checks.is_sequence(value) or (len(value) == 0 and not allow_empty):
        kind_of = "sequence" if allow_empty else "non-empty sequence"
        _fail(f"`{name}` must be a {kind_of} of numbers.", name, value)
    for item in value:
        number = _checks.is_int(item) if kind is int else _checks.is_number(item)
        if not number or (item <= minimum if strict else item < minimum):
            bound = ">" if strict else ">="
            _fail(f"Every entry of `{name}` must be a number {bound} {minimum}.", name, value)
    return tuple(kind(item) for item in value)


class _Part:
    """JSON conversion shared by the configuration parts."""

    def to_dict(self):
        """The fields as JSON values: nested parts as dicts, tuples as lists."""
        return {
            field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)
        }

    @classmethod
    def from_dict(cls, values):
        """Builds the part from `to_dict()`'s output (unknown names are an error)."""
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            _fail(f"`{cls.__name__}` has no fields {unknown}; it has {sorted(names)}.",
                  "values", values)
        hints = typing.get_type_hints(cls)
        return cls(**{name: _typed(hints[name], value) for name, value in values.items()})


def _plain(value):
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value.to_dict() if isinstance(value, _Part) else value


def _typed(hint, value):
    """A JSON value back in the field's type: lists to tuples, dicts to parts."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, type(int | None)) else (hint,)
    for option in options:
        if isinstance(option, type) and issubclass(option, _Part) and isinstance(value, dict):
            return option.from_dict(value)
    if isinstance(value, list):
        return tuple(value)
    return value


@dataclasses.dataclass(frozen=True)
class Network(_Part):
    """The network: a stack of dense hidden layers and a softmax output.

    Each hidden layer computes `h = activation(W x + b)`; the activation L1
    penalty adds `activation_l1 * mean(sum(|h|))` to the loss and weight
    decay `weight_decay / 2 * sum(W ** 2)` in fine-tuning.

    Args:
        hidden_units: Widths of the hidden layers (paper: 1000, 1000, 1000);
            `()` for a softmax on the inputs.
        activation: `"rectifier"`, `"tanh"` or `"softplus"`.
        activation_l1: Float >= 0, the activation L1 coefficient (paper: 0.001),
            or one per hidden layer.
        sign_trick: Whether to flip the sign of half of the units.
        weight_decay: Float >= 0 (paper: none).
        sharpness: `None`, or with `activation="softplus"` the `a > 0` of the
            rescaled softplus `(1/a) * softplus(a * x)`.
    """

    hidden_units: tuple = (1000, 1000, 1000)
    activation: str = "rectifier"
    activation_l1: float | tuple = 0.001
    sign_trick: bool = False
    weight_decay: float = 0.0
    sharpness: float | None = None

    def __post_init__(self):
        units = _check_numbers("hidden_units", self.hidden_units, kind=int, allow_empty=True)
        object.__setattr__(self, "hidden_units", units)
        if self.activation not in ACTIVATIONS:
            _fail(f"`activation` must be one of {ACTIVATIONS}.", "activation", self.activation)
        if isinstance(self.activation_l1, (list, tuple)):
            l1 = _check_numbers("activation_l1", self.activation_l1, strict=False)
            if len(l1) != len(self.hidden_units):
                _fail("`activation_l1` needs one coefficient per hidden layer.",
                      "activation_l1", self.activation_l1)
            object.__setattr__(self, "activation_l1", l1)
        else:
            _checks.check_non_negative_number("activation_l1", self.activation_l1)
        _checks.check_bool("sign_trick", self.sign_trick)
        _checks.check_non_negative_number("weight_decay", self.weight_decay)
        if self.sharpness is not None:
            if self.activation != "softplus":
                _fail("`sharpness` applies to the softplus only.", "sharpness", self.sharpness)
            _checks.check_positive_number("sharpness", self.sharpness)


@dataclasses.dataclass(frozen=True)
class FineTuning(_Part):
    """Supervised training with plain SGD and early stopping on the validation error.

    Each candidate learning rate trains from the same starting weights for
    at most `epochs` epochs, stopping after `patience` epochs without a
    better validation error (not before `min_epochs`); the lowest validation
    error wins. With `selection_epochs`, the candidates are compared after
    that many epochs and the winner alone goes on.

    Args:
        learning_rates: Candidate constant learning rates, >= 0 (paper: 0.1,
            0.01, 0.001, 0.0001).
        epochs: Int > 0, the most epochs.
        patience: Int > 0.
        min_epochs: Int >= 0, a warm-up during which training does not stop.
        selection_epochs: Int > 0 or `None`.
        batch_size: Int > 0, examples per SGD step (paper: 10).
    """

    learning_rates: tuple = PAPER_LEARNING_RATES
    epochs: int = 50
    patience: int = 5
    min_epochs: int = 0
    selection_epochs: int | None = None
    batch_size: int = PAPER_BATCH_SIZE

    def __post_init__(self):
        rates = _check_numbers("learning_rates", self.learning_rates, strict=False)
        object.__setattr__(self, "learning_rates", rates)
        for name in ("epochs", "patience", "batch_size"):
            _checks.check_positive_int(name, getattr(self, name))
        _checks.check_non_negative_int("min_epochs", self.min_epochs)
        _checks.check_positive_int("selection_epochs", self.selection_epochs, allow_none=True)


@dataclasses.dataclass(frozen=True)
class Pretraining(_Part):
    """Greedy layer-wise pre-training of denoising auto-encoders.

    Errors name the fields as the experiments' keywords do
    (`pretraining_epochs`).

    Args:
        reconstruction: `None` for the paper's choice of the activation
            (strategy 1, `"softplus_quadratic"`, for rectifier and softplus;
            `"cross_entropy"` for tanh), or one of `RECONSTRUCTIONS`.
        epochs: Int > 0, epochs per layer.
        learning_rate: SGD learning rate, or a tuple of candidates among
            which each layer keeps the one of the lowest reconstruction cost.
        noise: Masking noise rate in [0, 1) (paper: 0.25), or one per layer.
        salt_and_pepper: Whether the first layer's noise is salt-and-pepper
            (the sentiment networks) instead of masking.
        activation_l1: `None` for the network's coefficient (the paper), or
            a float >= 0 for pre-training alone.
    """

    reconstruction: str | None = None
    epochs: int = 10
    learning_rate: float | tuple = 0.01
    noise: float | tuple = 0.25
    salt_and_pepper: bool = False
    activation_l1: float | None = None

    def __post_init__(self):
        if self.reconstruction is not None and self.reconstruction not in RECONSTRUCTIONS:
            _fail(f"`pretraining_reconstruction` must be None or one of {RECONSTRUCTIONS}.",
                  "pretraining_reconstruction", self.reconstruction)
        _checks.check_positive_int("pretraining_epochs", self.epochs)
        if isinstance(self.learning_rate, (list, tuple)):
            rates = _check_numbers("pretraining_learning_rate", self.learning_rate)
            object.__setattr__(self, "learning_rate", rates)
        else:
            _checks.check_positive_number("pretraining_learning_rate", self.learning_rate)
        rates = self.noise if isinstance(self.noise, (list, tuple)) else (self.noise,)
        if not rates or not all(_checks.is_number(rate) and 0 <= rate < 1 for rate in rates):
            _fail("`pretraining_noise` must be a rate in [0, 1), or one per layer.",
                  "pretraining_noise", self.noise)
        if isinstance(self.noise, list):
            object.__setattr__(self, "noise", tuple(self.noise))
        _checks.check_bool("pretraining_salt_and_pepper", self.salt_and_pepper)
        if self.activation_l1 is not None:
            _checks.check_non_negative_number("pretraining_activation_l1", self.activation_l1)


@dataclasses.dataclass(frozen=True)
class Config(_Part):
    """Everything but the seed that decides one trained network.

    Args:
        dataset: A data set name of `sparserect.datasets`.
        train_size: Int > 0 or `None`: train on a random subset of this size.
        network: A `Network`.
        fine_tuning: A `FineTuning`.
        pretraining: A `Pretraining`, or `None` for none.
    """

    dataset: str = "digits"
    train_size: int | None = None
    network: Network = Network()
    fine_tuning: FineTuning = FineTuning()
    pretraining: Pretraining | None = None

    def __post_init__(self):
        if not isinstance(self.dataset, str) or not self.dataset:
            _fail("`dataset` must be a data set name.", "dataset", self.dataset)
        _checks.check_positive_int("train_size", self.train_size, allow_none=True)
        for name, kind in (("network", Network), ("fine_tuning", FineTuning)):
            if not isinstance(getattr(self, name), kind):
                _fail(f"`{name}` must be a `{kind.__name__}`.", name, getattr(self, name))
        if self.pretraining is not None and not isinstance(self.pretraining, Pretraining):
            _fail("`pretraining` must be a `Pretraining` or None.", "pretraining", self.pretraining)

    def replace(self, **changes):
        """A copy with fields replaced, by their `flat_names()` (`None` values ignored).

        Example: `config.replace(epochs=3, pretraining_epochs=1, train_size=500)`;
        skipping `None` lets unset command-line options keep the fields.
        """
        names = flat_names()
        unknown = sorted(set(changes) - set(names))
        if unknown:
            _fail(f"A configuration has no fields {unknown}; it has {sorted(names)}.",
                  "changes", changes)
        top, parts = {}, {}
        for name, value in changes.items():
            part, _, field = names[name].rpartition(".")
            if value is not None:
                (parts.setdefault(part, {}) if part else top)[field] = value
        for part, fields in parts.items():
            if getattr(self, part) is None:
                _fail(f"This configuration has no `{part}`.", part, fields)
            top[part] = dataclasses.replace(getattr(self, part), **fields)
        return dataclasses.replace(self, **top)


PARTS = {"network": Network, "fine_tuning": FineTuning, "pretraining": Pretraining}


def flat_names():
    """`{flat name: dotted field}` of every field of a `Config`, e.g. `"epochs": "fine_tuning.epochs"`.

    A field keeps its own name, but pre-training's get the prefix
    `pretraining_` (`pretraining_epochs`, `pretraining_activation_l1`).
    These are the keyword arguments of the experiments and, with dashes, the
    options of `sparserect reproduce`.
    """
    names = {f.name: f.name for f in dataclasses.fields(Config) if f.name not in PARTS}
    for part, kind in PARTS.items():
        prefix = "pretraining_" if kind is Pretraining else ""
        names.update({prefix + f.name: f"{part}.{f.name}" for f in dataclasses.fields(kind)})
    return names
