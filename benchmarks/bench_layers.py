"""Epoch time of the paper's MNIST network: sparserect blocks against plain Keras.

Prints, for the 784-1000-1000-1000-10 network trained with SGD at batch 100 on
the 60,000 MNIST training images (the paper's training and validation splits
together), the median epoch time of:

1. plain `keras.layers.Dense(activation="relu")` layers;
2. `sparserect.layers.build_network` (HiddenBlock: activation L1 0.001 and the
   sign trick);
3. the same with `SparsityCallback` measuring 2,000 training and 5,000
   validation examples at every epoch's end (its defaults),

and the ratios 2/1 and 3/2. Run from the project's root:

    python benchmarks/bench_layers.py --data-dir ../shared/data [--epochs 3]

The first epoch of each model (tracing, compilation) is not timed.
"""

import argparse
import platform
import statistics
import time

import keras
import numpy as np

from sparserect.datasets import load_mnist
from sparserect.layers import SparsityCallback, build_network


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def plain_keras_network():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    for _ in range(3):
        x = keras.layers.Dense(1000, activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def median_epoch_seconds(model, x, y, epochs, callbacks=()):
    """Trains for `epochs + 1` epochs; returns the median time of the last `epochs`."""
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    timer = EpochTimer()
    # The timer goes last, so that it includes the other callbacks' epoch-end work.
    model.fit(x, y, batch_size=100, epochs=epochs + 1, verbose=0, callbacks=[*callbacks, timer])
    return statistics.median(timer.times[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None, help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per model")
    args = parser.parse_args()

    mnist = load_mnist(args.data_dir)
    x = np.concatenate([mnist.train.x, mnist.validation.x])
    y = np.concatenate([mnist.train.y, mnist.validation.y])
    keras.utils.set_random_seed(0)

    plain = median_epoch_seconds(plain_keras_network(), x, y, args.epochs)
    blocks = median_epoch_seconds(build_network((28, 28, 1), 10, sign_trick=True, seed=0), x, y, args.epochs)
    callback = SparsityCallback((x, y), validation_data=mnist.test.x)
    monitored = median_epoch_seconds(
        build_network((28, 28, 1), 10, sign_trick=True, seed=0), x, y, args.epochs, [callback]
    )

    print(
        f"Keras {keras.__version__} on {keras.backend.backend()}, "
        f"{platform.processor() or platform.machine()}; {len(x):,} examples, batch 100, "
        f"median of {args.epochs} epochs"
    )
    print(f"plain Dense(relu)                  {plain:7.2f} s/epoch")
    print(f"sparserect blocks (L1, sign trick) {blocks:7.2f} s/epoch")
    print(f"blocks + SparsityCallback          {monitored:7.2f} s/epoch")
    print(f"blocks / plain Dense:     {blocks / plain:.3f}")
    print(f"with / without callback:  {monitored / blocks:.3f}")


if __name__ == "__main__":
    main()
