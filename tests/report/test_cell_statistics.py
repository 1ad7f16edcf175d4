"""Mean, standard deviation, Student-t interval and the verdict rule of the report."""

import math

import numpy as np
import pytest
from scipy import stats

from sparserect.report import statistics


def test_summary_matches_numpy_and_scipy(rng):
    values = rng.uniform(0.01, 0.02, size=5)
    summary = statistics.summarize(values)
    half = stats.t.ppf(0.975, 4) * np.std(values, ddof=1) / math.sqrt(5)
    assert summary.n == 5
    assert summary.mean == pytest.approx(np.mean(values))
    assert summary.std == pytest.approx(np.std(values, ddof=1))
    assert (summary.low, summary.high) == pytest.approx(
        stats.t.interval(0.95, 4, loc=np.mean(values), scale=stats.sem(values))
    )
    assert summary.high - summary.mean == pytest.approx(half)


def test_two_values_use_the_t_value_of_one_degree_of_freedom():
    # t(0.975, 1) = tan(0.475 pi) = 12.706...; std of (1, 3) is sqrt(2), sem = 1.
    summary = statistics.summarize([1.0, 3.0])
    assert summary.high == pytest.approx(2.0 + math.tan(0.475 * math.pi))
    assert summary.low == pytest.approx(2.0 - math.tan(0.475 * math.pi))


def test_one_value_has_no_interval_and_none_is_not_run():
    assert statistics.summarize([0.5, None, float("nan")]) == statistics.Summary(
        1, 0.5, None, None, None
    )
    assert statistics.summarize([None]) is None
    assert statistics.verdict(None, 0.01) == "not run"


def test_level_is_checked():
    with pytest.raises(ValueError, match="Received: level=1.5"):
        statistics.summarize([1.0, 2.0], level=1.5)


@pytest.mark.parametrize(
    "values, paper, expected",
    [
        ([0.010, 0.012, 0.014], 0.013, "reproduced"),  # inside the interval
        ([0.010, 0.0101, 0.0102], 0.013, "reproduced"),  # ours better
        ([0.020, 0.0201, 0.0202], 0.013, "not reproduced"),  # the paper below our interval
        ([0.012], 0.013, "reproduced"),  # n=1: at least as good
        ([0.014], 0.013, "not reproduced"),
    ],
)
def test_verdict_for_errors(values, paper, expected):
    assert statistics.verdict(statistics.summarize(values), paper) == expected


def test_verdict_for_accuracies_prefers_higher():
    summary = statistics.summarize([0.80, 0.81, 0.82])
    assert statistics.verdict(summary, 0.7895, lower_is_better=False) == "reproduced"
    assert statistics.verdict(summary, 0.90, lower_is_better=False) == "not reproduced"
    assert statistics.verdict(summary, 0.90) == "reproduced"


def test_verdict_needs_the_paper_number():
    with pytest.raises(ValueError, match="reference=None"):
        statistics.verdict(statistics.summarize([0.1]), None)
