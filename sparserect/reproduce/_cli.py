"""`sparserect reproduce`: the paper's experiments from the command line.

With no arguments it runs Table 1 on the embedded 8x8 digits (no download):
rectifier, tanh and softplus networks of 3 x 500 units, without and with
denoising auto-encoder pre-training, one seed, and prints the table beside
the paper's MNIST column. Results go to results/table1/.

Experiments (sub-commands): table1 (default), sparsity (Figure 3),
softplus-sharpness, sentiment (bag-of-words reviews: rating RMSE on
Amazon or your own rated reviews, Amazon in-domain and cross-domain
accuracy, rt-polarity), and sparsity-target (MNIST networks trained to
a sparsity with `SparsityTarget`, against thresholds calibrated after
training). `--config NAME` starts from a named configuration
(`--list-configs` lists them), and each option changes one of its fields;
an experiment offers only the options it uses.
"""

import argparse
import re
import typing

from sparserect import config as config_lib

DATASETS = ("digits", "mnist", "cifar10", "norb", "nistp", "mnist-p")
# Each experiment (a sub-command) with the line that `--help` gives it.
EXPERIMENTS = {
    "table1": "Table 1: rectifier, tanh and softplus networks, without and with pre-training",
    "sparsity": "Figure 3: test error against exact sparsity, over a range of activation L1",
    "softplus-sharpness": "rescaled softplus networks, from smooth to the rectifier",
    "sentiment": "bag-of-words reviews: rating RMSE, Amazon and rt-polarity accuracy",
    "sparsity-target": "MNIST networks trained to a sparsity, against calibrated thresholds",
}

# The configuration fields each experiment reads (by `config_lib.flat_names()`);
# every one becomes an option.
TRAINING = ("learning_rates", "epochs", "patience", "min_epochs", "selection_epochs", "batch_size")
PRETRAINING = ("pretraining_epochs", "pretraining_learning_rate")
EXPERIMENT_FIELDS = {
    "table1": (
        "dataset", "train_size", "hidden_units", "activation_l1", "sign_trick", "weight_decay",
        *TRAINING, *PRETRAINING, "pretraining_noise", "pretraining_activation_l1",
    ),
    "sparsity": ("dataset", "train_size", "hidden_units", "sign_trick", "weight_decay", *TRAINING),
    "softplus-sharpness": ("dataset", "train_size", "hidden_units", "weight_decay", *TRAINING),
    "sentiment": ("hidden_units", *TRAINING, *PRETRAINING),
}


def _numbers(kind):
    def parse(text):
        return tuple(kind(value) for value in text.split(","))

    return parse


def _number_or_numbers(text):
    numbers = _numbers(float)(text)
    return numbers[0] if len(numbers) == 1 else numbers


def _field_help():
    """`{flat name: help}` from the `Args:` sections of the configuration classes."""
    helps = {}
    for prefix, kind in (("", config_lib.Config), ("", config_lib.Network),
                         ("", config_lib.FineTuning), ("pretraining_", config_lib.Pretraining)):
        args = kind.__doc__.split("Args:")[1]
        for name, text in re.findall(r"^ {8}(\w+): (.*?)(?=^ {8}\w+: |\Z)", args, re.M | re.S):
            helps[prefix + name] = " ".join(text.split())
    return helps


def _add_field_options(parser, names):
    """Adds one option per configuration field, typed after the field."""
    dotted, helps = config_lib.flat_names(), _field_help()
    for name in names:
        part, _, field = dotted[name].rpartition(".")
        kind = config_lib.PARTS[part] if part else config_lib.Config
        hint = typing.get_type_hints(kind)[field]
        flag = "--" + name.replace("_", "-")
        text = helps[name].replace("%", "%%")
        if hint is bool:
            parser.add_argument(flag, action="store_true", default=None, help=text)
        elif name == "dataset":
            parser.add_argument(flag, choices=DATASETS, help=text)
        elif hint is tuple:
            kind = int if name == "hidden_units" else float
            parser.add_argument(flag, type=_numbers(kind), help=f"comma-separated; {text}")
        elif typing.get_origin(hint) is not None and tuple in typing.get_args(hint):
            parser.add_argument(flag, type=_number_or_numbers, help=f"one or comma-separated; {text}")
        else:
            number = int if int in (hint, *typing.get_args(hint)) else float
            parser.add_argument(flag, type=number, help=text)


def _add_common_options(parser, experiment):
    parser.add_argument(
        "--config", metavar="NAME",
        help="start from this named configuration (see --list-configs); options change its fields",
    )
    parser.add_argument("--data-dir", help="folder of the data set's files")
    parser.add_argument("--out", default="results", help="results folder (default: results)")
    parser.add_argument(
        "--resume", action="store_true", help="keep the networks an interrupted run finished "
        "(with the same configuration: a stored network of another one is an error)",
    )
    quick = (
        "a smoke run: 64 units, 1 learning rate, 2 epochs, 2 folds, the 500 most frequent terms"
        if experiment == "sentiment" else "a smoke run: 1 learning rate, 3 epochs, 5,000 images"
    )
    parser.add_argument("--quick", action="store_true", help=quick)
    if experiment in ("table1", "softplus-sharpness"):
        parser.add_argument(
            "--seeds", type=int, default=1, help="number of seeds, FIRST..FIRST+N-1 (default: 1)"
        )
        parser.add_argument(
            "--first-seed", type=int, default=0,
            help="the first seed (default: 0); e.g. --first-seed 3 --seeds 2 runs seeds 3 and 4, "
            "to share seeds between machines, then --seeds 5 --resume in one folder tabulates all",
        )
    if experiment in ("table1", "sparsity", "softplus-sharpness"):
        parser.add_argument(
            "--ensemble", action="store_true",
            help="train the networks that differ only in seed and L1 coefficient, pre-trained "
            "or not, as one vectorised ensemble (one fit; fast on a GPU)",
        )
    _add_field_options(parser, EXPERIMENT_FIELDS[experiment])


def _add_experiment_options(parser, experiment):
    if experiment == "table1":
        parser.add_argument(
            "--activations", type=_numbers(str),
            help="comma-separated activations (default: rectifier,tanh,softplus, or the "
            "named configuration's cell)",
        )
        parser.add_argument(
            "--pretraining", choices=("both", "none", "only"),
            help="without and with pre-training (both, the default), or one of them",
        )
        parser.add_argument(
            "--reconstruction", choices=("softplus_quadratic", "sigmoid_cross_entropy"),
            help="pre-training reconstruction of rectifier and softplus "
            "(default: softplus_quadratic, the paper's strategy 1)",
        )
        parser.add_argument(
            "--tanh-reconstruction", choices=("cross_entropy", "tanh_cross_entropy"),
            default="cross_entropy",
            help="pre-training reconstruction of tanh (default: cross_entropy, a sigmoid "
            "decoder; tanh_cross_entropy is the tanh decoder of the authors' code)",
        )
    elif experiment == "sparsity":
        parser.add_argument("--networks", type=int, default=10, help="number of networks (paper: 200)")
        parser.add_argument(
            "--l1-range", type=_numbers(float), metavar="LOW,HIGH",
            help="the range of the networks' L1 coefficients (default: the paper's 0,0.01)",
        )
    elif experiment == "softplus-sharpness":
        parser.add_argument(
            "--sharpness", type=_numbers(float), default=(1.0, 1.3, 2.0, 3.0, 6.0),
            help="comma-separated values of a",
        )
    else:
        parser.add_argument(
            "--tasks", type=_numbers(str),
            help="comma-separated tasks (default: ratings,amazon,polarity, or the named "
            "configuration's task)",
        )
        parser.add_argument(
            "--models", type=_numbers(str),
            help="comma-separated models such as none,rectifier-3,tanh-3-pretrained (default: "
            "all seven for ratings; none,rectifier-3,rectifier-3-pretrained for amazon and polarity)",
        )
        parser.add_argument("--folds", type=int, help="folds of cross-validation (paper: 10)")
        parser.add_argument("--max-terms", type=int, help="bag-of-words size (paper: 5000)")
        parser.add_argument(
            "--ratings-dataset", choices=("amazon", "rated-reviews"), default="amazon",
            help="the rated reviews of the ratings task (default: amazon; rated-reviews "
            "reads your own OpenTable-style reviews.csv from --data-dir)",
        )


def _add_sparsity_target_options(parser):
    """`sparsity-target` is not built from a configuration: its options are its own."""
    parser.add_argument(
        "--targets", type=_numbers(float), default=(0.85, 0.90, 0.95),
        help="comma-separated exact-zero fractions to reach (default: 0.85,0.9,0.95)",
    )
    parser.add_argument("--epochs", type=int, default=15, help="epochs per network (default: 15)")
    parser.add_argument(
        "--hidden-units", type=_numbers(int), default=(1000, 1000, 1000),
        help="comma-separated layer widths (default: the paper's 1000,1000,1000)",
    )
    parser.add_argument(
        "--train-size", type=int, help="train on the first N training images (default: all)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the networks (default: 0)")
    parser.add_argument("--data-dir", help="folder of MNIST's files")
    parser.add_argument("--out", default="results", help="results folder (default: results)")


def _run_sparsity_target(args):
    """MNIST networks trained to each sparsity target, and calibrated thresholds."""
    from sparserect.reproduce.sparsity_target import run_sparsity_target

    out = f"{args.out}/sparsity-target"
    run_sparsity_target(
        out, targets=args.targets, epochs=args.epochs, hidden_units=args.hidden_units,
        train_examples=args.train_size, data_dir=args.data_dir, seed=args.seed,
    )
    print(f"Results and error_vs_sparsity.png in {out}/")
    return 0


def _run(args):
    import logging

    from sparserect import reproduce

    if args.list_configs:
        width = max(map(len, reproduce.CONFIGS))
        for name, named in reproduce.CONFIGS.items():
            print(f"{name:<{width}}  {named.differs}")
        return 0
    logging.getLogger("sparserect").setLevel(logging.INFO)
    if args.experiment == "sparsity-target":
        return _run_sparsity_target(args)
    # TensorFlow warns when each configuration compiles its own functions.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    common = dict(out=args.out, resume=args.resume, data_dir=args.data_dir, quick=args.quick)
    overrides = {name: getattr(args, name) for name in EXPERIMENT_FIELDS[args.experiment]}
    if args.experiment in ("table1", "softplus-sharpness"):
        if args.seeds < 1 or args.first_seed < 0:
            raise ValueError(
                "--seeds is a number of seeds, at least 1, and --first-seed a seed, at least 0. "
                f"Received: --seeds {args.seeds} --first-seed {args.first_seed}"
            )
        seeds = tuple(range(args.first_seed, args.first_seed + args.seeds))
    if args.experiment == "table1":
        pretraining = {"both": (False, True), "none": (False,), "only": (True,), None: None}
        reproduce.run_table1(
            config=args.config, activations=args.activations,
            pretraining=pretraining[args.pretraining], seeds=seeds,
            reconstruction=args.reconstruction, tanh_reconstruction=args.tanh_reconstruction,
            ensemble=args.ensemble, **common, **overrides,
        )
    elif args.experiment == "sparsity":
        reproduce.run_sparsity(
            config=args.config, networks=args.networks,
            **({} if args.l1_range is None else {"l1_range": args.l1_range}),
            ensemble=args.ensemble, **common, **overrides,
        )
    elif args.experiment == "sentiment":
        if args.hidden_units is not None and len(set(args.hidden_units)) != 1:
            raise ValueError(
                "sentiment: --hidden-units is the width of every hidden layer, one number "
                f"(the paper: 5000). Received: {','.join(map(str, args.hidden_units))}"
            )
        tasks = args.tasks
        if tasks is None and args.config is not None:
            tasks = (args.config.removeprefix("sentiment-"),)
        overrides["hidden_units"] = args.hidden_units and args.hidden_units[0]
        reproduce.run_sentiment(
            **({} if tasks is None else {"tasks": tasks}), ratings_dataset=args.ratings_dataset,
            config=args.config, models=args.models, folds=args.folds, max_terms=args.max_terms,
            **common, **overrides,
        )
    else:
        reproduce.run_softplus_sharpness(
            config=args.config, sharpness=args.sharpness, seeds=seeds, ensemble=args.ensemble,
            **common, **overrides,
        )
    with open(f"{args.out}/{args.experiment}/table.md", encoding="utf-8") as table:
        print(table.read())
    return 0


class _TableOneByDefault(argparse.ArgumentParser):
    """Reads `sparserect reproduce --option ...` as `sparserect reproduce table1 --option ...`."""

    def parse_known_args(self, args=None, namespace=None):
        args = list(args or ())
        if not args or args[0] not in (*EXPERIMENTS, "--list-configs", "-h", "--help"):
            args.insert(0, "table1")
        return super().parse_known_args(args, namespace)


def register(subparsers):
    """Adds `sparserect reproduce` and its sub-commands, one per experiment."""
    parser = subparsers.add_parser(
        "reproduce",
        help="reproduce the paper's experiments (default: Table 1 on the embedded digits)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.__class__ = _TableOneByDefault
    parser.add_argument(
        "--list-configs", action="store_true",
        help="print the named configurations, each with what differs from the paper",
    )
    experiments = parser.add_subparsers(
        dest="experiment", metavar="EXPERIMENT", parser_class=argparse.ArgumentParser
    )
    for experiment, summary in EXPERIMENTS.items():
        sub = experiments.add_parser(
            experiment, help=summary,
            description=f"{summary}. Options change the configuration's fields.",
        )
        if experiment == "sparsity-target":
            sub.description = "sparserect reproduce sparsity-target: " + _run_sparsity_target.__doc__
            _add_sparsity_target_options(sub)
            continue
        _add_common_options(sub, experiment)
        _add_experiment_options(sub, experiment)
    parser.set_defaults(func=_run, list_configs=False)
