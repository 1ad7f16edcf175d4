"""Cost of `ActivationHistograms` against an epoch of the paper's MNIST network.

The 784-1000-1000-1000-10 network (`build_network`, activation L1 0.001)
trains with SGD at batch 10, as in the paper, on MNIST's 50,000 training
images, with `steps_per_execution=50` (the reproduction's default). In one
run, alternately: a part of the epoch is trained and timed, then the
callback writes its summaries once (its default sample of 1,024 examples)
and is timed. The epoch time is the trained part's time scaled to 50,000
images; the ratio is the callback's median time over that epoch time (one
call per epoch, the default `histogram_freq=1`). The first round
(tracing, compilation) is not timed. Run from the project's root:

    python benchmarks/bench_activation_histograms.py --data-dir ../shared/data

Writes `results/benchmarks/activation_histograms.json`: the times, the
ratio, the machine, its load average before and after, and the versions.
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import tempfile
import time

import keras
import numpy as np

from sparserect.datasets import load_mnist
from sparserect.layers import build_network
from sparserect.measurement import ActivationHistograms

EPOCH_EXAMPLES = 50_000
BATCH_SIZE = 10
OUTPUT = pathlib.Path("results/benchmarks/activation_histograms.json")


def versions():
    found = {"python": platform.python_version(), "keras": keras.__version__,
             "numpy": np.__version__}
    for name in ("tensorflow", "jax"):
        try:
            found[name] = __import__(name).__version__
        except ImportError:
            pass
    return found


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=None, help="folder with the MNIST IDX files")
    parser.add_argument("--examples", type=int, default=10_000,
                        help="training images per timed part of the epoch")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds")
    parser.add_argument("--output", default=str(OUTPUT))
    args = parser.parse_args()

    mnist = load_mnist(args.data_dir)
    x, y = mnist.train.x, mnist.train.y
    keras.utils.set_random_seed(0)
    model = build_network((28, 28, 1), 10, seed=0)
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy",
                  steps_per_execution=50)
    load_before = os.getloadavg()
    train_times, callback_times = [], []
    with tempfile.TemporaryDirectory() as log_dir:
        callback = ActivationHistograms(log_dir, x)
        callback.set_model(model)
        for round_ in range(args.rounds + 1):
            rows = slice(round_ * args.examples, (round_ + 1) * args.examples)
            start = time.perf_counter()
            model.fit(x[rows], y[rows], batch_size=BATCH_SIZE, epochs=1, verbose=0)
            trained = time.perf_counter() - start
            start = time.perf_counter()
            callback.write(round_)
            written = time.perf_counter() - start
            if round_:
                train_times.append(trained)
                callback_times.append(written)
        callback.on_train_end()
    load_after = os.getloadavg()

    epoch = statistics.median(train_times) * EPOCH_EXAMPLES / args.examples
    cost = statistics.median(callback_times)
    result = {
        "what": "ActivationHistograms.write once (default 1,024-example sample) over one "
                "epoch of 784-1000-1000-1000-10 at batch 10 on 50,000 MNIST images",
        "backend": keras.backend.backend(),
        "epoch_seconds": epoch,
        "epoch_seconds_from": f"median of {args.rounds} parts of {args.examples} images, scaled",
        "callback_seconds": cost,
        "callback_seconds_each": callback_times,
        "train_seconds_each": train_times,
        "overhead_ratio": cost / epoch,
        "machine": {"platform": platform.platform(), "processor": platform.machine(),
                    "cpus": os.cpu_count()},
        "load_average_before": load_before,
        "load_average_after": load_after,
        "versions": versions(),
    }
    pathlib.Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(f"epoch {epoch:.1f} s, ActivationHistograms {cost:.2f} s: "
          f"{100 * cost / epoch:.2f}% of an epoch (load {load_before[0]:.1f})")


if __name__ == "__main__":
    main()
