"""What one `fit` per epoch costs against one `fit` over all epochs.

`sparserect.reproduce` trains each epoch as its own `fit` on the order
`sparserect._sampling.epoch_order(seed, epoch)`, so that a run resumed from a
checkpoint draws the mini-batches an uninterrupted one draws. This measures
the price of that against Keras's own shuffling in one `fit`: the paper's
784-1000-1000-1000-10 network, batch 10, 10,000 random examples, 3 epochs
each way, after a warm-up. Run it alone on the machine:

    python benchmarks/bench_epoch_fits.py
    KERAS_BACKEND=jax python benchmarks/bench_epoch_fits.py
"""

import os
import time

import keras
import numpy as np

from sparserect import layers
from sparserect._sampling import epoch_order

EPOCHS = 3


def compiled_network():
    model = layers.build_network((784,), 10, seed=0)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"], steps_per_execution=50)
    model.fit(np.zeros((500, 784), "float32"), np.zeros(500), batch_size=10, verbose=0)
    return model


def main():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(10_000, 784)).astype("float32")
    y = rng.integers(0, 10, 10_000)
    validation = (x[:1000], y[:1000])

    model = compiled_network()
    start = time.perf_counter()
    model.fit(x, y, batch_size=10, epochs=EPOCHS, shuffle=True, validation_data=validation,
              verbose=0)
    one_fit = (time.perf_counter() - start) / EPOCHS

    model = compiled_network()
    start = time.perf_counter()
    for epoch in range(EPOCHS):
        order = epoch_order(0, epoch, len(x))
        model.fit(x[order], y[order], batch_size=10, epochs=epoch + 1, initial_epoch=epoch,
                  shuffle=False, validation_data=validation, verbose=0)
    per_epoch = (time.perf_counter() - start) / EPOCHS

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"backend {keras.backend.backend()}, load average ({load})")
    print(f"one fit:           {one_fit:.2f} s an epoch")
    print(f"one fit per epoch: {per_epoch:.2f} s an epoch ({per_epoch / one_fit:.3f}x)")


if __name__ == "__main__":
    main()
