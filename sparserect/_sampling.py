"""The one way the package takes a fixed random subset of examples, and orders them by epoch."""

import keras
import numpy as np


def fixed_subset(total, size, seed):
    """Returns the sorted indices of `size` of `total` examples, drawn without replacement.

    The same `(total, size, seed)` always give the same rows; with
    `size >= total`, every row.
    """
    if size >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size, replace=False))


def fixed_sample(data, size, seed):
    """Returns the same `fixed_subset` rows of every array of `data`.

    Example:

    ``` python
    x_sample, y_sample = fixed_sample((x, y), 2000, seed=0)
    ```

    Args:
        data: An array (NumPy, JAX or TensorFlow), or a list, dict or tuple
            of arrays with the same number of rows, such as `(x, y)`.
        size: Rows to keep; `data` itself is returned when it has no more.
        seed: Seed of the draw.
    """
    total = len(keras.tree.flatten(data)[0])
    if total <= size:
        return data
    rows = fixed_subset(total, size, seed)
    return keras.tree.map_structure(lambda array: np.asarray(array)[rows], data)


def epoch_order(seed, epoch, count):
    """Returns the order of the `count` training examples in `epoch` for `seed`.

    A function of `(seed, epoch)` alone, unlike a generator that advances
    with every epoch, so that an epoch trained after a restart sees the
    mini-batches it would have seen without one. With one seed per member
    (a list), a `(count, members)` array whose column `k` is the order of
    `seed[k]`: the rows that member `k`'s network would see alone.
    """
    if isinstance(seed, list):
        return np.stack([epoch_order(s, epoch, count) for s in seed], axis=1)
    return np.random.default_rng([int(seed), int(epoch)]).permutation(count)
