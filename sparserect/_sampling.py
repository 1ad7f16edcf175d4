"""The one way the package takes a fixed random subset of examples."""

import numpy as np


def fixed_subset(total, size, seed):
    """Returns the sorted indices of `size` of `total` examples, drawn without replacement.

    The same `(total, size, seed)` always give the same rows; with
    `size >= total`, every row.
    """
    if size >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size, replace=False))
