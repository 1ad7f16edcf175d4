"""The splits of data sets that have no official validation set."""

import numpy as np
import pytest

from sparserect.datasets._split import split_last


def test_split_last_keeps_the_last_examples_for_validation():
    x, y = np.arange(10) * 10, np.arange(10)
    train, validation = split_last(x, y, 3)
    np.testing.assert_array_equal(train.x, x[:7])
    np.testing.assert_array_equal(validation.y, [7, 8, 9])
    assert len(split_last(x, y, 0)[1]) == 0


@pytest.mark.parametrize("size", [-1, 10])
def test_split_last_rejects_a_validation_size_outside_the_data(size):
    with pytest.raises(ValueError, match=f"validation_size={size} must be below the 10"):
        split_last(np.zeros(10), np.zeros(10), size)
