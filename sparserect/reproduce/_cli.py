"""`sparserect reproduce`: the paper's experiments from the command line.

With no arguments it runs Table 1 on the embedded 8x8 digits (no download):
rectifier, tanh and softplus networks of 3 x 500 units, without and with
denoising auto-encoder pre-training, one seed, and prints the table beside
the paper's MNIST column. Results go to results/table1/.

Experiments: table1 (default), sparsity (Figure 3), softplus-sharpness, and
sentiment (bag-of-words reviews: rating RMSE on Amazon or your own rated
reviews, Amazon in-domain and cross-domain accuracy, rt-polarity).
"""

import argparse

DATASETS = ("digits", "mnist", "cifar10", "norb", "nistp", "mnist-p")
IMAGE_EXPERIMENTS = ("table1", "sparsity", "softplus-sharpness")

# The options that only some experiments read. The others would ignore them
# silently, so giving one to them stops the command instead.
OPTION_EXPERIMENTS = {
    "--dataset": IMAGE_EXPERIMENTS,
    "--seeds": ("table1", "softplus-sharpness"),
    "--first-seed": ("table1", "softplus-sharpness"),
    "--pretraining-epochs": ("table1", "sentiment"),
    "--pretraining-learning-rate": ("table1", "sentiment"),
    "--train-size": IMAGE_EXPERIMENTS,
    "--weight-decay": IMAGE_EXPERIMENTS,
    "--activations": ("table1",),
    "--pretraining": ("table1",),
    "--reconstruction": ("table1",),
    "--tanh-reconstruction": ("table1",),
    "--sign-trick": ("table1", "sparsity"),
    "--activation-l1": ("table1",),
    "--pretraining-activation-l1": ("table1",),
    "--ensemble": ("table1", "sparsity"),
    "--networks": ("sparsity",),
    "--l1-range": ("sparsity",),
    "--sharpness": ("softplus-sharpness",),
    "--tasks": ("sentiment",),
    "--models": ("sentiment",),
    "--folds": ("sentiment",),
    "--max-terms": ("sentiment",),
    "--ratings-dataset": ("sentiment",),
}


def _numbers(kind):
    def parse(text):
        return tuple(kind(value) for value in text.split(","))

    return parse


def _as_typed(flag, value):
    """`flag` with `value` as a user would type it, e.g. `--l1-range 0,0.01`."""
    if value is True:
        return flag
    if isinstance(value, tuple):
        items = (f"{item:g}" if isinstance(item, float) else str(item) for item in value)
        return f"{flag} {','.join(items)}"
    return f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}"


def _reject_ignored_options(args, parser):
    """Stops the command when it was given an option that its experiment does not read."""
    ignored = []
    for flag, used_by in OPTION_EXPERIMENTS.items():
        name = flag[2:].replace("-", "_")
        value = getattr(args, name)
        if args.experiment not in used_by and value != parser.get_default(name):
            ignored.append((flag, used_by, value))
    if ignored:
        uses = "; ".join(f"{flag} (only {', '.join(used_by)})" for flag, used_by, _ in ignored)
        raise ValueError(
            f"{args.experiment} does not use {uses}: "
            f"leave {'it' if len(ignored) == 1 else 'them'} out. Received: "
            + " ".join(_as_typed(flag, value) for flag, _, value in ignored)
        )


def _run(args, parser):
    import logging

    from sparserect import reproduce

    _reject_ignored_options(args, parser)
    logging.getLogger("sparserect").setLevel(logging.INFO)
    # TensorFlow warns when each configuration compiles its own functions.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if args.seeds < 1 or args.first_seed < 0:
        raise ValueError(
            "--seeds is a number of seeds, at least 1, and --first-seed a seed, at least 0. "
            f"Received: --seeds {args.seeds} --first-seed {args.first_seed}"
        )
    seeds = tuple(range(args.first_seed, args.first_seed + args.seeds))
    overrides = dict(
        epochs=args.epochs, learning_rates=args.learning_rates, hidden_units=args.hidden_units,
        patience=args.patience, min_epochs=args.min_epochs,
        selection_epochs=args.selection_epochs,
        pretraining_epochs=args.pretraining_epochs,
        pretraining_learning_rate=args.pretraining_learning_rate, train_size=args.train_size,
        weight_decay=args.weight_decay,
    )
    common = dict(out=args.out, resume=args.resume, data_dir=args.data_dir, quick=args.quick)
    if args.experiment == "table1":
        pretraining = {"both": (False, True), "none": (False,), "only": (True,)}[args.pretraining]
        reproduce.run_table1(
            args.dataset or "digits", activations=args.activations, pretraining=pretraining,
            seeds=seeds, reconstruction=args.reconstruction,
            tanh_reconstruction=args.tanh_reconstruction, sign_trick=args.sign_trick,
            activation_l1=args.activation_l1,
            pretraining_activation_l1=args.pretraining_activation_l1, ensemble=args.ensemble,
            **common, **overrides,
        )
        folder = "table1"
    elif args.experiment == "sparsity":
        reproduce.run_sparsity(
            args.dataset or "mnist", networks=args.networks, sign_trick=args.sign_trick,
            **({} if args.l1_range is None else {"l1_range": args.l1_range}),
            ensemble=args.ensemble, **common, **overrides,
        )
        folder = "sparsity"
    elif args.experiment == "sentiment":
        if args.hidden_units is not None and len(set(args.hidden_units)) != 1:
            raise ValueError(
                "sentiment: --hidden-units is the width of every hidden layer, one number "
                f"(the paper: 5000). Received: {','.join(map(str, args.hidden_units))}"
            )
        reproduce.run_sentiment(
            tasks=args.tasks, ratings_dataset=args.ratings_dataset, models=args.models,
            folds=args.folds, max_terms=args.max_terms,
            hidden_units=args.hidden_units and args.hidden_units[0],
            **common, **{
                k: v for k, v in overrides.items()
                if k not in ("hidden_units", "train_size", "weight_decay")
            },
        )
        folder = "sentiment"
    else:
        reproduce.run_softplus_sharpness(
            args.dataset or "norb", sharpness=args.sharpness, seeds=seeds, **common, **overrides,
        )
        folder = "softplus-sharpness"
    with open(f"{args.out}/{folder}/table.md", encoding="utf-8") as table:
        print(table.read())
    return 0


def register(subparsers):
    """Adds `sparserect reproduce`."""
    parser = subparsers.add_parser(
        "reproduce",
        help="reproduce the paper's experiments (default: Table 1 on the embedded digits)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "experiment", nargs="?", default="table1",
        choices=("table1", "sparsity", "softplus-sharpness", "sentiment"),
        help="which experiment (default: table1)",
    )
    parser.add_argument(
        "--dataset", choices=DATASETS,
        help="data set (default: digits for table1, mnist for sparsity, norb for softplus-sharpness)",
    )
    parser.add_argument("--data-dir", help="folder of the data set's files")
    parser.add_argument(
        "--seeds", type=int, default=1,
        help="number of seeds, FIRST..FIRST+N-1 (table1, softplus-sharpness; default: 1)",
    )
    parser.add_argument(
        "--first-seed", type=int, default=0,
        help="the first seed (default: 0); e.g. --first-seed 3 --seeds 2 runs seeds 3 and 4, "
        "to share seeds between machines, then --seeds 5 --resume in one folder tabulates all",
    )
    parser.add_argument("--epochs", type=int, help="most epochs of fine-tuning (default: the data set's preset)")
    parser.add_argument("--patience", type=int, help="early stopping patience in epochs")
    parser.add_argument(
        "--min-epochs", type=int,
        help="epochs of fine-tuning before which early stopping does not stop (a warm-up)",
    )
    parser.add_argument(
        "--learning-rates", type=_numbers(float),
        help="comma-separated candidate learning rates (paper: 0.1,0.01,0.001,0.0001)",
    )
    parser.add_argument(
        "--selection-epochs", type=int,
        help="compare the learning rates after this many epochs, then train the best one only",
    )
    parser.add_argument("--hidden-units", type=_numbers(int), help="comma-separated layer widths")
    parser.add_argument(
        "--pretraining-epochs", type=int, help="table1, sentiment: pre-training epochs per layer"
    )
    parser.add_argument(
        "--pretraining-learning-rate", type=_numbers(float),
        help="table1, sentiment: SGD learning rate of pre-training, or comma-separated "
        "candidates that each layer chooses from by reconstruction cost (default: the "
        "data set's preset: 0.001 for digits, 0.01 for the others)",
    )
    parser.add_argument(
        "--train-size", type=int,
        help="table1, sparsity, softplus-sharpness: train on a random subset of this size",
    )
    parser.add_argument("--out", default="results", help="results folder (default: results)")
    parser.add_argument(
        "--resume", action="store_true", help="keep the networks an interrupted run finished "
        "(with the same settings: a stored network of other settings is an error)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 learning rate, 3 epochs, 5,000 images")
    parser.add_argument(
        "--activations", type=_numbers(str), default=("rectifier", "tanh", "softplus"),
        help="table1: comma-separated activations (default: rectifier,tanh,softplus)",
    )
    parser.add_argument(
        "--pretraining", choices=("both", "none", "only"), default="both",
        help="table1: without and with pre-training (both), or one of them",
    )
    parser.add_argument(
        "--reconstruction", choices=("softplus_quadratic", "sigmoid_cross_entropy"),
        help="table1: pre-training reconstruction of rectifier and softplus "
        "(default: softplus_quadratic, the paper's strategy 1)",
    )
    parser.add_argument(
        "--tanh-reconstruction", choices=("cross_entropy", "tanh_cross_entropy"),
        default="cross_entropy",
        help="table1: pre-training reconstruction of tanh (default: cross_entropy, a sigmoid "
        "decoder; tanh_cross_entropy is the tanh decoder of the authors' code)",
    )
    parser.add_argument(
        "--sign-trick", action="store_true", help="table1, sparsity: flip the sign of half of the units"
    )
    parser.add_argument(
        "--weight-decay", type=float,
        help="table1, sparsity, softplus-sharpness: decay of the weight matrices in fine-tuning, "
        "an L2 penalty of weight_decay / 2 * sum(W ** 2) (default: 0, as the paper)",
    )
    parser.add_argument(
        "--activation-l1", type=float,
        help="table1: the activation L1 coefficient of every network (default: 0.001, "
        "or 0 for tanh: the paper's penalty is against unbounded activations)",
    )
    parser.add_argument(
        "--pretraining-activation-l1", type=float,
        help="table1: the activation L1 coefficient of pre-training alone (default: the "
        "same as fine-tuning, as the paper does)",
    )
    parser.add_argument(
        "--ensemble", action="store_true",
        help="table1, sparsity: train the networks without pre-training that differ only in "
        "seed and L1 coefficient as one vectorised ensemble (one fit; fast on a GPU)",
    )
    parser.add_argument("--networks", type=int, default=10, help="sparsity: number of networks (paper: 200)")
    parser.add_argument(
        "--l1-range", type=_numbers(float), metavar="LOW,HIGH",
        help="sparsity: the range of the networks' L1 coefficients (default: the paper's 0,0.01)",
    )
    parser.add_argument(
        "--sharpness", type=_numbers(float), default=(1.0, 1.3, 2.0, 3.0, 6.0),
        help="softplus-sharpness: comma-separated values of a",
    )
    parser.add_argument(
        "--tasks", type=_numbers(str), default=("ratings", "amazon", "polarity"),
        help="sentiment: comma-separated tasks (default: ratings,amazon,polarity)",
    )
    parser.add_argument(
        "--models", type=_numbers(str),
        help="sentiment: comma-separated models such as none,rectifier-3,tanh-3-pretrained "
        "(default: all seven for ratings; none,rectifier-3,rectifier-3-pretrained for amazon and polarity)",
    )
    parser.add_argument("--folds", type=int, help="sentiment: folds of cross-validation (paper: 10)")
    parser.add_argument("--max-terms", type=int, help="sentiment: bag-of-words size (paper: 5000)")
    parser.add_argument(
        "--ratings-dataset", choices=("amazon", "rated-reviews"), default="amazon",
        help="sentiment: the rated reviews of the ratings task (default: amazon; rated-reviews "
        "reads your own OpenTable-style reviews.csv from --data-dir)",
    )
    parser.set_defaults(func=lambda args: _run(args, parser))
