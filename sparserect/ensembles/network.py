"""Compiling a model of many networks; taking one out (from `sparserect.layers`)."""

from sparserect.ensembles.losses import (
    EnsembleSparseCategoricalCrossentropy,
    MemberError,
)
from sparserect.layers.members import member_seeds
from sparserect.layers.network import count_members, extract_member, member_layers

__all__ = [
    "compile_ensemble",
    "ensemble_size",
    "extract_member",
    "member_layers",
    "member_seeds",
]


def compile_ensemble(model, optimizer="sgd", metrics=True, **kwargs):
    """Compiles a model of members with the summed loss and the mean member error.

    Args:
        model: A model from `build_network(..., members=E)`.
        optimizer: A per-parameter Keras optimizer (SGD as in the paper).
        metrics: `True` adds `MemberError` (logged as `"error"`, the mean
            over members); `False` adds none; a list is passed on as it is.
        **kwargs: Passed on to `model.compile` (`jit_compile`, ...).
    """
    if metrics is True:
        metrics = [MemberError(count_members(model))]
    elif metrics is False:
        metrics = None
    model.compile(
        optimizer=optimizer,
        loss=EnsembleSparseCategoricalCrossentropy(),
        metrics=metrics,
        **kwargs,
    )
    return model


def ensemble_size(model):
    """Returns the number of members of a model made by `build_network(..., members=E)`."""
    return count_members(model)
