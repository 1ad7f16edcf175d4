"""The embedded default: scikit-learn's 8x8 digits."""

import numpy as np

from sparserect.datasets import load_digits


def test_fixed_split_sizes_types_and_ranges():
    data = load_digits()
    assert (len(data.train), len(data.validation), len(data.test)) == (1_197, 300, 300)
    assert data.input_shape == (8, 8, 1) and data.num_classes == 10
    assert data.train.x.dtype == np.float32 and data.train.y.dtype == np.int64
    assert data.train.x.min() == 0.0 and data.train.x.max() == 1.0
    # Stratified: every class in every split, in proportion.
    assert np.bincount(data.test.y).min() >= 29


def test_split_is_deterministic_and_disjoint():
    first, second = load_digits(), load_digits(dtype="uint8")
    np.testing.assert_array_equal(first.test.y, second.test.y)
    np.testing.assert_array_equal(first.test.x, second.test.x / 16.0)
    assert second.train.x.max() == 16
    rows = {row.tobytes() for row in second.validation.x} & {r.tobytes() for r in second.test.x}
    total = np.concatenate([second.train.x, second.validation.x, second.test.x])
    assert len(total) == 1_797 and len(rows) <= 5  # Only true duplicates of the source.
