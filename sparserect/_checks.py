"""Type checks shared by the argument validation of every sub-package."""

import math

import numpy as np


def is_int(value):
    """Whether `value` is an integer (Python or numpy), and not a bool."""
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and value.dtype.kind in "iu"
    )


def is_seed(value):
    """Whether `value` can seed a random generator: an int >= 0 (Python or numpy), not a bool."""
    return is_int(value) and value >= 0


def is_number(value):
    """Whether `value` is a real number (Python or numpy), and not a bool."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0 and value.dtype.kind in "iuf"
    )


def check_bool(name, value):
    """Raises a `ValueError` unless `value` is a bool (Python or numpy); `"False"` is not one."""
    if not isinstance(value, bool) and getattr(value, "dtype", None) != "bool":
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")


def check_positive_int(name, value, allow_none=False):
    """Raises a `ValueError` unless `value` is an int > 0 (or `None`, if allowed)."""
    if value is None and allow_none:
        return
    if not is_int(value) or value <= 0:
        or_none = " or None" if allow_none else ""
        raise ValueError(f"`{name}` must be an int > 0{or_none}. Received: {name}={value!r}")


def check_non_negative_int(name, value, allow_none=False):
    """Raises a `ValueError` unless `value` is an int >= 0 (or `None`, if allowed)."""
    if value is None and allow_none:
        return
    if not is_int(value) or value < 0:
        or_none = " or None" if allow_none else ""
        raise ValueError(f"`{name}` must be an int >= 0{or_none}. Received: {name}={value!r}")


def check_non_negative_number(name, value):
    """Raises a `ValueError` unless `value` is a finite real number >= 0."""
    if not is_number(value) or not value >= 0 or value == float("inf"):
        raise ValueError(f"`{name}` must be a finite number >= 0. Received: {name}={value!r}")


def check_positive_number(name, value):
    """Raises a `ValueError` unless `value` is a finite real number > 0."""
    if not is_number(value) or not value > 0 or value == float("inf"):
        raise ValueError(f"`{name}` must be a finite number > 0. Received: {name}={value!r}")


def check_open_fraction(name, value):
    """Raises a `ValueError` unless `value` is a real number strictly between 0 and 1."""
    if not is_number(value) or not 0.0 < value < 1.0:
        raise ValueError(
            f"`{name}` must be a number strictly between 0 and 1. Received: {name}={value!r}"
        )


def check_members(name, value, allow_none=False):
    """Returns a number of members: an int > 0 (or `None`, if allowed), else a `ValueError`."""
    check_positive_int(name, value, allow_none=allow_none)
    return None if value is None else int(value)


def _member_list(value, members):
    """`value` as a list of `members` entries, or `None` where it is not one."""
    try:
        values = list(value)
    except TypeError:
        return None
    return values if len(values) == members else None


def per_member_floats(name, value, members, minimum, strict=False):
    """Returns `value` (a number or one number per member) as a list of floats.

    Every value must be finite and `>= minimum` (`> minimum` if `strict`).
    """
    values = _member_list([value] * members if is_number(value) else value, members)
    if values is None or not all(is_number(v) for v in values):
        raise ValueError(
            f"`{name}` must be a number or a sequence of {members} numbers "
            f"(one per member). Received: {name}={value!r}"
        )
    if not all(math.isfinite(v) and (v > minimum if strict else v >= minimum) for v in values):
        relation = ">" if strict else ">="
        raise ValueError(
            f"Every value of `{name}` must be a finite number {relation} "
            f"{minimum}. Received: {name}={value!r}"
        )
    return [float(v) for v in values]


def number_or_per_member(name, value, strict=False):
    """Returns a number >= 0 (> 0 if `strict`) as a float, or a sequence of them as a list."""
    if not is_sequence(value):
        (check_positive_number if strict else check_non_negative_number)(name, value)
        return float(value)
    if not len(value):
        raise ValueError(
            f"`{name}` needs at least one value per member. Received: {name}={value!r}"
        )
    return per_member_floats(name, value, len(value), minimum=0.0, strict=strict)


def per_member_seeds(name, seeds, members, *, allow_none=True, one_for_all=False):
    """Returns `seeds` (one int >= 0 per member) as a list of ints, or `None` if allowed.

    With `one_for_all`, one int >= 0 stands for every member.
    """
    if seeds is None and allow_none:
        return None
    values = [seeds] * members if one_for_all and is_seed(seeds) else seeds
    values = _member_list(values, members) if is_sequence(values) else None
    if values is None or not all(is_seed(s) for s in values):
        forms = (["None"] if allow_none else []) + (["an int >= 0"] if one_for_all else [])
        last = f"a sequence of {members} ints >= 0 (one per member)"
        forms = " or ".join([", ".join(forms), last] if forms else [last])
        raise ValueError(f"`{name}` must be {forms}. Received: {name}={seeds!r}")
    return [int(s) for s in values]


def is_sequence(value):
    """Whether `value` is a sequence (a list, tuple or 1-D+ array), not a string, dict or set."""
    unordered = (str, bytes, dict, set, frozenset)
    return not isinstance(value, unordered) and hasattr(value, "__len__") and getattr(
        value, "ndim", 1
    ) != 0


def check_order(order, count, columns=None):
    """`order` as an array of indices into `count` examples, or a `ValueError`.

    `columns`: `None`, or the members of a model with per-member inputs, which
    may also take one column of indices per member.
    """
    indices = np.asarray(order)
    shapes = "1-D" if columns is None else f"1-D or (examples, {columns})"
    if ((indices.ndim != 1 and indices.shape[1:] != (columns,)) or indices.size == 0
            or indices.dtype.kind not in "iu" or indices.min() < 0 or indices.max() >= count):
        raise ValueError(
            f"`order` must give a non-empty {shapes} array of example indices in [0, {count}). "
            f"Received: order={order!r}"
        )
    return indices
