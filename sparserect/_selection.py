"""Learning-rate selection: the candidates' check and the one rule that picks among them."""

import numpy as np


def choose_learning_rates(scores, learning_rates, what):
    """Returns, for each member, the index of the candidate with the lowest finite score.

    Every candidate started from the same weights; a score that is not
    finite (NaN or inf) marks a candidate that diverged. Ties go to the
    earlier candidate.

    Args:
        scores: One score per candidate: a number (one network) or an array
            of one score per member, lower is better (a validation error, a
            reconstruction cost).
        learning_rates: The candidates, in the order of `scores`.
        what: What was trained, for the error message (`"rectifier, seed 0"`).

    Returns:
        An int array of one candidate index per member.

    Raises:
        FloatingPointError: Where every candidate of a member diverged.
    """
    table = np.atleast_2d(np.asarray(scores, dtype=float).T).T  # (candidates, members)
    table = np.where(np.isfinite(table), table, np.inf)
    lost = np.flatnonzero(np.isinf(table).all(axis=0))
    if lost.size:
        members = f" (members {lost.tolist()})" if table.shape[1] > 1 else ""
        raise FloatingPointError(
            f"Every learning rate diverged for {what}{members}. "
            f"Received: learning_rates={tuple(learning_rates)!r}"
        )
    return table.argmin(axis=0)


def check_learning_rates(learning_rates):
    """Raises a `ValueError` unless there is at least one candidate learning rate."""
    if not learning_rates:
        raise ValueError(
            f"Give at least one learning rate. Received: learning_rates={learning_rates!r}"
        )
