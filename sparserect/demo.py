"""`sparserect demo`: the paper's three activations on the embedded digits, in seconds.

Trains the paper's network (three hidden blocks, activation L1 0.001, sign
trick, plain SGD with batches of 10) with the rectifier, tanh and softplus on
scikit-learn's bundled 8x8 digits, which need no download, and prints test
error beside the exact sparsity of the hidden layers.
"""

import argparse
import logging
import time

ACTIVATIONS = ("rectifier", "tanh", "softplus")

logger = logging.getLogger(__name__)


def run_demo(epochs=20, hidden_units=(1000, 1000, 1000), learning_rate=0.01, seed=0):
    """Trains one network per activation on the digits; returns a DataFrame of results.

    Args:
        epochs: Training epochs of each network.
        hidden_units: Widths of the hidden blocks.
        learning_rate: Constant SGD learning rate.
        seed: Seeds the split, the weights, the sign masks and the shuffling.

    Returns:
        A `pandas.DataFrame`, one row per activation: `test_error`,
        `average_sparsity`, `dead_fraction`, `seconds`.
    """
    import keras
    import pandas as pd

    from sparserect.datasets import load_digits
    from sparserect.layers import build_network, sparsity_report

    data = load_digits()
    rows = []
    for activation in ACTIVATIONS:
        keras.utils.set_random_seed(seed)
        model = build_network(
            data.input_shape,
            data.num_classes,
            hidden_units=hidden_units,
            activation=activation,
            sign_trick=True,
            seed=seed,
        )
        model.compile(
            keras.optimizers.SGD(learning_rate),
            "sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        start = time.perf_counter()
        model.fit(
            data.train.x,
            data.train.y,
            batch_size=10,
            epochs=epochs,
            validation_data=(data.validation.x, data.validation.y),
            verbose=0,
        )
        seconds = time.perf_counter() - start
        _, accuracy = model.evaluate(data.test.x, data.test.y, verbose=0)
        report = sparsity_report(model, data.test.x)
        rows.append(
            {
                "activation": activation,
                "test_error": 1.0 - accuracy,
                "average_sparsity": report.attrs["average_sparsity"],
                "dead_fraction": report.attrs["dead_fraction"],
                "seconds": seconds,
            }
        )
        logger.info(
            "%-10s test error %5.2f%%  sparsity %5.1f%%  (%.1f s)",
            activation,
            100 * (1.0 - accuracy),
            100 * report.attrs["average_sparsity"],
            seconds,
        )
    return pd.DataFrame(rows)


def _run(args):
    results = run_demo(epochs=args.epochs, seed=args.seed)
    table = results.assign(
        test_error=lambda r: (100 * r.test_error).round(2),
        average_sparsity=lambda r: (100 * r.average_sparsity).round(1),
        dead_fraction=lambda r: (100 * r.dead_fraction).round(1),
        seconds=lambda r: r.seconds.round(1),
    ).rename(
        columns={
            "test_error": "test error (%)",
            "average_sparsity": "exact zeros (%)",
            "dead_fraction": "dead units (%)",
            "seconds": "fit (s)",
        }
    )
    print(
        "Digits (8x8, embedded), 3 hidden blocks of 1000 units, "
        f"{args.epochs} epochs of SGD, batch 10:\n"
    )
    print(table.to_string(index=False))
    print(
        "\nThe paper (MNIST): rectifier networks reach the error of tanh and "
        "softplus ones with 83.4% exact zeros; tanh and softplus give none."
    )
    return 0


def register(subparsers):
    """Adds `sparserect demo`."""
    parser = subparsers.add_parser(
        "demo",
        help="train rectifier, tanh and softplus networks on the embedded digits",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--epochs", type=int, default=20, help="epochs per network (default: 20)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.set_defaults(func=_run)
