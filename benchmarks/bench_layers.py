"""Epoch time of the paper's MNIST network: sparserect blocks against plain Keras.

For the 784-1000-1000-1000-10 network trained with SGD at batch 100 on the
60,000 MNIST training images (the paper's training and validation splits
together), prints the median epoch time of

1. plain `keras.layers.Dense(activation="relu")` layers, and
2. `sparserect.layers.build_network` (HiddenBlock: activation L1 0.001 and
   the sign trick),

and the time that `SparsityCallback` (its defaults: 2,000 training and 2,000
validation examples, here the test images) adds at the end of each epoch of
model 2. The two models train one epoch in turn, so that a change of load on
the machine affects both alike; the callback's time is measured inside the
same epochs. Run from the project's root:

    python benchmarks/bench_layers.py --data-dir ../shared/data [--epochs 3]

The first epoch of each model (tracing, compilation) is not timed.
"""

import argparse
import os
import platform
import statistics
import time

import keras
import numpy as np

from sparserect.datasets import load_mnist
from sparserect.layers import build_network
from sparserect.measurement import SparsityCallback


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch, the epoch-end callbacks before it included."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


class TimedCallback(keras.callbacks.Callback):
    """Runs another callback and records the time of its `on_epoch_end`."""

    def __init__(self, callback):
        super().__init__()
        self.callback = callback
        self.times = []

    def set_model(self, model):
        super().set_model(model)
        self.callback.set_model(model)

    def on_train_begin(self, logs=None):
        self.callback.on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        self.callback.on_epoch_end(epoch, logs)
        self.times.append(time.perf_counter() - start)


def plain_keras_network():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    for _ in range(3):
        x = keras.layers.Dense(1000, activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=None, help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per model")
    args = parser.parse_args()

    mnist = load_mnist(args.data_dir)
    x = np.concatenate([mnist.train.x, mnist.validation.x])
    y = np.concatenate([mnist.train.y, mnist.validation.y])
    keras.utils.set_random_seed(0)

    plain = plain_keras_network()
    blocks = build_network((28, 28, 1), 10, sign_trick=True, seed=0)
    sparsity = TimedCallback(SparsityCallback((x, y), validation_data=mnist.test.x))
    timers = {"plain": EpochTimer(), "blocks": EpochTimer()}
    for model in (plain, blocks):
        model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    for epoch in range(args.epochs + 1):
        for name, model, callbacks in (
            ("plain", plain, []),
            ("blocks", blocks, [sparsity]),
        ):
            model.fit(
                x, y, batch_size=100, initial_epoch=epoch, epochs=epoch + 1,
                verbose=0, callbacks=[*callbacks, timers[name]],
            )

    plain_epoch = statistics.median(timers["plain"].times[1:])
    with_callback = np.array(timers["blocks"].times[1:])
    callback = np.array(sparsity.times[1:])
    blocks_epoch = float(np.median(with_callback - callback))
    callback_epoch = float(np.median(callback))

    print(
        f"Keras {keras.__version__} on {keras.backend.backend()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}); "
        f"{len(x):,} examples, batch 100, median of {args.epochs} epochs"
    )
    print(f"plain Dense(relu)                   {plain_epoch:7.2f} s/epoch")
    print(f"sparserect blocks (L1, sign trick)  {blocks_epoch:7.2f} s/epoch")
    print(f"SparsityCallback at epoch end       {callback_epoch:7.2f} s/epoch")
    print(f"blocks / plain Dense:               {blocks_epoch / plain_epoch:.3f}")
    print(f"with / without SparsityCallback:    {(blocks_epoch + callback_epoch) / blocks_epoch:.3f}")


if __name__ == "__main__":
    main()
