"""Argument checks shared by the ensemble layers."""

import math

from sparserect._checks import is_int, is_number, is_seed


def check_size(ensemble_size):
    """Checks that `ensemble_size` is an int > 0 and returns it."""
    if (
        not is_int(ensemble_size)
        or ensemble_size <= 0
    ):
        raise ValueError(
            "`ensemble_size` must be an int > 0. "
            f"Received: ensemble_size={ensemble_size!r}"
        )
    return ensemble_size


def per_member_floats(name, value, ensemble_size, minimum, strict=False):
    """Returns `value` (a number or one number per member) as a list of floats.

    Every value must be finite and `>= minimum` (`> minimum` if `strict`).
    """
    values = [value] * ensemble_size if is_number(value) else value
    try:
        values = list(values)
    except TypeError:
        values = None
    if values is None or len(values) != ensemble_size or not all(
        is_number(v) for v in values
    ):
        raise ValueError(
            f"`{name}` must be a number or a sequence of {ensemble_size} numbers "
            f"(one per member). Received: {name}={value!r}"
        )
    for v in values:
        if not math.isfinite(v) or v < minimum or (strict and v == minimum):
            relation = ">" if strict else ">="
            raise ValueError(
                f"Every value of `{name}` must be a finite number {relation} "
                f"{minimum}. Received: {name}={value!r}"
            )
    return [float(v) for v in values]


def per_member_seeds(seeds, ensemble_size):
    """Returns `seeds` (None or one int >= 0 per member) as a list or None."""
    if seeds is None:
        return None
    try:
        values = list(seeds)
    except TypeError:
        values = None
    if (
        values is None
        or len(values) != ensemble_size
        or not all(is_seed(s) for s in values)
    ):
        raise ValueError(
            f"`seeds` must be None or a sequence of {ensemble_size} ints >= 0 "
            f"(one per member). Received: seeds={seeds!r}"
        )
    return [int(s) for s in values]
