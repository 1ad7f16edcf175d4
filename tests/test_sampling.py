"""Tests of sparserect._sampling: fixed subsets and the order of the examples in each epoch."""

import numpy as np

from sparserect._sampling import epoch_order


def test_epoch_order_is_a_permutation_fixed_by_seed_and_epoch():
    first = epoch_order(3, 5, 100)
    np.testing.assert_array_equal(np.sort(first), np.arange(100))
    np.testing.assert_array_equal(first, epoch_order(3, 5, 100))
    assert not np.array_equal(first, epoch_order(3, 6, 100))
    assert not np.array_equal(first, epoch_order(4, 5, 100))


def test_epoch_order_of_members_is_each_seeds_order_in_a_column():
    orders = epoch_order([3, 4, 3], 5, 100)
    assert orders.shape == (100, 3)
    for k, seed in enumerate([3, 4, 3]):
        np.testing.assert_array_equal(orders[:, k], epoch_order(seed, 5, 100))
