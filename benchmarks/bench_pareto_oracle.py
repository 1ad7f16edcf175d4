"""Hypervolume of the accuracy-sparsity front found by six searches, on the tabulated digits.

Every search proposes settings of the digits space of `digits_grid.py`
(`SparseNetworkHyperModel` with three activations, the activation L1
coefficient including 0, the learning rate, the depth), and each trial's
outcome, validation accuracy and validation sparsity, is looked up in the
table `results/benchmarks/digits_grid.csv` at the nearest grid point
(log scale for the coefficient and the rate; a coefficient of 0 where
`activation_l1_on` is false). The searches:

- `pareto`: `sparserect.tuning.ParetoOracle` (both objectives);
- `random`: keras-tuner's `RandomSearchOracle`;
- `bayesian`: keras-tuner's `BayesianOptimizationOracle` on validation
  accuracy alone (its defaults);
- `optuna-nsga2`: Optuna's `NSGAIISampler` (both objectives, its
  defaults: a population of 50), and `optuna-nsga2-pop10` (a population
  of 10, so that it evolves within the budget);
- `optuna-motpe`: Optuna's `TPESampler` on both objectives (multi-objective
  TPE, its defaults).

The keras-tuner oracles run inside a keras-tuner `BaseTuner` whose
`run_trial` looks the outcome up, so they go through keras-tuner's own
trial loop. For each search and seed it records the hypervolume (reference
`(0, 0)`, `sparserect.tuning.hypervolume`) of the front of the first 10, 20,
30 and 50 trials, and writes

- `results/benchmarks/pareto_oracle_runs.csv`: one row per search, seed and
  budget;
- `results/benchmarks/pareto_oracle.md`: mean ± standard deviation over the
  seeds, with the machine, its load and the versions.

BLAS runs on one thread (`OPENBLAS_NUM_THREADS=1`, unless set): the
Gaussian processes of `pareto` and `bayesian` fit tiny matrices, and on a
busy machine OpenBLAS's threads made their fits more than ten times slower.

Needs Optuna (`pip install -e .[benchmarks]`). Run from the project's root:

    python benchmarks/bench_pareto_oracle.py --seeds 10
"""

import os

# Before NumPy is imported: BLAS reads its thread count then.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import logging
import math
import pathlib
import platform
import tempfile
import time

import keras_tuner
import numpy as np
import pandas as pd

from digits_grid import GRID, SPACE, TABLE
from sparserect.tuning import ParetoOracle, SparseNetworkHyperModel, hypervolume, objectives

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "benchmarks"
BUDGETS = (10, 20, 30, 50)
REFERENCE = (0.0, 0.0)
METHODS = ("pareto", "random", "bayesian", "optuna-nsga2", "optuna-nsga2-pop10", "optuna-motpe")


class Table:
    """Looks a setting's outcome up at the nearest point of the grid."""

    def __init__(self, path):
        frame = pd.read_csv(path)
        self.outcomes = {
            (row.activation, row.activation_l1, row.learning_rate, row.depth): (
                row.val_accuracy, row.val_sparsity,
            )  # fmt: skip
            for row in frame.itertuples()
        }
        self.front_hypervolume = hypervolume(frame[["val_accuracy", "val_sparsity"]], REFERENCE)

    def __call__(self, activation, activation_l1, learning_rate, depth):
        def nearest(values, value):
            logs = np.log10([v for v in values if v > 0])
            return 10 ** logs[np.argmin(np.abs(logs - math.log10(value)))]

        l1 = 0.0 if activation_l1 == 0 else nearest(GRID["activation_l1"], activation_l1)
        key = (activation, l1, nearest(GRID["learning_rate"], learning_rate), int(depth))
        close = [k for k in self.outcomes if k[0] == key[0] and k[3] == key[3]
                 and math.isclose(k[1], key[1]) and math.isclose(k[2], key[2])]  # fmt: skip
        return self.outcomes[close[0]]


class SpaceOnly(SparseNetworkHyperModel):
    """Declares the hyperparameters of `SparseNetworkHyperModel` without building a network."""

    def build(self, hp):
        self.depth_hp(hp)
        self.units_hp(hp)
        self.activation_hp(hp)
        self.activation_l1_hp(hp)
        self.sign_trick_hp(hp)
        self.learning_rate_hp(hp)


class TableTuner(keras_tuner.engine.base_tuner.BaseTuner):
    """A keras-tuner tuner whose trials are looked up in a `Table`."""

    def __init__(self, table, **kwargs):
        super().__init__(**kwargs)
        self.table = table

    def run_trial(self, trial, **kwargs):
        values = trial.hyperparameters.values
        l1 = values.get("activation_l1", 0.0) if values["activation_l1_on"] else 0.0
        accuracy, sparsity = self.table(
            values["activation"], l1, values["learning_rate"], values["depth"]
        )
        metrics = {"val_accuracy": accuracy, "val_sparsity": sparsity}
        # keras-tuner wants the objective's own name among the results.
        metrics[self.oracle.objective.name] = self.oracle.objective.get_value(metrics)
        return metrics


def keras_tuner_outcomes(method, table, seed, trials):
    both = [objectives.VAL_ACCURACY, objectives.VAL_SPARSITY]
    if method == "pareto":
        oracle = ParetoOracle(max_trials=trials, seed=seed + 1)
    elif method == "random":
        oracle = keras_tuner.oracles.RandomSearchOracle(
            objective=both, max_trials=trials, seed=seed + 1
        )
    else:
        oracle = keras_tuner.oracles.BayesianOptimizationOracle(
            objective=objectives.VAL_ACCURACY, max_trials=trials, seed=seed + 1
        )
    with tempfile.TemporaryDirectory() as folder:
        tuner = TableTuner(
            table, oracle=oracle, hypermodel=SpaceOnly((8, 8, 1), 10, **SPACE),
            directory=folder, project_name="bench",
        )  # fmt: skip
        tuner.search(verbose=0)
        trials = [oracle.trials[i] for i in sorted(oracle.trials)]
        return [
            (t.metrics.get_last_value("val_accuracy"), t.metrics.get_last_value("val_sparsity"))
            for t in trials
        ]


def optuna_outcomes(method, table, seed, trials):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if method == "optuna-motpe":
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        population = 10 if method.endswith("pop10") else 50
        sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=population)
    study = optuna.create_study(directions=["maximize", "maximize"], sampler=sampler)

    def objective(trial):
        activation = trial.suggest_categorical("activation", list(GRID["activation"]))
        on = trial.suggest_categorical("activation_l1_on", [False, True])
        l1 = trial.suggest_float("activation_l1", 1e-5, 1e-2, log=True) if on else 0.0
        rate = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
        depth = trial.suggest_int("depth", 1, 3)
        return table(activation, l1, rate, depth)

    study.optimize(objective, n_trials=trials)
    return [tuple(t.values) for t in study.trials]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    args = parser.parse_args()
    logging.getLogger("sparserect").setLevel(logging.WARNING)
    table = Table(TABLE)
    rows = []
    load_before = os.getloadavg()
    for method in args.methods:
        for seed in range(args.seeds):
            started = time.perf_counter()
            run = optuna_outcomes if method.startswith("optuna") else keras_tuner_outcomes
            outcomes = np.array(run(method, table, seed, max(BUDGETS)), dtype=float)
            seconds = time.perf_counter() - started
            for budget in BUDGETS:
                rows.append(
                    {
                        "method": method, "seed": seed, "trials": budget,
                        "hypervolume": hypervolume(outcomes[:budget], REFERENCE),
                        "seconds_whole_run": round(seconds, 2),
                    }
                )  # fmt: skip
            print(method, seed, f"{rows[-1]['hypervolume']:.4f}", f"{seconds:.1f} s", flush=True)
    load_after = os.getloadavg()
    runs = pd.DataFrame(rows)
    runs.to_csv(OUT / "pareto_oracle_runs.csv", index=False)
    summary = runs.groupby(["method", "trials"])["hypervolume"].agg(["mean", "std"]).reset_index()
    table_md = summary.pivot(index="method", columns="trials", values="mean").loc[args.methods]
    stds = summary.pivot(index="method", columns="trials", values="std").loc[args.methods]
    seconds = runs.groupby("method")["seconds_whole_run"].mean().loc[args.methods]
    lines = [
        "# Hypervolume of the accuracy-sparsity front on the tabulated digits",
        "",
        "Written by `python benchmarks/bench_pareto_oracle.py "
        f"--seeds {args.seeds}`. Trial outcomes are looked up in "
        "`results/benchmarks/digits_grid.csv` (`benchmarks/digits_grid.py`: every grid "
        "point trained once on the digits); no network is trained here.",
        "",
        f"Hypervolume (reference (0, 0); the whole table's front: "
        f"{table.front_hypervolume:.4f}) after N trials, mean ± standard deviation "
        f"over {args.seeds} seeds:",
        "",
        "| search | " + " | ".join(f"{b} trials" for b in BUDGETS) + " | s per search |",
        "|---|" + "---|" * (len(BUDGETS) + 1),
    ]
    for method in args.methods:
        cells = [f"{table_md.loc[method, b]:.4f} ± {stds.loc[method, b]:.4f}" for b in BUDGETS]
        lines.append(f"| {method} | " + " | ".join(cells) + f" | {seconds[method]:.1f} |")
    import optuna
    import sklearn

    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
        f"load average (1, 5, 15 min) {tuple(round(v, 2) for v in load_before)} before, "
        f"{tuple(round(v, 2) for v in load_after)} after (the machine is shared).",
        f"BLAS threads: OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}.",
        f"Versions: Python {platform.python_version()}, keras-tuner {keras_tuner.__version__}, "
        f"Optuna {optuna.__version__}, scikit-learn {sklearn.__version__}, NumPy {np.__version__}.",
    ]
    (OUT / "pareto_oracle.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
