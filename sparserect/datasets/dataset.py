"""The result of every loader: a `Dataset` of three `Split`s of numpy arrays."""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)
class Split:
    """One split (train, validation, test or unlabelled) of a data set.

    Attributes:
        x: the inputs: images as `(n, height, width, channels)` (channels
            last, also for grey images and NORB's stereo pairs), or for text
            data sets the bag-of-words features `(n, max_terms)`, or the raw
            texts when no vectoriser was asked for.
        y: integer class labels, `(n,)` int64; `None` for unlabelled text.
        texts: text data sets only: the raw texts, `(n,)` of `str`.
        ratings: rated reviews only: the star ratings, `(n,)` float32.
        domains: Amazon only: each review's product domain, `(n,)` of `str`.
    """

    x: np.ndarray
    y: np.ndarray | None
    texts: np.ndarray | None = None
    ratings: np.ndarray | None = None
    domains: np.ndarray | None = None

    def __len__(self):
        return len(self.x)

    def take(self, indices):
        """Returns the split restricted to `indices` (every field alike)."""
        values = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        return Split(**{k: None if v is None else v[indices] for k, v in values.items()})


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A data set as numpy arrays, in the paper's splits unless told otherwise.

    Attributes:
        name: the registered name, e.g. `"mnist"`.
        train: the training split.
        validation: the validation split (may be empty where the data set has
            no standard one, e.g. small NORB).
        test: the test split.
        class_names: the name of each integer label.
        unlabeled: unlabelled examples for pre-training (Amazon's
            `unlabeled.review` files), or `None`.
        vectorizer: text data sets: the fitted `BinaryBagOfWords` that made
            `x` (learned on the training texts only), or `None`.
    """

    name: str
    train: Split
    validation: Split
    test: Split
    class_names: tuple
    unlabeled: Split | None = None
    vectorizer: object = None

    @property
    def num_classes(self):
        return len(self.class_names)

    @property
    def input_shape(self):
        """The shape of one example of `x`, e.g. `(28, 28, 1)`."""
        return tuple(self.train.x.shape[1:])

    def __repr__(self):
        sizes = " / ".join(
            f"{len(s):,}" for s in (self.train, self.validation, self.test)
        )
        return (
            f"Dataset({self.name!r}, train/validation/test={sizes}, "
            f"input_shape={self.input_shape}, x.dtype={self.train.x.dtype}, "
            f"num_classes={self.num_classes})"
        )


def to_tf_dataset(split, batch_size=32, shuffle=False, seed=None):
    """Turns a split into a batched `tf.data.Dataset` of `(x, y)` pairs.

    TensorFlow is imported here, not by this package, so the loaders also work
    where only JAX is installed.

    Args:
        split: a `Split`.
        batch_size: examples per batch; `None` for unbatched examples.
        shuffle: whether to shuffle the whole split at every iteration.
        seed: the shuffling seed, for a reproducible order.

    Returns:
        A `tf.data.Dataset` yielding `(x, y)`, or `x` alone when `y` is None.
    """
    import tensorflow as tf

    x = split.x
    if x.dtype == object:
        x = x.astype(str)
    tensors = x if split.y is None else (x, split.y)
    dataset = tf.data.Dataset.from_tensor_slices(tensors)
    if shuffle:
        dataset = dataset.shuffle(
            len(split), seed=seed, reshuffle_each_iteration=True
        )
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)
