"""The paper's sentiment experiments (Section 4.2): bag-of-words reviews, ratings and polarity.

Three tasks, each a function of this module and a part of `sparserect
reproduce sentiment`:

- `ratings`: the OpenTable protocol on any rated reviews (here Amazon's
  1, 2, 4 and 5 stars): k-fold cross-validated RMSE of the expected star
  value under the softmax, and the hidden layers' exact sparsity, for no
  hidden layer, 1 or 3 rectifier layers and 3 tanh layers, without and with
  denoising pre-training;
- `amazon`: polarity accuracy on the four Amazon domains, in-domain
  (cross-validated inside each domain) and cross-domain (trained on one,
  tested on another: 12 pairs), beside scikit-learn's logistic regression
  on the same features;
- `polarity`: accuracy on the rt-polarity sentences, beside the same
  baseline.

Each task starts from a `sparserect.config.Config`, by default its named
configuration `sentiment-<task>` (`configs.CONFIGS`), and each model
derives its network's configuration from it (`TextModel.config`). Every
network is trained by `train_configuration` (plain SGD, batch 10, early
stopping on a validation tenth of its training data) on the binary presence
of the `max_terms` most frequent terms of its training texts.

Example:

>>> from sparserect.reproduce import sentiment
>>> config = sentiment.TextModel.parse("tanh-1-pretrained").config(
...     sentiment.task_config("polarity"))
>>> config.network.hidden_units, config.pretraining.reconstruction
((5000,), 'cross_entropy')
"""

import dataclasses
import functools
import logging
import math
import pathlib
import time
import warnings

import numpy as np
import pandas as pd

from sparserect import datasets
from sparserect import layers
from sparserect._checks import is_int
from sparserect.config import Config
from sparserect.reproduce import configs
from sparserect.reproduce import paper
from sparserect.reproduce import plots
from sparserect.reproduce import results as results_lib
from sparserect.reproduce import runner
from sparserect.reproduce.training import configuration_arguments
from sparserect.reproduce.training import train_configuration

logger = logging.getLogger(__name__)

TASKS = ("ratings", "amazon", "polarity")
RATINGS_MODELS = (
    "none", "rectifier-1", "rectifier-1-pretrained", "rectifier-3",
    "rectifier-3-pretrained", "tanh-3", "tanh-3-pretrained",
)
POLARITY_MODELS = ("none", "rectifier-3", "rectifier-3-pretrained")
BASELINE = "logistic regression"
BASELINE_C_VALUES = (0.01, 0.1, 1.0, 10.0)
VALIDATION_FRACTION = 0.1
# The experiment's options beside the configuration (the paper: 10 folds,
# 5,000 terms), and their `quick=True` values.
FOLDS = 10
MAX_TERMS = 5000
QUICK_FOLDS = 2
QUICK_MAX_TERMS = 500
# `quick=True` also makes the networks small: `configs.quick`, with 64 units
# per layer and 2 epochs.
QUICK_HIDDEN_UNITS = 64
QUICK_EPOCHS = 2


@dataclasses.dataclass(frozen=True)
class TextModel:
    """One model of the sentiment experiments, named like `"rectifier-3-pretrained"`.

    `"none"` is the softmax on the bag-of-words (no hidden layer); otherwise
    `<activation>-<layers>`, optionally `-pretrained`.
    """

    activation: str | None
    layers: int
    pretrained: bool = False

    @classmethod
    def parse(cls, name):
        if name == "none":
            return cls(None, 0)
        architecture = name.removesuffix("-pretrained")
        parts = architecture.split("-")
        if len(parts) != 2 or not parts[1].isdigit() or int(parts[1]) < 1:
            raise ValueError(
                "A text model is 'none' or '<activation>-<layers>[-pretrained]', "
                f"e.g. 'rectifier-3-pretrained'. Received: model={name!r}"
            )
        return cls(parts[0], int(parts[1]), architecture != name)

    @property
    def architecture(self):
        """The name without pre-training: the key of the paper's numbers."""
        return "none" if self.activation is None else f"{self.activation}-{self.layers}"

    @property
    def name(self):
        return self.architecture + ("-pretrained" if self.pretrained and self.activation else "")

    def config(self, base):
        """This model's network configuration, derived from a task's `base` `Config`.

        `layers` hidden layers as wide as `base`'s first, this activation,
        `base`'s activation L1 coefficient (its first layer's) on the first
        layer only. Pre-training only for `-pretrained` models: `base`'s,
        with one noise rate per layer (its last repeated; the first layer's
        salt-and-pepper noise sets its salt probability from the inputs, see
        `training.configuration_arguments`), and the cross-entropy
        reconstruction for tanh.

        Args:
            base: A `sparserect.config.Config`, e.g. `task_config("ratings")`.
        """
        network = base.network
        if self.activation is None:
            config = base.replace(hidden_units=(), activation_l1=0.0)
        else:
            l1 = network.activation_l1
            first = l1[0] if isinstance(l1, tuple) else l1
            config = base.replace(
                activation=self.activation,
                hidden_units=(network.hidden_units[0],) * self.layers,
                activation_l1=(first,) + (0.0,) * (self.layers - 1),
            )
        if not self.pretrained:
            return dataclasses.replace(config, pretraining=None)
        if base.pretraining is None:
            raise ValueError(
                f"The model {self.name!r} is pre-trained, but its configuration has no "
                f"`pretraining`. Received: base={base!r}"
            )
        noise = base.pretraining.noise
        if isinstance(noise, tuple):
            noise = (noise + (noise[-1],) * self.layers)[:self.layers]
        return config.replace(
            pretraining_noise=noise,
            pretraining_reconstruction="cross_entropy" if self.activation == "tanh" else None,
        )


def quick_config(config):
    """A task's configuration as a smoke run: `configs.quick` with small text networks.

    64 units per layer, 2 epochs (one learning rate, 0.1; patience 2; 1
    pre-training epoch) and every training text (`train_size` kept).

    Args:
        config: A `sparserect.config.Config`.
    """
    small = configs.quick(config).replace(
        epochs=QUICK_EPOCHS, hidden_units=(QUICK_HIDDEN_UNITS,) * len(config.network.hidden_units)
    )
    return dataclasses.replace(small, train_size=config.train_size)


def task_config(task, config=None, *, quick=False, **overrides):
    """The base configuration of a task: a named or given `Config`, then changes.

    Args:
        task: One of `TASKS`.
        config: `None` for the named configuration `sentiment-<task>`, a name
            of `configs.CONFIGS`, or a `sparserect.config.Config`.
        quick: Whether to make it a smoke run (`quick_config`).
        **overrides: Fields by their `sparserect.config.flat_names()`;
            `hidden_units` may be one int, the width of every layer. `None`
            values are ignored.
    """
    if task not in TASKS:
        raise ValueError(f"`task` must be one of {TASKS}. Received: task={task!r}")
    if config is None or isinstance(config, str):
        config = configs.get(config or f"sentiment-{task}").config
    elif not isinstance(config, Config):
        raise ValueError(
            "`config` must be None, a configuration name or a `sparserect.config.Config`. "
            f"Received: config={config!r}"
        )
    if quick:
        config = quick_config(config)
    width = overrides.get("hidden_units")
    if isinstance(width, int):
        overrides["hidden_units"] = (width,) * len(config.network.hidden_units)
    return config.replace(**overrides)


def SentimentSettings(**fields):  # noqa: N802 - the deprecated class's name
    """Deprecated: the sentiment experiments take a `sparserect.config.Config`.

    Returns the `sentiment-ratings` configuration with `fields` replaced
    (`hidden_units` as one width); `folds`, `max_terms` and `seed` are now
    keywords of `run_sentiment` and `run_ratings`, and an error here.
    """
    warnings.warn(
        "`SentimentSettings` is deprecated and will be removed in the next release: pass "
        "`config=` (a configuration name such as 'sentiment-ratings' or a "
        "`sparserect.config.Config`) and `folds=`, `max_terms=`, `seed=` to `run_sentiment`.",
        DeprecationWarning,
        stacklevel=2,
    )
    options = sorted({"folds", "max_terms", "seed"} & set(fields))
    if options:
        raise ValueError(
            f"{options} are not configuration fields: pass them to `run_sentiment` (or "
            f"`run_ratings`, `run_amazon`, `run_polarity`). Received: fields={fields!r}"
        )
    return task_config("ratings", **fields)


def bag_of_words_dataset(
    name, texts, labels, class_names, train_rows, test_rows, *, max_terms=MAX_TERMS, seed=0
):
    """A `Dataset` for one fold: a tenth of `train_rows` for validation (at least one
    example per class), `test_rows` to test.

    The vocabulary (the `max_terms` most frequent terms) is learned on the
    texts of `train_rows` only; `seed` draws the validation rows.
    """
    from sklearn.model_selection import train_test_split

    # At least one validation example per class, which stratification needs.
    size = max(math.ceil(VALIDATION_FRACTION * len(train_rows)), len(np.unique(labels[train_rows])))
    inner, validation = train_test_split(
        train_rows, test_size=size, stratify=labels[train_rows], random_state=seed
    )
    vectorizer = datasets.BinaryBagOfWords(max_terms).fit(texts[train_rows])

    def split(rows):
        return datasets.Split(vectorizer.transform(texts[rows]), labels[rows], texts=texts[rows])

    return datasets.Dataset(
        name, split(np.sort(inner)), split(np.sort(validation)), split(np.sort(test_rows)),
        tuple(class_names), vectorizer=vectorizer,
    )


def logistic_regression(dataset, c_values=BASELINE_C_VALUES, seed=0, measure=None):
    """scikit-learn's logistic regression on a data set's features, `C` chosen on its validation split.

    Returns a dict like `train_configuration`'s: `test_error`,
    `validation_error`, `C`, `wall_time`, and `measure(predict)`'s entries.
    """
    from sklearn.linear_model import LogisticRegression

    def fit(c):
        classifier = LogisticRegression(C=c, max_iter=2000, random_state=seed)
        classifier.fit(dataset.train.x, dataset.train.y)
        return 1.0 - classifier.score(dataset.validation.x, dataset.validation.y), c, classifier

    start = time.perf_counter()
    # The first C of the lowest validation error.
    error, c, classifier = min(map(fit, c_values), key=lambda fitted: fitted[0])
    result = {
        "model": BASELINE, "C": c, "validation_error": error,
        "test_error": 1.0 - classifier.score(dataset.test.x, dataset.test.y),
    }
    if measure is not None:
        result.update(measure(classifier.predict))
    result["wall_time"] = time.perf_counter() - start
    return result


def _trainer(name, make, config, seed, rating_values=None, measure=None):
    """`run()`: trains a model name or the baseline on `make()`; returns its result, to which
    `measure(predicted test classes)` adds entries."""

    def run():
        dataset = make()
        x = dataset.test.x
        if name == BASELINE:
            bound = None if measure is None else (lambda predict: measure(predict(x)))
            return logistic_regression(dataset, seed=seed, measure=bound)
        model = TextModel.parse(name)
        rating = {} if rating_values is None else {
            "metrics": (layers.ExpectedRatingRMSE(rating_values),), "monitor": "val_rmse",
        }
        bound = None if measure is None else (
            lambda network: measure(np.argmax(network.predict(x, batch_size=1000, verbose=0), -1))
        )
        result = train_configuration(
            dataset, **configuration_arguments(dataset, model.config(config), seed=seed),
            label=model.name, **rating, measure=bound,
        )
        result.update(model=model.name, input_sparsity=1.0 - datasets.nonzero_fraction(x))
        return result

    return run


def _run_all(directory, jobs, resume, config, record):
    """Runs `(key, model name, run)` jobs with `runner.run_jobs`; returns their results.

    Each result stores `record` (seed and options) and its model's
    configuration: a network's `TextModel.config` (`to_dict()`), the
    baseline's own; `resume` refuses stored results of another one
    (`runner.check_resumable`).
    """

    def stored(name):
        if name == BASELINE:
            return {"model": BASELINE, "dataset": config.dataset, "c_values": BASELINE_C_VALUES}
        return TextModel.parse(name).config(config).to_dict()

    records = {key: {"config": stored(name), **record} for key, name, _ in jobs}
    store = results_lib.RunStore(directory)
    if resume:
        runner.check_resumable(store, records)
    runs = [(key, run) for key, _, run in jobs]
    return runner.run_jobs(store, runs, resume=resume, records=records)


def _jobs(key, names, build, config, seed, **trainer):
    """One `(key, model name, run)` job per model name (`{}` in `key`), all on the data set
    `build()`, built once, by the first job that runs."""
    make = functools.cache(build)
    return [
        (key.format(name.replace(" ", "_")), name, _trainer(name, make, config, seed, **trainer))
        for name in names
    ]


def _folds(labels, count, seed):
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=count, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(labels)), labels))


def _base(task, config, dataset, folds, max_terms, seed):
    """The task's configuration for `dataset` (`config.dataset` its name), the record of the
    seed and options stored with each result (`folds` is `None` without cross-validation),
    and `dataset`'s three splits pooled: `{field: array}` of its texts, y, ratings, domains.
    """
    for name, value, minimum in (("folds", folds, 2), ("max_terms", max_terms, 1)):
        if (value is not None or name != "folds") and (not is_int(value) or value < minimum):
            raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")
    config = dataclasses.replace(task_config(task, config), dataset=dataset.name)
    splits = (dataset.train, dataset.validation, dataset.test)
    pooled = {
        field: np.concatenate([getattr(split, field) for split in splits])
        for field in ("texts", "y", "ratings", "domains") if getattr(dataset.train, field) is not None
    }
    options = {"folds": folds, "max_terms": max_terms, "examples": len(pooled["y"])}
    return config, {"seed": seed, "options": options}, pooled


def run_ratings(
    reviews, models=RATINGS_MODELS, config=None, directory="results/sentiment", resume=False,
    *, folds=FOLDS, max_terms=MAX_TERMS, seed=0,
):
    """k-fold RMSE of the expected rating and hidden-layer sparsity per model; returns the summary.

    Args:
        reviews: A text `Dataset` with `ratings` (e.g. `load_amazon(...,
            max_terms=None)` or `load_rated_reviews(...)`); its three splits
            are pooled and cross-validated.
        models: Model names (`TextModel`).
        config: The task's configuration, from which each model derives its
            own (`TextModel.config`): `None` for `sentiment-ratings`, a name
            of `configs.CONFIGS` or a `sparserect.config.Config`.
        directory: The experiment's folder.
        resume: Whether to keep the results stored by an interrupted run; a
            `ValueError` naming the differing fields if one was trained with
            another configuration or options.
        folds: Int >= 2, folds of cross-validation (paper: 10).
        max_terms: Int >= 1, the bag-of-words size (paper: 5000).
        seed: Int >= 0, seeds the folds, the validation rows and the networks.
    """
    if reviews.train.ratings is None:
        raise ValueError(
            "The ratings task needs numeric ratings (the RMSE of the expected rating); "
            f"{reviews.name!r} has the class names {reviews.class_names}. Received: "
            f"reviews={reviews!r}"
        )
    config, record, pooled = _base("ratings", config, reviews, folds, max_terms, seed)
    rating_values = tuple(float(v) for v in np.unique(pooled["ratings"]))
    labels = np.searchsorted(rating_values, pooled["ratings"]).astype("int64")
    class_names = tuple(f"{v:g}" for v in rating_values)
    data = functools.partial(
        bag_of_words_dataset, reviews.name, pooled["texts"], labels, class_names,
        max_terms=max_terms, seed=seed,
    )
    names = [TextModel.parse(name).name for name in models]
    jobs = [
        job for fold, rows in enumerate(_folds(labels, folds, seed))
        for job in _jobs(f"ratings-{{}}-fold{fold}", names, functools.partial(data, *rows),
                         config, seed, rating_values=rating_values)
    ]
    outcomes = _run_all(directory, jobs, resume, config, record)
    frame = pd.DataFrame([{
        "model": r["model"], "fold": int(r["key"].rsplit("fold", 1)[1]), "test_rmse": r["test_rmse"],
        "test_error": r["test_error"], "validation_rmse": r["validation_error"],
        "sparsity": r["input_sparsity"] if r["average_sparsity"] is None else r["average_sparsity"],
        "learning_rate": r["learning_rate"], "best_epoch": r["best_epoch"],
        "epochs_run": r["epochs_run"], "wall_time": r["wall_time"],
    } for r in outcomes])
    results_lib.write_csv(pathlib.Path(directory) / "ratings.csv", frame)
    rows = []
    for name in models:
        model, runs = TextModel.parse(name), frame[frame["model"] == TextModel.parse(name).name]
        reference = paper.OPENTABLE_RMSE.get(model.architecture) if model.pretrained or model.layers == 0 else None
        if model.name == "rectifier-3":
            paper_rmse = f">= {paper.OPENTABLE_RECTIFIER_3_NO_PRETRAINING_FLOOR}"
        else:
            paper_rmse = "" if reference is None else f"{reference[0]:.3f} ± {reference[1]:.3f}"
        rows.append({
            "model": model.architecture, "pre-training": "yes" if model.pretrained else "no",
            "RMSE (ours)": results_lib.mean_std(runs["test_rmse"], digits=3),
            "sparsity (%, ours)": results_lib.mean_std(runs["sparsity"], 100, 1),
            "RMSE (paper, OpenTable)": paper_rmse,
            "sparsity (%, paper)": "" if reference is None else f"{100 * reference[2]:.1f}",
            "test error (%, ours)": results_lib.mean_std(runs["test_error"], 100, 1),
            "folds": len(runs), "wall time (s)": round(float(runs["wall_time"].sum())),
            "rmse_mean": runs["test_rmse"].mean(), "rmse_std": runs["test_rmse"].std(ddof=0),
            "paper_rmse": None if reference is None else reference[0],
        })
    summary = pd.DataFrame(rows)
    results_lib.write_csv(pathlib.Path(directory) / "ratings_summary.csv", summary)
    plots.plot_ratings(summary, reviews.name, pathlib.Path(directory) / "ratings.png")
    return summary


def run_amazon(
    reviews, models=POLARITY_MODELS, config=None, directory="results/sentiment", resume=False,
    *, folds=FOLDS, max_terms=MAX_TERMS, seed=0,
):
    """In-domain (k-fold inside each domain) and cross-domain (12 pairs) accuracy; returns the frame.

    Each network of `models` and the logistic-regression baseline is trained
    on the same folds and features. Cross-domain: one model per source
    domain (a tenth held out for validation), tested on each other domain.

    Args:
        reviews: The Amazon `Dataset` (`load_amazon(..., max_terms=None)`).
        models: As `run_ratings`.
        config: As `run_ratings` (`None`: `sentiment-amazon`).
        directory: As `run_ratings`.
        resume: As `run_ratings`.
        folds: As `run_ratings`.
        max_terms: As `run_ratings`.
        seed: As `run_ratings`.

    Returns:
        A `DataFrame`, one row per model, setting (`"in-domain"`,
        `"cross-domain"`), source, target and fold, with `accuracy`.
    """
    config, record, pooled = _base("amazon", config, reviews, folds, max_terms, seed)
    texts, labels, domains = pooled["texts"], pooled["y"], pooled["domains"]
    names = [TextModel.parse(name).name for name in models] + [BASELINE]
    jobs = []
    for source in sorted(set(domains)):
        data = functools.partial(
            bag_of_words_dataset, f"amazon-{source}", texts, labels, reviews.class_names,
            max_terms=max_terms, seed=seed,
        )
        rows = np.flatnonzero(domains == source)
        for fold, (train_at, test_at) in enumerate(_folds(labels[rows], folds, seed)):
            build = functools.partial(data, rows[train_at], rows[test_at])
            jobs += _jobs(f"amazon-in-{source}-{{}}-fold{fold}", names, build, config, seed)
        targets = [t for t in sorted(set(domains)) if t != source]
        others = np.flatnonzero(domains != source)
        measure = _per_target_accuracy(labels[others], domains[others], targets)
        build = functools.partial(data, rows, others)
        jobs += _jobs(f"amazon-cross-{source}-{{}}", names, build, config, seed, measure=measure)
    outcomes = _run_all(directory, jobs, resume, config, record)
    records = []
    for result in outcomes:
        _, setting, source = result["key"].split("-")[:3]
        if setting == "in":
            records.append({"model": result["model"], "setting": "in-domain", "source": source,
                            "target": source, "fold": int(result["key"].rsplit("fold", 1)[1]),
                            "accuracy": 1.0 - result["test_error"], "wall_time": result["wall_time"]})
        else:
            records.extend({"model": result["model"], "setting": "cross-domain", "source": source,
                            "target": target, "fold": None, "accuracy": accuracy,
                            "wall_time": result["wall_time"]}
                           for target, accuracy in result["target_accuracy"].items())
    frame = pd.DataFrame(records)
    results_lib.write_csv(pathlib.Path(directory) / "amazon.csv", frame)
    plots.plot_amazon(frame, pathlib.Path(directory) / "amazon.png")
    return frame


def _per_target_accuracy(labels, domains, targets):
    """A `measure(predicted)`: the accuracy on each target domain of a cross-domain test set."""

    def measure(predicted):
        return {"target_accuracy": {
            target: float(np.mean(predicted[domains == target] == labels[domains == target]))
            for target in targets
        }}

    return measure


def run_polarity(
    sentences, models=POLARITY_MODELS, config=None, directory="results/sentiment", resume=False,
    *, max_terms=MAX_TERMS, seed=0,
):
    """Accuracy on a polarity data set's test split, networks beside the baseline; returns the frame.

    Args:
        sentences: A text `Dataset` in its own train / validation / test
            split (e.g. `load_rt_polarity(..., max_terms=None)`).
        models: As `run_ratings`.
        config: As `run_ratings` (`None`: `sentiment-polarity`).
        directory: As `run_ratings`.
        resume: As `run_ratings`.
        max_terms: As `run_ratings`.
        seed: As `run_ratings`.
    """
    config, record, pooled = _base("polarity", config, sentences, None, max_terms, seed)
    texts, labels = pooled["texts"], pooled["y"]
    train_rows = np.arange(len(sentences.train) + len(sentences.validation))
    test_rows = np.arange(len(train_rows), len(texts))
    build = functools.partial(
        bag_of_words_dataset, sentences.name, texts, labels, sentences.class_names, train_rows,
        test_rows, max_terms=max_terms, seed=seed,
    )
    names = [TextModel.parse(name).name for name in models] + [BASELINE]
    jobs = _jobs("polarity-{}", names, build, config, seed)
    outcomes = _run_all(directory, jobs, resume, config, record)
    frame = pd.DataFrame([{
        "model": r["model"], "accuracy": 1.0 - r["test_error"],
        "sparsity": r.get("average_sparsity") if r.get("average_sparsity") is not None else r.get("input_sparsity"),
        "wall_time": r["wall_time"],
    } for r in outcomes])
    results_lib.write_csv(pathlib.Path(directory) / "polarity.csv", frame)
    return frame


def sentiment_markdown(ratings=None, amazon=None, polarity=None, ratings_name="amazon"):
    """The Markdown report of whichever tasks ran, with the paper's numbers beside ours."""
    parts = ["# Sentiment (Glorot et al. 2011, Section 4.2)\n"]
    if ratings is not None:
        shown = ratings.drop(columns=["rmse_mean", "rmse_std", "paper_rmse"])
        parts += [
            f"## Ratings: RMSE of the expected star value ({ratings_name}, "
            f"{int(ratings['folds'].max())}-fold cross-validation)\n",
            "The paper's columns are OpenTable restaurant reviews (not public; 1 to 5 "
            "stars), ours another data set: compare the models' order, not the values.\n",
            results_lib.markdown_table(shown),
        ]
    if amazon is not None:
        parts += _amazon_markdown(amazon)
    if polarity is not None:
        shown = polarity.assign(
            accuracy=100 * polarity["accuracy"], sparsity=100 * polarity["sparsity"].astype(float)
        ).rename(columns={"accuracy": "accuracy (%)", "sparsity": "sparsity (%)", "wall_time": "wall time (s)"})
        parts += ["## Polarity: rt-polarity test accuracy\n", results_lib.markdown_table(shown, "{:.1f}")]
    return "\n".join(parts)


def _amazon_markdown(frame):
    inside = frame[frame["setting"] == "in-domain"].pivot_table(
        index="source", columns="model", values="accuracy", aggfunc="mean"
    )
    inside.loc["average"] = inside.mean()
    cross = frame[frame["setting"] == "cross-domain"].assign(
        pair=lambda f: f["source"] + " → " + f["target"]
    ).pivot_table(index="pair", columns="model", values="accuracy", aggfunc="mean")
    cross.loc["average"] = cross.mean()
    folds = int(frame.loc[frame["setting"] == "in-domain", "fold"].max()) + 1
    reference = paper.AMAZON_AVERAGE_ACCURACY
    return [
        f"## Amazon: in-domain accuracy (%), {folds}-fold cross-validation inside each domain\n",
        results_lib.markdown_table((100 * inside).reset_index().rename(columns={"source": "domain"}), "{:.2f}"),
        f"The paper reports only an average over the four domains, in the semi-supervised "
        f"setup of Zhou et al. (2010) (another protocol): 3-layer rectifier "
        f"{reference['rectifier-3']}%, previous best {reference['previous best']}%.\n",
        "## Amazon: cross-domain accuracy (%), trained on one domain, tested on another\n",
        results_lib.markdown_table((100 * cross).reset_index().rename(columns={"pair": "source → target"}), "{:.2f}"),
    ]


def run_sentiment(
    tasks=TASKS,
    *,
    config=None,
    ratings_dataset="amazon",
    models=None,
    out="results",
    resume=False,
    data_dir=None,
    quick=False,
    folds=None,
    max_terms=None,
    seed=0,
    **overrides,
):
    """Runs the sentiment experiments and writes `<out>/sentiment/`; returns the Markdown report.

    Each task starts from its configuration (`task_config`), and each model
    trains the configuration it derives from it (`TextModel.config`).

    Files: `runs/<key>.json` (one per trained model and fold, written as
    soon as it finishes, with its `config`, `seed`, `options` and
    `environment`), `ratings.csv`, `ratings_summary.csv`, `ratings.png`,
    `amazon.csv`, `amazon.png`, `polarity.csv` and `table.md`.

    Example: `run_sentiment(("polarity",), quick=True, hidden_units=8)`.

    Args:
        tasks: Any of `"ratings"`, `"amazon"`, `"polarity"`.
        config: `None` for each task's named configuration
            (`sentiment-<task>`), a name of `configs.CONFIGS`, or a
            `sparserect.config.Config`, for every task.
        ratings_dataset: `"amazon"` or `"rated-reviews"` (your own
            OpenTable-style file, see `load_rated_reviews`).
        models: Model names for every task (`TextModel`), or `None` for
            each task's defaults (`RATINGS_MODELS`, `POLARITY_MODELS`).
        out: The results folder.
        resume: Whether to keep the models an interrupted run finished; a
            `ValueError` naming the differing fields if one was trained with
            another configuration or options.
        data_dir: Folder holding the data sets' files (or their
            sub-folders, as `../shared/data` does).
        quick: Whether to make a smoke run: `quick_config`, and by default
            `QUICK_FOLDS` folds and `QUICK_MAX_TERMS` terms.
        folds: Int >= 2, folds of cross-validation, or `None` for
            `FOLDS` (paper: 10).
        max_terms: Int >= 1, the bag-of-words size, or `None` for
            `MAX_TERMS` (paper: 5000).
        seed: Int >= 0, seeds the folds, the validation rows and the networks.
        **overrides: Configuration fields by their
            `sparserect.config.flat_names()` (`epochs`, `pretraining_epochs`,
            ...); `hidden_units` is one int, the width of every layer.
            `None` values are ignored.
    """
    unknown = set(tasks) - set(TASKS)
    if unknown or not tasks:
        raise ValueError(f"`tasks` must be some of {TASKS}. Received: tasks={tasks!r}")
    chosen = {task: task_config(task, config, quick=quick, **overrides) for task in tasks}
    for name in models or ():
        TextModel.parse(name)
    options = dict(
        max_terms=max_terms or (QUICK_MAX_TERMS if quick else MAX_TERMS),
        seed=seed, directory=pathlib.Path(out) / "sentiment", resume=resume,
    )
    folds = folds or (QUICK_FOLDS if quick else FOLDS)
    kwargs = dict(max_terms=None, **({} if data_dir is None else {"data_dir": data_dir}))
    runs = {
        "ratings": (run_ratings, ratings_dataset, RATINGS_MODELS, {"folds": folds}),
        "amazon": (run_amazon, "amazon", POLARITY_MODELS, {"folds": folds}),
        "polarity": (run_polarity, "rt-polarity", POLARITY_MODELS, {}),
    }
    reports = {
        task: run(datasets.load(name, **kwargs), models or default, chosen[task], **more, **options)
        for task, (run, name, default, more) in runs.items() if task in tasks
    }
    markdown = sentiment_markdown(**reports, ratings_name=ratings_dataset)
    results_lib.write_text(options["directory"] / "table.md", markdown)
    return markdown
