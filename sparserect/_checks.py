"""Type checks shared by the argument validation of every sub-package."""


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
