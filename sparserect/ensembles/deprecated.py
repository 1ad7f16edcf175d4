"""Names of the ensemble layers that the member axis of `sparserect.layers` replaced.

Each warns once per call and returns the layer that replaces it; they go in
the next release. Ensemble models saved by sparserect 0.1 do not load: take
their members out with 0.1's `extract_member` and save those.
"""

import warnings

import keras

from sparserect.layers.activation_l1 import ActivationL1
from sparserect.layers.hidden_block import HiddenBlock
from sparserect.layers.network import (
    PAPER_ACTIVATION_L1,
    PAPER_HIDDEN_UNITS,
    build_network,
    check_network_arguments,
)
from sparserect.layers.scaled_softplus import ScaledSoftplus
from sparserect._checks import is_sequence


def _warn(old, new):
    warnings.warn(f"`{old}` is deprecated; use `{new}`.", DeprecationWarning, stacklevel=3)


def EnsembleActivationL1(coefficients):  # noqa: N802 (a class name, kept)
    """Deprecated: `sparserect.layers.ActivationL1(coefficient=[...])`."""
    _warn("EnsembleActivationL1(c)", "ActivationL1(c)")
    return ActivationL1(coefficients)


def EnsembleScaledSoftplus(sharpness, **kwargs):  # noqa: N802
    """Deprecated: `sparserect.layers.ScaledSoftplus(sharpness=[...])`."""
    _warn("EnsembleScaledSoftplus(a)", "ScaledSoftplus(a)")
    return ScaledSoftplus(sharpness, **kwargs)


def EnsembleHiddenBlock(  # noqa: N802
    units,
    ensemble_size,
    activation="rectifier",
    activation_l1=0.0,
    sharpness=None,
    *,
    sign_trick=False,
    seeds=None,
    **kwargs,
):
    """Deprecated: `sparserect.layers.HiddenBlock(units, members=E, seed=seeds, ...)`."""
    _warn("EnsembleHiddenBlock(units, E, seeds=s)", "HiddenBlock(units, members=E, seed=s)")
    return HiddenBlock(
        units,
        activation=softplus_activation(activation, sharpness),
        activation_l1=activation_l1,
        sign_trick=sign_trick,
        seed=seeds,
        members=ensemble_size,
        **kwargs,
    )


def EnsembleDense(units, ensemble_size, activation=None, seeds=None, **kwargs):  # noqa: N802
    """Deprecated: the head of `build_network(..., members=E)`.

    Returns a `HiddenBlock` of `ensemble_size` members with a plain Keras
    `activation` (linear by default), no penalty and no sign trick.
    """
    _warn("EnsembleDense(units, E)", "build_network(..., members=E)")
    return HiddenBlock(
        units,
        activation=keras.layers.Activation(activation or "linear"),
        seed=seeds,
        members=ensemble_size,
        **kwargs,
    )


def softplus_activation(activation, sharpness):
    """Returns the activation for `build_ensemble`'s `sharpness=` (one per member or one)."""
    is_softplus = isinstance(activation, str) and activation.lower() == "softplus"
    if sharpness is not None and not is_softplus:
        raise ValueError(
            "`sharpness` is only for `activation=\"softplus\"`. "
            f"Received: activation={activation!r}, sharpness={sharpness!r}"
        )
    return activation if sharpness is None else ScaledSoftplus(sharpness)


def build_ensemble(
    input_shape,
    num_classes,
    ensemble_size=None,
    hidden_units=PAPER_HIDDEN_UNITS,
    activation="rectifier",
    activation_l1=PAPER_ACTIVATION_L1,
    *,
    sharpness=None,
    sign_trick=False,
    seeds=None,
    seed=None,
    per_member_inputs=False,
    name="sparse_rectifier_ensemble",
):
    """Deprecated: use `sparserect.layers.build_network(..., members=E)`.

    `build_ensemble(shape, classes, E, hidden_units, activation, l1,
    sharpness=a, sign_trick=t, seeds=s)` is `build_network(shape, classes,
    hidden_units, ScaledSoftplus(a) or activation, members=E,
    activation_l1=[l1] * len(hidden_units), sign_trick=t, seed=s)`
    (with `seed` an int base seed or one seed per member).
    """
    _warn("build_ensemble(..., E)", "sparserect.layers.build_network(..., members=E)")
    check_network_arguments(num_classes, hidden_units)
    if seeds is not None and seed is not None:
        raise ValueError(
            f"Give `seeds` or `seed`, not both. Received: seeds={seeds!r}, seed={seed!r}"
        )
    if ensemble_size is None:
        sequences = (c for c in (seeds, activation_l1, sharpness) if is_sequence(c))
        ensemble_size = next((len(c) for c in sequences), None)
        if ensemble_size is None:
            raise ValueError(
                "Give `ensemble_size`, or `seeds`, `activation_l1` or "
                "`sharpness` as one value per member. Received: ensemble_size=None"
            )
    return build_network(
        input_shape,
        num_classes,
        hidden_units,
        softplus_activation(activation, sharpness),
        activation_l1=[activation_l1] * len(hidden_units),
        sign_trick=sign_trick,
        seed=seeds if seeds is not None else seed,
        members=ensemble_size,
        per_member_inputs=per_member_inputs,
        name=name,
    )
