"""The table of trial outcomes that `bench_pareto_oracle.py` looks up: a grid over the digits space.

Tabular hyperparameter-optimisation benchmarks (HPOBench, NAS-Bench) train
every configuration of a grid once and let the optimisers look the outcomes
up, so that hundreds of searches cost seconds. This script trains every
configuration of the grid below on the embedded 8x8 digits, as
`sparserect tune --dataset digits` would (`SparseNetworkHyperModel.build`
and `fit`, SGD, batch `BATCH_SIZE`, `EPOCHS` epochs, weights seeded with
`SEED`), and writes its validation accuracy and validation sparsity after
the last epoch to `results/benchmarks/digits_grid.csv`, one row per
configuration, and the machine, load and versions to
`results/benchmarks/digits_grid.json`.

The grid covers the space of `SPACE` (what `bench_pareto_oracle.py`
searches): three activations, the activation L1 coefficient (0, and log-
spaced values in [1e-5, 1e-2]), the learning rate (log-spaced in
[1e-4, 0.1]) and the depth (1 to 3), with 250 units and no sign trick.

Run from the project's root (about 20 minutes on two cores; an interrupted
run goes on where it stopped):

    python benchmarks/digits_grid.py
"""

import argparse
import itertools
import json
import os
import pathlib
import platform
import time

import keras
import keras_tuner
import numpy as np
import pandas as pd

from sparserect import datasets
from sparserect.tuning import SparseNetworkHyperModel

ROOT = pathlib.Path(__file__).resolve().parents[1]
TABLE = ROOT / "results" / "benchmarks" / "digits_grid.csv"

EPOCHS = 10
BATCH_SIZE = 20
SEED = 1
# The searched space: `SparseNetworkHyperModel` arguments.
SPACE = dict(units=250, sign_trick=False)
GRID = {
    "activation": ("rectifier", "tanh", "softplus"),
    "activation_l1": (0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2),
    "learning_rate": (1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1),
    "depth": (1, 2, 3),
}


def hyperparameters(activation, activation_l1, learning_rate, depth):
    """The `HyperParameters` of one grid point, as a search's trial would hold them."""
    hp = keras_tuner.HyperParameters()
    hp.Fixed("activation", activation)
    hp.Fixed("depth", depth)
    hp.Fixed("learning_rate", learning_rate)
    hp.Fixed("activation_l1_on", activation_l1 > 0)
    if activation_l1 > 0:
        hp.Fixed("activation_l1", activation_l1)
    return hp


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path, default=TABLE)
    args = parser.parse_args()
    data = datasets.load("digits")
    hypermodel = SparseNetworkHyperModel(data.input_shape, data.num_classes, seed=SEED, **SPACE)
    partial = args.output.with_suffix(".partial.csv")
    rows = pd.read_csv(partial).to_dict("records") if partial.exists() else []
    done = {tuple(row[name] for name in GRID) for row in rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    load_before = os.getloadavg()
    for point in itertools.product(*GRID.values()):
        if point in done:
            continue
        config = dict(zip(GRID, point))
        hp = hyperparameters(**config)
        keras.utils.set_random_seed(SEED)
        tick = time.perf_counter()
        model = hypermodel.build(hp)
        history = hypermodel.fit(
            hp, model, data.train.x, data.train.y,
            validation_data=(data.validation.x, data.validation.y),
            epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0,
        )  # fmt: skip
        accuracy = float(history.history["val_accuracy"][-1])
        sparsity = float(history.history["val_sparsity"][-1])
        rows.append(
            {
                **config,
                "val_accuracy": accuracy if np.isfinite(accuracy) else 0.0,
                "val_sparsity": sparsity if np.isfinite(sparsity) else 0.0,
                "seconds": round(time.perf_counter() - tick, 2),
            }
        )
        pd.DataFrame(rows).to_csv(partial, index=False)
        print(len(rows), config, rows[-1]["val_accuracy"], rows[-1]["val_sparsity"], flush=True)
    pd.DataFrame(rows).to_csv(args.output, index=False)
    partial.unlink()
    info = {
        "script": "benchmarks/digits_grid.py",
        "configurations": len(rows),
        "epochs": EPOCHS,
        "batch_size": BATCH_SIZE,
        "seed": SEED,
        "space": SPACE,
        "grid": GRID,
        "wall_seconds_this_run": round(time.time() - started),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "versions": {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "keras_tuner": keras_tuner.__version__,
            "numpy": np.__version__,
            **({"tensorflow": __import__("tensorflow").__version__}
               if keras.backend.backend() == "tensorflow" else {}),
        },
    }
    args.output.with_suffix(".json").write_text(json.dumps(info, indent=1) + "\n")


if __name__ == "__main__":
    main()
