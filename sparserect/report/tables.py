"""The report's sections: one Markdown table per experiment, from the result files.

A `Section` renders its body for a Markdown file at a given place (links to
docs/ differ between README.md and docs/*.md) and may draw one plot. Numbers
are our mean ± standard deviation over seeds (or folds), the 95% Student-t
interval of the mean, the paper's number, the difference and a verdict
(`statistics.verdict`). The benchmarks' sections are in `benchmarks`.
"""

import dataclasses
import logging
import re
from typing import Callable

import pandas as pd

from sparserect.report import known
from sparserect.report import plots
from sparserect.report import statistics
from sparserect.reproduce import paper
from sparserect.reproduce import plots as reproduce_plots
from sparserect.reproduce.results import markdown_table

TABLE1_DATASETS = paper.TABLE1_DATASETS

logger = logging.getLogger(__name__)

DATASET_TITLES = {
    "mnist": "MNIST", "cifar10": "CIFAR-10", "nistp": "NISTP", "norb": "NORB",
    "digits": "the embedded digits", "mnist-p": "MNIST-P",
}
ACTIVATIONS = ("rectifier", "tanh", "softplus")
SEEDS = 5
FIGURE3_BINS = (0.0, 0.5, 0.7, 0.85, 0.95, 1.0)
NOT_COMPARABLE = "not comparable"
# The commands of the data sets that the paper does not have.
EXTRA_COMMANDS = {"digits": "sparserect reproduce"}


@dataclasses.dataclass(frozen=True)
class Section:
    """One generated table: `name` (the block name), a title, and its Markdown body.

    Args:
        name: The block name, e.g. `"table1-mnist"`.
        title: The heading in docs/results.md.
        render: `render(docs_prefix)` returns the Markdown body; `docs_prefix`
            is the path from the file that shows it to docs/ (`""` or `"docs/"`).
        plot: `None`, or `(file name, draw(path))`.
    """

    name: str
    title: str
    render: Callable[[str], str]
    plot: tuple | None = None


def _title(dataset):
    return DATASET_TITLES.get(dataset, dataset)


def regenerate(command, verb="Regenerate with"):
    """The closing sentence of a section: the command that makes its result files."""
    return f"{verb} `{command}`, then `sparserect report`.\n"


def not_run(command):
    """The body of a section without result files: the command that makes them."""
    return f"{statistics.NOT_RUN.capitalize()}: no result files. " + regenerate(command, "Run")


def cell_name(dataset, activation, pretrained):
    """The configuration name of a Table 1 cell, e.g. `mnist-tanh-pretrained`."""
    return f"{dataset}-{activation}" + ("-pretrained" if pretrained else "")


def by_cell(runs, cell_of):
    """Groups runs by cell, one run per key: the file name, e.g. `rectifier-prenone-seed0`.

    The same key in two folders is the same network run twice: the last path
    wins, with a warning.

    Args:
        runs: `records.Run`s.
        cell_of: `cell_of(record)` returns the cell's key, or `None` to skip.

    Returns:
        `{cell: [record, ...]}`.
    """
    chosen = {}
    for run in runs:
        cell = cell_of(run.record)
        if cell is None:
            continue
        if (cell, run.key) in chosen:
            logger.warning(
                "%s and %s hold the same network of %s: the report uses the second",
                chosen[cell, run.key].path, run.path, cell,
            )
        chosen[cell, run.key] = run
    cells = {}
    for (cell, _), run in chosen.items():
        cells.setdefault(cell, []).append(run.record)
    return cells


def formatted(summary, scale=100.0, digits=2):
    """`mean ± std` (or the mean alone for n=1), and the interval or `n=1, no interval`."""
    if summary is None:
        return "", ""
    mean = f"{scale * summary.mean:.{digits}f}"
    if summary.n == 1:
        return mean, "n=1, no interval"
    return (
        f"{mean} ± {scale * summary.std:.{digits}f}",
        f"[{scale * summary.low:.{digits}f}, {scale * summary.high:.{digits}f}]",
    )


def judged(cell, summary, reference, *, docs_prefix, scale=100.0, digits=2, lower_is_better=True):
    """The difference to the paper and the verdict text of one cell."""
    if summary is None:
        return "", f"{statistics.NOT_RUN}: no result files"
    verdict = statistics.verdict(summary, reference / scale, lower_is_better=lower_is_better)
    difference = f"{scale * summary.mean - reference:+.{digits}f}"
    if verdict == statistics.REPRODUCED:
        return difference, verdict
    bound = summary.mean if summary.n == 1 else summary.low if lower_is_better else summary.high
    side = "below" if lower_is_better else "above"
    where = "our value" if summary.n == 1 else "our interval"
    automatic = f"the paper's {reference:g} is {side} {where} ({scale * bound:.{digits}f})"
    return difference, f"{verdict}: {known.reason(cell, automatic, docs_prefix)}"


def table1_cells(runs):
    """`{(dataset, pretrained, activation): [record, ...]}` of the Table 1 runs."""
    return by_cell(
        [run for run in runs if run.experiment == "table1"],
        lambda r: (r["dataset"], bool(r.get("pretraining")), r["activation"]),
    )


def table1_section(dataset, cells):
    """Table 1 on one data set: every cell of the paper, run or not, or the cells run."""
    reference = paper.REFERENCE_DATASET.get(dataset, dataset)
    has_paper = dataset in paper.TABLE1
    paper_column = "paper" if has_paper else f"paper ({_title(reference)})"
    keys = [(dataset, p, a) for p in (True, False) for a in ACTIVATIONS]
    keys += sorted(k for k in cells if k[0] == dataset and k not in keys)
    if not has_paper:
        keys = [k for k in keys if k in cells]
    summaries = {
        key: statistics.summarize(r.get("test_error") for r in cells.get(key, ())) for key in keys
    }

    def render(docs_prefix):
        rows = []
        for key in keys:
            _, pretrained, activation = key
            cell = cell_name(dataset, activation, pretrained)
            summary = summaries[key]
            ours, interval = formatted(summary)
            sparsity = statistics.summarize(
                r.get("average_sparsity") for r in cells.get(key, ())
            )
            error = paper.table1_error(dataset, pretrained, activation)
            row = {
                "cell": f"`{cell}`", "n": 0 if summary is None else summary.n,
                "test error (%)": ours, "95% interval": interval,
                paper_column: "" if error is None else f"{error:.2f}",
            }
            if has_paper:
                row["difference"], row["verdict"] = judged(
                    cell, summary, error, docs_prefix=docs_prefix
                )
            row["exact zeros (%)"] = formatted(sparsity, digits=1)[0]
            rows.append(row)
        default = f"sparserect reproduce table1 --dataset {dataset} --seeds {SEEDS}"
        if has_paper:
            command = (
                f"Regenerate a cell with `sparserect reproduce table1 --config "
                f"{cell_name(dataset, 'rectifier', False)} --seeds {SEEDS}` (another cell: its "
                "name from the first column), then `sparserect report`."
            )
        else:
            command = (
                f"The paper has no column for {_title(dataset)}: its "
                f"{_title(reference)} numbers are shown as a reference, "
                f"without a verdict. Regenerate with `{EXTRA_COMMANDS.get(dataset, default)}`, "
                "then `sparserect report`."
            )
        note = ""
        if reference in paper.RECTIFIER_SPARSITY:
            note = (
                f" The paper's rectifier networks on {DATASET_TITLES[reference]}: "
                f"{100 * paper.RECTIFIER_SPARSITY[reference]:.1f}% exact zeros."
            )
        if not rows:
            return not_run(EXTRA_COMMANDS.get(dataset, default))
        return markdown_table(pd.DataFrame(rows)) + "\n" + command + note + "\n"

    run_keys = [key for key in keys if summaries[key] is not None]
    plot = None
    if run_keys:
        plot = (f"table1-{dataset}.png", lambda path: plots.plot_cells(
            [cell_name(d, a, p) for d, p, a in run_keys], [summaries[k] for k in run_keys],
            [paper.table1_error(dataset, p, a) for _, p, a in run_keys],
            title=f"Table 1 on {_title(dataset)}",
            ylabel="test error (%)", scale=100.0, path=path,
            paper_label=f"paper ({_title(reference)})",
        ))
    return Section(f"table1-{dataset}", f"Table 1: {_title(dataset)}", render, plot)


def headline_section(cells):
    """Table 1 on MNIST and CIFAR-10, compact: ours (n), the paper's number and the verdict."""

    def render(docs_prefix):
        rows = []
        for pretrained in (True, False):
            for activation in ACTIVATIONS:
                row = {
                    "pre-training": "yes" if pretrained else "no", "activation": activation,
                }
                for dataset in ("mnist", "cifar10"):
                    key = (dataset, pretrained, activation)
                    summary = statistics.summarize(r.get("test_error") for r in cells.get(key, ()))
                    error = paper.table1_error(dataset, pretrained, activation)
                    title = DATASET_TITLES[dataset]
                    row[f"{title} ours (%)"] = (
                        "" if summary is None
                        else f"{formatted(summary)[0]} (n={summary.n})"
                    )
                    row[f"{title} paper"] = f"{error:.2f}"
                    verdict = statistics.verdict(summary, error / 100)
                    cell = cell_name(dataset, activation, pretrained)
                    if verdict == statistics.NOT_REPRODUCED and cell in known.KNOWN_REASONS:
                        verdict += f" ([why]({docs_prefix}{known.KNOWN_REASONS[cell][1]}))"
                    row[f"{title} verdict"] = verdict
                rows.append(row)
        return (
            markdown_table(pd.DataFrame(rows))
            + f"\nTest error, mean ± standard deviation over seeds; details, intervals and the "
            f"other data sets in [the results]({docs_prefix}results.md).\n"
        )

    return Section("table1-headline", "Table 1: headline", render)


def figure3_section(runs):
    """Figure 3 per data set: test error by band of exact sparsity, and the paper's claim."""
    by_dataset = by_cell(
        [run for run in runs if run.experiment == "sparsity"],
        lambda r: r["dataset"],
    )

    def render(docs_prefix):
        if not by_dataset:
            return not_run("sparserect reproduce sparsity --config figure3")
        parts = []
        for dataset, records in sorted(by_dataset.items()):
            rows = []
            for low, high in zip(FIGURE3_BINS, FIGURE3_BINS[1:]):
                chosen = [
                    r for r in records
                    if r.get("average_sparsity") is not None
                    and low <= r["average_sparsity"] < high + (high == 1.0)
                ]
                ours, interval = formatted(statistics.summarize(r.get("test_error") for r in chosen))
                rows.append({
                    "exact zeros (%)": f"{100 * low:.0f}–{100 * high:.0f}",
                    "networks": len(chosen), "test error (%)": ours, "95% interval": interval,
                })
            measured = [r for r in records if r.get("average_sparsity") is not None]
            dense = statistics.summarize(
                r.get("test_error") for r in measured if r["average_sparsity"] < 0.70
            )
            sparse = statistics.summarize(
                r.get("test_error") for r in measured if 0.70 <= r["average_sparsity"] < 0.85
            )
            if dense is None or sparse is None:
                claim = (
                    f"{statistics.NOT_RUN}: no networks "
                    f"{'below 70%' if dense is None else 'between 70% and 85%'} zeros"
                )
            else:
                _, claim = judged(
                    "figure3", sparse, 100 * dense.mean, docs_prefix=docs_prefix
                )
            parts.append(
                f"On {_title(dataset)}, {len(records)} rectifier networks.\n\n"
                + markdown_table(pd.DataFrame(rows))
                + f"\nThe paper ({paper.FIGURE3_NETWORKS} networks on MNIST): accuracy does not "
                f"suffer until about {100 * paper.FIGURE3_SPARSITY_MARK:.0f}% exact zeros. "
                "Verdict, comparing the networks at 70–85% zeros with the mean of those below "
                f"70%: {claim}.\n"
            )
        return "\n".join(parts) + "\n" + regenerate(
            "sparserect reproduce sparsity --config figure3"
        )

    plot = None
    if by_dataset:
        dataset, records = sorted(by_dataset.items())[0]
        plot = (f"figure3-{dataset}.png", lambda path: reproduce_plots.plot_figure3(
            pd.DataFrame(records), dataset, path
        ))
    return Section("figure3", "Figure 3: sparsity against test error", render, plot)


def _sharpness(label):
    """The `a` of an activation label `softplus_a<a>`; `None` for the rectifier."""
    match = re.fullmatch(r"softplus_a(.+)", label)
    return float(match.group(1)) if match else None


def softplus_section(runs):
    """The rescaled softplus (1/a) softplus(a x) against the rectifier, per data set."""
    cells = by_cell(
        [run for run in runs if run.experiment == "softplus-sharpness"],
        lambda r: (r["dataset"], r["activation"]),
    )
    # NORB, the paper's data set, run or not, and the data sets run.
    datasets = ["norb"] + sorted({dataset for dataset, _ in cells} - {"norb"})
    labels = [f"softplus_a{a:g}" for a in paper.SOFTPLUS_SHARPNESS if a is not None]
    labels.append("rectifier")

    def render(docs_prefix):
        parts = []
        for dataset in datasets:
            rows = []
            keys = labels if dataset == "norb" else [a for a in labels if (dataset, a) in cells]
            keys = keys + sorted(a for d, a in cells if d == dataset and a not in labels)
            for activation in keys:
                summary = statistics.summarize(
                    r.get("test_error") for r in cells.get((dataset, activation), ())
                )
                ours, interval = formatted(summary)
                error = paper.SOFTPLUS_SHARPNESS.get(_sharpness(activation)) if (
                    dataset == "norb"
                ) else None
                row = {
                    "activation": activation, "n": 0 if summary is None else summary.n,
                    "test error (%)": ours, "95% interval": interval,
                    "paper (NORB)": "" if error is None else f"{error:g}",
                }
                if error is None:
                    row["difference"], row["verdict"] = "", (
                        f"{statistics.NOT_RUN}: no result files" if summary is None
                        else f"{NOT_COMPARABLE}: the paper's numbers are on NORB"
                    )
                else:
                    row["difference"], row["verdict"] = judged(
                        f"{dataset}-{activation}", summary, error, docs_prefix=docs_prefix
                    )
                rows.append(row)
            parts.append(
                f"On {_title(dataset)}.\n\n"
                + markdown_table(pd.DataFrame(rows))
            )
        return "\n".join(parts) + "\n" + regenerate(
            f"sparserect reproduce softplus-sharpness --config softplus-sharpness --seeds {SEEDS}"
        )

    plot = None
    if cells:
        dataset = min({d for d, _ in cells}, key=lambda d: (d != "norb", d))

        def draw(path):
            rows = []
            for (d, activation), records in cells.items():
                if d != dataset:
                    continue
                errors = pd.Series([r.get("test_error") for r in records])
                rows.append({
                    "sharpness": _sharpness(activation), "test_error_mean": errors.mean(),
                    "test_error_std": errors.std(ddof=0),
                })
            frame = pd.DataFrame(rows).sort_values("sharpness", na_position="last")
            reproduce_plots.plot_softplus_sharpness(frame, dataset, path)

        plot = (f"softplus-sharpness-{dataset}.png", draw)
    return Section("softplus-sharpness", "Rescaled softplus against the rectifier", render, plot)


def ratings_section(runs):
    """Rating RMSE of the expected star value per model; the paper's are on OpenTable."""
    chosen = [
        run for run in runs if run.experiment == "sentiment" and run.key.startswith("ratings-")
    ]
    cells = by_cell(chosen, lambda r: r.get("model"))
    names = ["none"] + [f"{m}-pretrained" for m in paper.OPENTABLE_RMSE if m != "none"]
    names += sorted(m for m in cells if m not in names)
    datasets = sorted({run.record.get("dataset", "") for run in chosen})

    def render(docs_prefix):
        rows = []
        for model in names:
            summary = statistics.summarize(r.get("test_rmse") for r in cells.get(model, ()))
            ours, interval = formatted(summary, scale=1.0, digits=3)
            reference = paper.OPENTABLE_RMSE.get(model.removesuffix("-pretrained"))
            if model == "rectifier-3":
                reference_text = f">= {paper.OPENTABLE_RECTIFIER_3_NO_PRETRAINING_FLOOR}"
            else:
                reference_text = "" if reference is None else (
                    f"{reference[0]:.3f} ± {reference[1]:.3f}"
                )
            rows.append({
                "model": model, "folds": 0 if summary is None else summary.n,
                "RMSE": ours, "95% interval": interval, "paper (OpenTable)": reference_text,
                "verdict": f"{statistics.NOT_RUN}: no result files" if summary is None else (
                    f"{NOT_COMPARABLE}: the paper's OpenTable reviews are not public; "
                    f"ours: {', '.join(datasets)}"
                ),
            })
        return markdown_table(pd.DataFrame(rows)) + "\n" + regenerate(
            "sparserect reproduce sentiment --config sentiment-ratings"
        )

    return Section("sentiment-ratings", "Sentiment: rating RMSE", render)


def amazon_section(runs):
    """Amazon in-domain accuracy averaged over the four domains (per fold), against the paper's."""
    inside = [
        run for run in runs if run.experiment == "sentiment" and run.key.startswith("amazon-in-")
    ]
    per_fold = {}
    for run in inside:
        # The key is amazon-in-<domain>-<model>-fold<k>.
        model = run.key.split("-", 3)[3].rsplit("-fold", 1)[0]
        fold = int(run.key.rsplit("fold", 1)[1])
        per_fold.setdefault(model, {}).setdefault(fold, []).append(1.0 - run.record["test_error"])
    names = ["rectifier-3-pretrained"]
    names += sorted(m for m in per_fold if m not in names)
    reference = paper.AMAZON_AVERAGE_ACCURACY["rectifier-3"]

    def render(docs_prefix):
        rows = []
        for model in names:
            folds = per_fold.get(model, {})
            summary = statistics.summarize(
                sum(values) / len(values) for values in folds.values()
            )
            ours, interval = formatted(summary)
            row = {
                "model": model, "folds": 0 if summary is None else summary.n,
                "domains": max((len(v) for v in folds.values()), default=0),
                "accuracy (%)": ours, "95% interval": interval,
            }
            if model == "rectifier-3-pretrained":
                row["paper"] = f"{reference:.2f}"
                row["difference"], row["verdict"] = judged(
                    "sentiment-amazon", summary, reference, docs_prefix=docs_prefix,
                    lower_is_better=False,
                )
            else:
                row["paper"], row["difference"], row["verdict"] = "", "", ""
            rows.append(row)
        return (
            markdown_table(pd.DataFrame(rows))
            + "\nIn-domain accuracy, each fold's mean over the domains. The paper's 3-layer "
            f"rectifier: {reference:.2f}% on average over the four domains in Zhou et al.'s "
            "semi-supervised setup (with the unlabelled reviews; ours uses the labelled ones "
            f"only); the previous best: {paper.AMAZON_AVERAGE_ACCURACY['previous best']:.2f}%. "
            "Regenerate with `sparserect reproduce sentiment --config sentiment-amazon`, then "
            "`sparserect report`.\n"
        )

    return Section("sentiment-amazon", "Sentiment: Amazon accuracy", render)


def polarity_section(runs):
    """rt-polarity test accuracy per model; the paper does not use this data set."""
    chosen = [
        run for run in runs if run.experiment == "sentiment" and run.key.startswith("polarity-")
    ]
    cells = by_cell(chosen, lambda r: r.get("model"))

    def render(docs_prefix):
        if not cells:
            return not_run("sparserect reproduce sentiment --config sentiment-polarity")
        rows = []
        for model, found in sorted(cells.items()):
            summary = statistics.summarize(1.0 - r.get("test_error") for r in found)
            ours, interval = formatted(summary)
            rows.append({
                "model": model, "n": summary.n, "accuracy (%)": ours, "95% interval": interval,
                "verdict": f"{NOT_COMPARABLE}: the paper does not use rt-polarity",
            })
        return markdown_table(pd.DataFrame(rows)) + "\n" + regenerate(
            "sparserect reproduce sentiment --config sentiment-polarity"
        )

    return Section("sentiment-polarity", "Sentiment: rt-polarity accuracy", render)
