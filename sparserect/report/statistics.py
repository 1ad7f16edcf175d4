"""Mean, standard deviation and Student-t confidence interval over seeds, and the verdict rule."""

import dataclasses
import math

import numpy as np

from sparserect._checks import check_open_fraction

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
NOT_RUN = "not run"


@dataclasses.dataclass(frozen=True)
class Summary:
    """Our numbers for one cell: `n` runs, their mean, sample standard deviation and interval.

    `std` uses `ddof=1` (the sample standard deviation); `low` and `high`
    bound the two-sided confidence interval of the mean,
    `mean ± t(1 - (1 - level) / 2, n - 1) * std / sqrt(n)`. With `n == 1`
    there is no spread: `std`, `low` and `high` are `None`.
    """

    n: int
    mean: float
    std: float | None
    low: float | None
    high: float | None
    level: float = 0.95


def summarize(values, level=0.95):
    """Returns the `Summary` of finite values, or `None` when there are none.

    The interval is Student's t interval of the mean:

        mean ± t_{(1 + level) / 2, n - 1} * s / sqrt(n),

    with `s` the standard deviation with `ddof=1`.

    Example:

    >>> summary = summarize([0.012, 0.014, 0.013])
    >>> round(summary.mean, 4), summary.n
    (0.013, 3)

    Args:
        values: Numbers (`None` and NaN are left out).
        level: The confidence level, in (0, 1).
    """
    check_open_fraction("level", level)
    values = np.asarray(
        [v for v in values if v is not None and math.isfinite(v)], dtype=float
    )
    if values.size == 0:
        return None
    mean = float(values.mean())
    if values.size == 1:
        return Summary(1, mean, None, None, None, level)
    from scipy import stats

    std = float(values.std(ddof=1))
    half = float(stats.t.ppf((1.0 + level) / 2.0, values.size - 1)) * std / math.sqrt(values.size)
    return Summary(int(values.size), mean, std, mean - half, mean + half, level)


def verdict(summary, reference, *, lower_is_better=True):
    """Returns `"reproduced"`, `"not reproduced"` or `"not run"` for one cell.

    Reproduced: the paper's number lies inside our interval, or ours is
    better (the whole interval on the better side). With `n == 1` the
    interval is the single value: reproduced when it is at least as good as
    the paper's. Not run: no `summary`.

    Example:

    >>> verdict(summarize([0.010, 0.012, 0.014]), 0.013)
    'reproduced'

    Args:
        summary: A `Summary`, or `None` when nothing ran.
        reference: The paper's number, on the same scale as `summary`.
        lower_is_better: `True` for errors, `False` for accuracies.
    """
    if summary is None:
        return NOT_RUN
    if reference is None:
        raise ValueError(
            "A verdict needs the paper's number to compare with. Received: reference=None"
        )
    low = summary.mean if summary.low is None else summary.low
    high = summary.mean if summary.high is None else summary.high
    reproduced = reference >= low if lower_is_better else reference <= high
    return REPRODUCED if reproduced else NOT_REPRODUCED
