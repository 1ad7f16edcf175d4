"""`sparserect tune`: a resumable, distributable hyperparameter search.

Only `argparse` is imported at start-up; Keras and keras-tuner load when the
command runs.
"""

import argparse
import sys

DESCRIPTION = """\
Search the paper's networks (activation, activation L1 coefficient including
0, learning rate, depth, width, sign trick) with keras-tuner, then write into
DIR/PROJECT/: pareto_front.csv and pareto_front.png (validation accuracy
against validation sparsity, every trial), best_model.keras and, on the
TensorFlow backend, best_model_savedmodel/; pareto_front.csv also gives the
hypervolume of the front after every trial. Running the same command again
resumes an interrupted search: finished trials are kept, the interrupted one
is run again. For a distributed search, run the same command as a chief and
as workers with KERASTUNER_TUNER_ID=chief|<worker id>, KERASTUNER_ORACLE_IP
and KERASTUNER_ORACLE_PORT set (see docs/tuning.md).
"""


def register(subparsers):
    """Adds the `tune` command."""
    parser = subparsers.add_parser(
        "tune",
        help="hyperparameter search with a Pareto front of accuracy and sparsity",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dataset", required=True, help="a data set name, e.g. mnist, digits")
    parser.add_argument("--data-dir", metavar="DIR", help="folder searched first for the data")
    parser.add_argument(
        "--tuner", choices=("random", "hyperband", "bayesian", "grid", "pareto"),
        default="random",
        help="pareto searches for the front of validation accuracy and sparsity "
        "itself (default: random)",
    )  # fmt: skip
    parser.add_argument(
        "--objective", choices=("accuracy", "sparsity", "constrained", "front"),
        help="val_accuracy, val_sparsity, or the sparsest model within --points of "
        "the best validation accuracy (default: accuracy); the pareto tuner takes "
        "front (its default: the whole front) or constrained (the front within "
        "--points of the best validation accuracy)",
    )  # fmt: skip
    parser.add_argument(
        "--max-trials", type=int, default=20, metavar="N",
        help="number of trials (hyperband ignores it: its budget is --epochs)",
    )  # fmt: skip
    parser.add_argument("--directory", default="tuning", metavar="DIR", help="folder of searches")
    parser.add_argument(
        "--project-name", metavar="NAME",
        help="the search's sub-folder (default: DATASET-TUNER-OBJECTIVE)",
    )  # fmt: skip
    parser.add_argument("--epochs", type=int, default=3, help="epochs per trial (default: 3)")
    parser.add_argument("--batch-size", type=int, default=100, help="default: 100")
    parser.add_argument(
        "--train-examples", type=int, metavar="N",
        help="train on a fixed random subset of N training examples",
    )  # fmt: skip
    parser.add_argument(
        "--points", type=float, default=1.0,
        help="accuracy tolerance of --objective constrained, in percentage points",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, default=1,
        help="seeds the subset, the search and the weights "
        "(default: 1; 0 draws a random search seed)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="start afresh instead of resuming"
    )
    space = parser.add_argument_group(
        "search space", "one value fixes a hyperparameter; two (LOW HIGH) or a list search it"
    )
    space.add_argument("--activation", nargs="+", metavar="NAME",
                       help="activations (default: rectifier tanh softplus)")
    space.add_argument("--activation-l1", nargs="+", type=float, metavar="X",
                       help="a coefficient (0 for none) or LOW HIGH, log scale "
                            "(default: 1e-5 1e-2, or exactly 0)")
    space.add_argument("--learning-rate", nargs="+", type=float, metavar="X",
                       help="a rate or LOW HIGH, log scale (default: 1e-4 0.1)")
    space.add_argument("--depth", nargs="+", type=int, metavar="N",
                       help="hidden layers, N or LOW HIGH (default: 1 3)")
    space.add_argument("--units", nargs="+", type=int, metavar="N",
                       help="widths to choose from (default: 250 500 1000)")
    space.add_argument("--sign-trick", choices=("search", "on", "off"), default="search")
    parser.set_defaults(func=run_tune)  # fmt: skip


def _space(args):
    """Returns the `SparseNetworkHyperModel` arguments that the user gave."""
    space = {
        name: values[0] if len(values) == 1 else tuple(values)
        for name in ("activation", "activation_l1", "learning_rate", "depth", "units")
        if (values := getattr(args, name)) is not None
    }
    space["sign_trick"] = {"search": (False, True), "on": True, "off": False}[args.sign_trick]
    return space


_SEARCH_ARGUMENTS = (
    "tuner", "objective", "max_trials", "epochs", "batch_size", "directory", "project_name",
    "data_dir", "train_examples", "points", "seed", "overwrite",
)  # fmt: skip


def run_tune(args):
    """Runs the search; prints the Pareto front; returns the exit status."""
    from sparserect.tuning import search

    result = search.run_search(
        args.dataset, **{name: getattr(args, name) for name in _SEARCH_ARGUMENTS}, **_space(args)
    )
    if result.frame is None:
        return 0
    out = sys.stdout
    front = result.frame[result.frame["on_front"]].sort_values("val_sparsity")
    out.write(f"\nPareto front ({len(front)} of {len(result.frame)} trials):\n")
    out.write(front.to_string(index=False, float_format=lambda v: f"{v:.4g}") + "\n")
    if result.best_trial_id is not None:
        out.write(
            f"\nBest trial {result.best_trial_id}: test accuracy {result.test_accuracy:.4f}, "
            f"test sparsity {result.test_sparsity:.4f}\n"
        )
    out.write(f"Results in {result.project_dir} ({result.seconds:.0f} s)\n")
    return 0
