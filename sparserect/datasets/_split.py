"""Splits: seeded and stratified where there is no official one, or the last examples."""

import numpy as np

from sparserect.datasets.dataset import Split


def stratified_split(labels, validation_size, test_size, seed):
    """Splits indices into train / validation / test, stratified by label.

    Args:
        labels: the stratification key of each example, `(n,)`.
        validation_size, test_size: counts (int) or fractions (float).
        seed: the random seed; the same seed always gives the same split.

    Returns:
        Three sorted index arrays: train, validation, test.
    """
    # Imported here: the loaders with an official split need no scikit-learn.
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels)
    indices = np.arange(len(labels))
    n = len(labels)
    n_val = validation_size if isinstance(validation_size, int) else round(validation_size * n)
    n_test = test_size if isinstance(test_size, int) else round(test_size * n)
    try:
        rest, test = train_test_split(
            indices, test_size=n_test, stratify=labels, random_state=seed
        )
        train, validation = train_test_split(
            rest, test_size=n_val, stratify=labels[rest], random_state=seed
        )
    except ValueError as error:
        values, counts = np.unique(labels, return_counts=True)
        raise ValueError(
            f"Cannot split {n} examples into train, validation ({n_val}) and test "
            f"({n_test}) with every label in each: give more examples of the rarest "
            f"labels. Received: examples per label "
            f"{dict(zip(values.tolist(), counts.tolist()))} ({error})"
        ) from error
    return np.sort(train), np.sort(validation), np.sort(test)


def split_last(x, y, validation_size):
    """Splits arrays into train and validation `Split`s; the last `validation_size` validate."""
    if not 0 <= validation_size < len(x):
        raise ValueError(
            f"validation_size={validation_size} must be below the {len(x):,} training examples."
        )
    cut = len(x) - validation_size
    return Split(x[:cut], y[:cut]), Split(x[cut:], y[cut:])
