"""Mini-batches in a given order, and per-member ones: each member sees its own shuffling."""

import math

import keras
import numpy as np

from sparserect._checks import check_members
from sparserect._checks import check_non_negative_int
from sparserect._checks import check_order
from sparserect._checks import check_positive_int


class OrderedBatches(keras.utils.PyDataset):
    """The mini-batches `x[order[i * batch_size:(i + 1) * batch_size]]`, gathered one at a time.

    With `order` of shape `(examples,)` a batch is `(batch, *example_shape)`,
    for one network. With one column per member, `(examples, E)`, a batch
    holds one example per member, `(batch, E, *example_shape)`, for a model
    built with `build_network(..., members=E, per_member_inputs=True)`:
    member `k` sees `x[order[:, k]]` in that order. Only one batch is
    gathered at a time, so E orders of a large training set are never copied
    whole. `order` is the same in every epoch, or a function `order(epoch)`
    that gives each epoch's (as `compiled_fit`'s): the epoch (from
    `initial_epoch`) advances after an epoch that served every batch. Keras
    looks at up to two batches before it trains, which ends an "epoch" of
    data of two batches or fewer: pass `epoch_callback()` to `fit` to serve
    each epoch of `fit` its own order whatever Keras looked at.

    Pass `shuffle=False` to `fit`, which would otherwise permute the order
    of the batches.

    Example:

    ``` python
    model = build_network((28, 28, 1), 10, members=8, seed=0, per_member_inputs=True)
    compile_ensemble(model, keras.optimizers.SGD(0.01))
    order = np.stack([np.random.default_rng(k).permutation(len(x)) for k in range(8)], 1)
    model.fit(OrderedBatches(x, y, order, batch_size=10), shuffle=False)
    ```

    Args:
        x: Array of examples, `(n, *example_shape)`.
        y: Array of labels, `(n, ...)`.
        order: Integer array of rows of `x` in `[0, n)`, `(examples,)` or
            `(examples, E)`; or a function `order(epoch)` that returns one.
        batch_size: Int > 0, examples (per member) per batch.
        initial_epoch: Int >= 0, the first epoch (as `fit`'s) that
            `order(epoch)` is asked for.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).
    """

    def __init__(self, x, y, order, batch_size, *, initial_epoch=0, **kwargs):
        super().__init__(**kwargs)
        check_positive_int("batch_size", batch_size)
        check_non_negative_int("initial_epoch", initial_epoch)
        if len(x) != len(y) or len(x) == 0:
            raise ValueError(
                "`x` and `y` must have the same, non-zero number of examples. "
                f"Received: len(x)={len(x)}, len(y)={len(y)}"
            )
        if callable(order) and self.use_multiprocessing:
            raise ValueError(
                "A new order per epoch needs the count of the batches served, which worker "
                "processes cannot report back: use threads (`workers` without "
                "`use_multiprocessing`). Received: use_multiprocessing=True"
            )
        self.x = np.asarray(x)
        self.y = np.asarray(y)
        self.batch_size = batch_size
        self.order_of_epoch = order if callable(order) else None
        self.order = None if callable(order) else self._checked(order)
        self._served = set()
        self.set_epoch(initial_epoch)

    def set_epoch(self, epoch):
        """Serves the order of `epoch` from now on."""
        self.epoch = epoch
        self._served.clear()
        if self.order_of_epoch is not None:
            self.order = self._checked(self.order_of_epoch(epoch))

    def epoch_callback(self):
        """A Keras callback that makes every epoch of `fit` take its own order (`set_epoch`)."""
        return keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs=None: self.set_epoch(epoch)
        )

    def _checked(self, order):
        return check_order(order, len(self.x), np.shape(order)[1] if np.ndim(order) == 2 else None)

    def __len__(self):
        return math.ceil(len(self.order) / self.batch_size)

    def __getitem__(self, index):
        self._served.add(index)
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        # Keras peeks at a batch or two (and may begin and end an "epoch" to
        # do so) before training: only an epoch that served every batch counts.
        if len(self._served) == len(self):
            self.set_epoch(self.epoch + 1)


class MemberBatches(OrderedBatches):
    """Mini-batches in which member `k` follows its own order of the examples.

    Batch `i` holds, for every member `k`, the examples
    `order[i * batch_size : (i + 1) * batch_size, k]` (`order`, the
    `(n, E)` orders of the current epoch, one column per member): inputs of shape
    `(batch, E, *example_shape)` and labels `(batch, E)`, for a model built
    with `build_network(..., members=E, per_member_inputs=True)`. With
    `shuffle=True` each member gets a new permutation at every epoch, drawn
    from `(seed, epoch, k)`, so member `k` trains exactly as a single network
    fed `x[member_order(k, epoch)]` in that order. (Without this, all the
    members see the same mini-batches, which is what `fit` does with shared
    inputs.)

    Example:

    ``` python
    model = build_network((28, 28, 1), 10, members=8, seed=0, per_member_inputs=True)
    compile_ensemble(model, keras.optimizers.SGD(0.01))
    model.fit(MemberBatches(x, y, batch_size=10, ensemble_size=8), epochs=5,
              shuffle=False)
    ```

    Pass `shuffle=False` to `fit`: the batches are already shuffled, and
    `fit` would otherwise also permute the order of the batches (the same
    way for all the members), so that member `k` would no longer follow
    `member_order(k, epoch)` exactly. The epoch (from 0) advances after an
    epoch that served every batch; a new `fit` call continues the count.
    With two batches or fewer, pass `epoch_callback()` to `fit` as well
    (see `OrderedBatches`).

    Args:
        x: Array of examples, `(n, *example_shape)`.
        y: Array of integer labels, `(n,)`.
        batch_size: Int > 0, examples per member per batch.
        ensemble_size: Int > 0, the number E of members.
        shuffle: Whether each member gets its own permutation at every
            epoch. `False` gives every member the data in its order.
        seed: Int >= 0, seeds the permutations.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).
    """

    def __init__(self, x, y, batch_size, ensemble_size, shuffle=True, seed=0, **kwargs):
        check_non_negative_int("seed", seed)
        self.ensemble_size = check_members("ensemble_size", ensemble_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        super().__init__(x, y, lambda epoch: self.orders(epoch).T, batch_size, **kwargs)

    def member_order(self, k, epoch):
        """Returns the order of the examples that member `k` sees at `epoch`."""
        count = len(self.x)
        if not self.shuffle:
            return np.arange(count)
        return np.random.default_rng((self.seed, epoch, k)).permutation(count)

    def orders(self, epoch):
        """Returns the `(E, n)` orders of all the members at `epoch`."""
        return np.stack([self.member_order(k, epoch) for k in range(self.ensemble_size)])
