"""Tests of sparserect._checks: the argument checks that every sub-package shares."""

import numpy as np
import pytest

from sparserect._checks import check_order
from sparserect._checks import per_member_seeds


@pytest.mark.parametrize(
    "flags, forms",
    [
        ({}, "None or a sequence"),
        (dict(allow_none=False), "a sequence"),
        (dict(one_for_all=True), "None, an int >= 0 or a sequence"),
        (dict(allow_none=False, one_for_all=True), "an int >= 0 or a sequence"),
    ],
)
def test_per_member_seeds_name_every_accepted_form(flags, forms):
    assert per_member_seeds("seed", (3, np.int64(4)), 2, **flags) == [3, 4]
    for bad in ([0], [0, -1], [0, 1.5], {0, 1}, "01", (s for s in (0, 1))):
        message = rf"`seed` must be {forms} of 2 ints >= 0 \(one per member\)\. Received: seed="
        with pytest.raises(ValueError, match=message):
            per_member_seeds("seed", bad, 2, **flags)


def test_per_member_seeds_take_none_or_one_int_only_where_allowed():
    assert per_member_seeds("seed", None, 2) is None
    assert per_member_seeds("seed", 5, 3, allow_none=False, one_for_all=True) == [5, 5, 5]
    with pytest.raises(ValueError, match="Received: seed=None"):
        per_member_seeds("seed", None, 2, allow_none=False, one_for_all=True)
    with pytest.raises(ValueError, match="Received: seed=5"):
        per_member_seeds("seed", 5, 2)


def test_check_order_takes_example_indices_of_one_or_several_columns():
    np.testing.assert_array_equal(check_order([2, 0, 1], 3), [2, 0, 1])
    assert check_order(np.zeros((4, 2), int), 3, columns=2).shape == (4, 2)
    for bad in ([], [0, 3], [-1, 0], [0.0, 1.0], np.zeros((4, 2), int)):
        with pytest.raises(ValueError, match=r"non-empty 1-D array .* in \[0, 3\)\. Received"):
            check_order(bad, 3)
    with pytest.raises(ValueError, match=r"1-D or \(examples, 2\) array"):
        check_order(np.zeros((4, 3), int), 3, columns=2)
