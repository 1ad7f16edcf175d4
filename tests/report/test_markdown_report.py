"""`sparserect report`: results page, verdicts and generated blocks from real and synthetic runs."""

import json
import math

import numpy as np
import pytest
from scipy import stats

from sparserect import cli
from sparserect import report
from sparserect.report import records
from sparserect import reproduce
from sparserect.reproduce import paper
from sparserect.reproduce.results import write_json

FAST = dict(hidden_units=(16,), epochs=1, patience=1, learning_rates=(0.1,), pretraining_epochs=1)


def _row(markdown, cell):
    """The cells of the table row that starts with `cell`."""
    for line in markdown.splitlines():
        if line.startswith(f"| `{cell}` |"):
            return [part.strip() for part in line.strip("|").split("|")]
    raise AssertionError(f"no row {cell} in\n{markdown}")


def _write_runs(folder, cell_records):
    """Writes result files as an experiment does: `<folder>/table1/runs/<key>.json`."""
    for key, record in cell_records.items():
        write_json(folder / "table1" / "runs" / f"{key}.json", record)


def _docs(tmp_path, names=("table1-headline", "table1-mnist")):
    """A README.md and a docs page with generated blocks, as the repository's."""
    docs = tmp_path / "docs"
    docs.mkdir()
    blocks = "".join(
        f"<!-- sparserect report: {name} -->\n<!-- /sparserect report -->\n" for name in names
    )
    (tmp_path / "README.md").write_text(f"# Project\n\n{blocks}\nMore text.\n")
    (docs / "guide.md").write_text(f"# Guide\n\n{blocks}")
    return docs


@pytest.mark.backend
def test_a_real_digits_run_gives_a_table_of_its_own_numbers(tmp_path):
    results = tmp_path / "results"
    reproduce.run_table1(
        "digits", activations=("rectifier",), pretraining=(False,), seeds=(0, 1),
        out=results, **FAST,
    )
    stored = [
        json.loads(path.read_text())
        for path in sorted((results / "table1" / "runs").glob("*.json"))
    ]
    errors = np.array([100 * r["test_error"] for r in stored])
    docs = _docs(tmp_path)
    report.write_report(results, docs)
    page = (docs / "results.md").read_text()
    row = _row(page, "digits-rectifier")
    low, high = stats.t.interval(0.95, 1, loc=errors.mean(), scale=stats.sem(errors))
    assert row[1:5] == [
        "2", f"{errors.mean():.2f} ± {errors.std(ddof=1):.2f}", f"[{low:.2f}, {high:.2f}]",
        f"{paper.table1_error('mnist', False, 'rectifier'):.2f}",
    ]
    sparsity = np.mean([r["average_sparsity"] for r in stored])
    assert row[-1].startswith(f"{100 * sparsity:.1f}")
    assert (docs / "images" / "results" / "table1-digits.png").stat().st_size > 0
    # Every cell of the paper's Table 1 is there, run or not.
    for dataset in paper.TABLE1:
        for pretrained, activation in paper.TABLE1[dataset]:
            suffix = "-pretrained" if pretrained else ""
            row = _row(page, f"{dataset}-{activation}{suffix}")
            assert row[1] == "0" and row[6] == "not run: no result files"


def test_verdicts_and_known_reasons_from_the_files(tmp_path):
    # Three seeds per cell, around the paper's number (reproduced) and well above it.
    records = {}
    for activation, offset in (("tanh", 0.0), ("rectifier", 1.0)):
        reference = paper.table1_error("mnist", False, activation)
        for seed, step in enumerate((-0.1, 0.0, 0.1)):
            records[f"{activation}-prenone-seed{seed}"] = {
                "dataset": "mnist", "activation": activation, "pretraining": None,
                "seed": seed, "test_error": (reference + offset + step) / 100,
                "average_sparsity": None,
            }
    _write_runs(tmp_path / "results", records)
    docs = _docs(tmp_path)
    report.write_report(tmp_path / "results", docs)
    page = (docs / "results.md").read_text()
    assert _row(page, "mnist-tanh")[6] == "reproduced"
    half = stats.t.ppf(0.975, 2) * 0.1 / math.sqrt(3)
    rectifier = _row(page, "mnist-rectifier")
    assert rectifier[3] == f"[{2.43 - half:.2f}, {2.43 + half:.2f}]"
    assert rectifier[5] == "+1.00"
    assert rectifier[6].startswith("not reproduced: ")
    assert "(decisions.md#mnist-rectifier)" in rectifier[6]
    # README.md links into docs/.
    readme = (tmp_path / "README.md").read_text()
    assert "(docs/decisions.md#mnist-rectifier)" in readme
    assert "| yes | rectifier |" in readme and "More text." in readme


def test_check_passes_after_a_write_and_fails_after_an_edit(tmp_path, capsys):
    docs = _docs(tmp_path)
    arguments = [str(tmp_path / "results"), "--docs", str(docs)]
    assert cli.main(["report", "--check", *arguments]) == 1
    assert cli.main(["report", *arguments]) == 0
    assert cli.main(["report", "--check", *arguments]) == 0
    guide = docs / "guide.md"
    guide.write_text(guide.read_text().replace("not run", "reproduced", 1))
    before = guide.read_text()
    capsys.readouterr()
    assert cli.main(["report", "--check", *arguments]) == 1
    assert f"{guide}: block table1-headline" in capsys.readouterr().err
    assert guide.read_text() == before  # --check writes nothing


def test_an_unknown_block_name_is_a_clear_error(tmp_path, capsys):
    docs = _docs(tmp_path, names=("table1-mnst",))
    assert cli.main(["report", str(tmp_path / "results"), "--docs", str(docs)]) == 2
    error = capsys.readouterr().err
    assert "unknown report block" in error and "Received: name='table1-mnst'" in error
    assert not (docs / "results.md").exists()


def test_the_help_names_every_block_the_report_fills(tmp_path):
    from sparserect.report import _cli

    names = {section.name for section in report.build_sections(tmp_path / "results")}
    help_text = " ".join(_cli.__doc__.split())
    generic = {"table1-": "table1-DATASET", "benchmark-": "benchmark-FILE"}
    for name in names - {"table1-headline"}:
        prefix = name.split("-")[0] + "-"
        assert generic.get(prefix, name) in help_text, name
    assert "table1-headline" in help_text


def _section(page, title):
    """The text of one `## title` section of docs/results.md."""
    return page.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_figure3_softplus_and_sentiment_sections(tmp_path):
    results = tmp_path / "results"
    dense, sparse = [0.020, 0.022, 0.024], [0.021, 0.023, 0.025]
    sparsities = [0.5, 0.6, 0.65, 0.75, 0.8, 0.84]
    for seed, (sparsity, error) in enumerate(zip(sparsities, dense + sparse)):
        write_json(results / "sparsity" / "runs" / f"l1{seed}-seed{seed}.json", {
            "dataset": "mnist", "activation": "rectifier", "seed": seed,
            "activation_l1": seed / 1000, "average_sparsity": sparsity, "test_error": error,
        })
    for activation, error in (("softplus_a3", 16.66), ("rectifier", 17.0)):
        write_json(results / "softplus-sharpness" / "runs" / f"{activation}-seed0.json", {
            "dataset": "norb", "activation": activation, "seed": 0, "test_error": error / 100,
        })
    accuracies = {(0, "books"): 0.80, (0, "dvd"): 0.78, (1, "books"): 0.82, (1, "dvd"): 0.79}
    for (fold, domain), accuracy in accuracies.items():
        key = f"amazon-in-{domain}-rectifier-3-pretrained-fold{fold}"
        write_json(results / "sentiment" / "runs" / f"{key}.json", {
            "dataset": f"amazon-{domain}", "activation": "rectifier", "seed": 0,
            "model": "rectifier-3-pretrained", "test_error": 1 - accuracy,
        })
        write_json(results / "sentiment" / "runs" / f"polarity-model{fold}.json", {
            "model": f"model{fold}", "test_error": 1 - accuracy, "wall_time": 1.0,
        })
        write_json(results / "sentiment" / "runs" / f"ratings-none-fold{fold}.json", {
            "dataset": "amazon", "activation": "none", "seed": 0, "model": "none",
            "test_rmse": 0.9 + fold / 100, "test_error": 0.5,
        })
    docs = _docs(tmp_path)
    report.write_report(results, docs)
    page = (docs / "results.md").read_text()

    figure3 = _section(page, "Figure 3: sparsity against test error")
    for band, errors in (("50–70", dense), ("70–85", sparse)):
        mean, std = 100 * np.mean(errors), 100 * np.std(errors, ddof=1)
        assert f"| {band} | 3 | {mean:.2f} ± {std:.2f} |" in figure3
    assert "with the mean of those below 70%: reproduced." in figure3
    assert (docs / "images" / "results" / "figure3-mnist.png").is_file()

    softplus = _section(page, "Rescaled softplus against the rectifier")
    assert "| softplus_a3 | 1 | 16.66 | n=1, no interval | 16.66 | +0.00 | reproduced |" in softplus
    rectifier = "| rectifier | 1 | 17.00 | n=1, no interval | 16.4 | +0.60 | not reproduced: "
    assert rectifier in softplus
    assert "| softplus_a1 | 0 |" in softplus and "not run: no result files" in softplus

    folds = [np.mean([accuracies[fold, d] for d in ("books", "dvd")]) for fold in (0, 1)]
    amazon = _section(page, "Sentiment: Amazon accuracy")
    assert (
        f"| rectifier-3-pretrained | 2 | 2 | {100 * np.mean(folds):.2f} ± "
        f"{100 * np.std(folds, ddof=1):.2f} |" in amazon
    )
    assert "| 78.95 |" in amazon
    polarity = _section(page, "Sentiment: rt-polarity accuracy")
    assert f"| model1 | 1 | {100 * accuracies[1, 'dvd']:.2f} | n=1, no interval |" in polarity
    ratings = _section(page, "Sentiment: rating RMSE")
    assert "| none | 2 | 0.905 ± 0.007 |" in ratings and "not comparable" in ratings


def test_runs_go_to_the_experiment_their_configuration_names(tmp_path):
    results = tmp_path / "results"
    for seed in (0, 1):
        write_json(results / "anywhere" / "runs" / f"net-seed{seed}.json", {
            "dataset": "mnist", "activation": "rectifier", "seed": seed, "pretraining": None,
            "test_error": 0.5, "average_sparsity": 0.9, "activation_l1": 0.0,
            "config": {"name": "figure3"},
        })
    write_json(results / "other" / "runs" / "net-seed0.json", {
        "dataset": "cifar10", "activation": "tanh", "seed": 0, "pretraining": None,
        "test_error": 0.4, "config": {"name": "cifar10-tanh"},
    })
    runs = records.load_runs(results)
    assert sorted(run.experiment for run in runs) == ["sparsity", "sparsity", "table1"]
    docs = _docs(tmp_path)
    report.write_report(results, docs)
    page = (docs / "results.md").read_text()
    assert "| 85–95 | 2 | 50.00 ± 0.00 |" in page
    assert _row(page, "cifar10-tanh")[1:3] == ["1", "40.00"]


def test_a_benchmark_file_gives_a_table_with_its_machine_and_versions_not_its_load(tmp_path):
    rows = [{"batch": size, "seconds": size / 10} for size in range(40)]
    write_json(tmp_path / "results" / "benchmarks" / "speed.json", {
        "script": "benchmarks/speed.py", "machine": "x86_64, 2 cores", "load": [1.25, 1.5, 2.0],
        "versions": {"keras": "3.15.1"}, "repeats": 3, "rows": rows,
    })
    docs = _docs(tmp_path, names=("benchmark-speed",))
    report.write_report(tmp_path / "results", docs)
    block = (docs / "guide.md").read_text()
    assert "Machine: x86_64, 2 cores. Versions: keras 3.15.1." in block
    assert "load" not in block.lower() and "1.25" not in block
    assert "| repeats | 3 |" in block and "| 29 | 2.9 |" in block and "| 30 | 3 |" not in block
    assert "The first 30 of 40 rows" in block


def test_the_same_network_in_two_folders_counts_once(tmp_path, caplog):
    for folder, error in (("a", 0.03), ("b", 0.02)):
        write_json(tmp_path / "results" / folder / "table1" / "runs" / "tanh-prenone-seed0.json", {
            "dataset": "mnist", "activation": "tanh", "pretraining": None, "seed": 0,
            "test_error": error,
        })
    docs = _docs(tmp_path)
    report.write_report(tmp_path / "results", docs)
    assert _row((docs / "results.md").read_text(), "mnist-tanh")[1:3] == ["1", "2.00"]
    assert "hold the same network of ('mnist', False, 'tanh')" in caplog.text


def test_every_data_set_of_the_command_line_has_a_block_even_when_not_run(tmp_path):
    from sparserect.reproduce._cli import DATASETS

    names = [f"table1-{dataset}" for dataset in DATASETS]
    names += [
        "figure3", "softplus-sharpness", "sentiment-ratings", "sentiment-amazon",
        "sentiment-polarity", "benchmarks",
    ]
    docs = _docs(tmp_path, names=names)
    report.write_report(tmp_path / "results", docs)
    guide = (docs / "guide.md").read_text()
    assert "Not run: no result files. Run `sparserect reproduce`, then" in guide


def test_a_benchmark_environment_gives_the_versions_line(tmp_path):
    write_json(tmp_path / "results" / "benchmarks" / "speed.json", {
        "environment": {"processor": "x86_64", "cpu_count": 2, "python": "3.11.7",
                        "keras": "3.15.1", "backend": "jax"},
        "repeats": 3,
    })
    docs = _docs(tmp_path, names=("benchmark-speed",))
    report.write_report(tmp_path / "results", docs)
    block = (docs / "guide.md").read_text()
    assert "Machine: x86_64, 2 CPUs. Versions:" in block
    assert "Versions: python 3.11.7, keras 3.15.1, backend jax." in block
    assert "| keras |" not in block


def test_the_sparse_inference_benchmark_is_drawn(tmp_path):
    rows = [
        {"network": name, "batch_size": size, "speedup": 1.5 / size,
         "hidden_union_active": [0.3 * size ** 0.2, 0.4]}
        for name in ("mnist", "text") for size in (1, 8, 32, 256)
    ]
    write_json(tmp_path / "results" / "benchmarks" / "sparse_inference.json", {
        "rows": rows,
        "break_even": [{"batch_size": size, "break_even_active_fraction": fraction}
                       for size, fraction in ((1, 0.2), (8, 0.2), (32, None), (256, None))],
    })
    written = report.write_report(tmp_path / "results", _docs(tmp_path, names=()))
    image = tmp_path / "docs" / "images" / "results" / "benchmark-sparse_inference.png"
    assert image in written and image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "(images/results/benchmark-sparse_inference.png)" in (
        tmp_path / "docs" / "results.md"
    ).read_text()


def test_sparsity_target_results_are_judged_within_one_point(tmp_path):
    folder = tmp_path / "results" / "sparsity-target"
    common = {"hidden_units": [1000, 1000, 1000], "batch_size": 10, "learning_rate": 0.01,
              "seed": 0, "epochs": 15}
    write_json(folder / "unpenalized.json",
               {"method": "unpenalized", "target": None, "sparsity": 0.43, "test_error": 0.018,
                **common})
    write_json(folder / "target_0.90.json",
               {"method": "target", "target": 0.9, "sparsity": 0.9093, "test_error": 0.02,
                **common})
    write_json(folder / "target_0.85.json",
               {"method": "target", "target": 0.85, "sparsity": 0.8612, "test_error": 0.02,
                **common})
    write_json(folder / "threshold_0.95.json",
               {"method": "threshold", "target": 0.95, "error": "already sparser"})
    docs = _docs(tmp_path, names=("sparsity-target",))
    report.write_report(tmp_path / "results", docs)
    block = (docs / "guide.md").read_text()
    assert "784-1000-1000-1000-10 rectifier network" in block
    lines = [line for line in block.splitlines() if line.startswith("| trained")]
    assert lines[0].startswith("| trained with `SparsityTarget` | 85.00 | 86.12 | no |")
    assert lines[1].startswith("| trained with `SparsityTarget` | 90.00 | 90.93 | yes |")
    assert "| no: already sparser |" in block
    assert (docs / "images" / "results" / "sparsity-target.png").is_file()


def test_sparsity_target_without_files_says_how_to_run_it(tmp_path):
    docs = _docs(tmp_path, names=("sparsity-target",))
    report.write_report(tmp_path / "results", docs)
    assert "Not run: no result files. Run `sparserect reproduce sparsity-target" in (
        docs / "guide.md"
    ).read_text()


def _long_run(**overrides):
    """A long-training result file as `sparserect reproduce table1` writes it."""
    errors = [0.03, 0.0171, 0.02, 0.0228]
    record = {
        "dataset": "mnist", "activation": "rectifier", "seed": 0, "hidden_units": [32, 32],
        "activation_l1": 0.001, "batch_size": 10, "max_epochs": 4, "patience": 4,
        "learning_rate": 0.01, "validation_error": 0.0171, "best_epoch": 2, "epochs_run": 4,
        "test_error": 0.0184, "average_sparsity": 0.8653, "wall_time": 7272.0,
        "pretraining": None,
        "candidates": {"0.01": {"validation_errors": errors, "best_epoch": 2}},
    }
    record.update(overrides)
    return record


def test_a_long_training_file_gives_its_own_numbers_and_a_plot(tmp_path):
    write_json(tmp_path / "results" / "long-training" / "long.json", _long_run())
    docs = _docs(tmp_path, names=("long-training",))
    report.write_report(tmp_path / "results", docs)
    block = (docs / "guide.md").read_text()
    assert "4 epochs without early stopping" in block
    row = _row(block, "long")
    reference = paper.table1_error("mnist", False, "rectifier")
    assert row[1:] == ["4", "2", "1.71", "1.84", "2.28", "86.53", "2.02",
                       f"{reference:.2f}", "not reproduced"]
    assert (docs / "images" / "results" / "long-training.png").is_file()
    assert "## Long training" in (docs / "results.md").read_text()


def test_a_long_training_run_better_than_the_paper_is_reproduced(tmp_path):
    write_json(tmp_path / "results" / "long-training" / "long.json",
               _long_run(test_error=0.012))
    docs = _docs(tmp_path, names=("long-training",))
    report.write_report(tmp_path / "results", docs)
    assert _row((docs / "guide.md").read_text(), "long")[-1] == "reproduced"


def test_long_training_without_files_says_not_run(tmp_path):
    docs = _docs(tmp_path, names=("long-training",))
    report.write_report(tmp_path / "results", docs)
    assert "Not run: no result files under `results/long-training/`" in (
        docs / "guide.md"
    ).read_text()
    assert not (docs / "images" / "results" / "long-training.png").exists()


def test_a_benchmark_with_one_run_per_backend_shows_each(tmp_path):
    def run(backend, seconds):
        return {"machine": {"processor": "AMD EPYC", "cpus": 2}, "versions": {backend: "1.0"},
                "load_average_before": [1.0, 1.0, 1.0], "seconds_per_epoch": seconds,
                "rows": [{"batch": 10, "load_average": [3.5, 1.0, 1.0]}]}

    write_json(tmp_path / "results" / "benchmarks" / "speed.json",
               {"tensorflow": run("tensorflow", 8.5), "jax": run("jax", 7.7)})
    docs = _docs(tmp_path, names=("benchmark-speed",))
    report.write_report(tmp_path / "results", docs)
    block = (docs / "guide.md").read_text()
    jax, tensorflow = block.index("On the jax backend:"), block.index("On the tensorflow backend:")
    assert jax < block.index("| seconds_per_epoch | 7.7 |") < tensorflow
    assert tensorflow < block.index("| seconds_per_epoch | 8.5 |")
    assert block.count("Machine: AMD EPYC, 2 CPUs.") == 2 and "Versions: jax 1.0." in block
    assert "load" not in block.lower() and "3.5" not in block


def test_a_stored_search_shows_its_front_and_plot(tmp_path):
    folder = tmp_path / "results" / "searches" / "mnist"
    folder.mkdir(parents=True)
    (folder / "pareto_front.csv").write_text(
        "trial_id,status,val_accuracy,val_sparsity,on_front,hypervolume,activation,units\n"
        "00,COMPLETED,0.9,0.5,True,0.45,rectifier,64\n"
        "01,COMPLETED,0.8,0.4,False,0.45,tanh,64\n"
        "02,COMPLETED,0.85,0.9,True,0.785,rectifier,32\n"
    )
    docs = _docs(tmp_path, names=("tuning-fronts",))
    report.write_report(tmp_path / "results", docs)
    block = (docs / "guide.md").read_text()
    assert "`results/searches/mnist`: 3 trials, 2 on the front, hypervolume 0.7850." in block
    rows = [line for line in block.splitlines() if line.startswith("| 0")]
    assert rows == ["| 00 | 90.00 | 50.00 | rectifier | 64 |", "| 02 | 85.00 | 90.00 | rectifier | 32 |"]
    assert (docs / "images" / "results" / "tuning-front.png").is_file()


def test_no_stored_search_says_how_to_make_one(tmp_path):
    docs = _docs(tmp_path, names=("tuning-fronts",))
    report.write_report(tmp_path / "results", docs)
    assert "Not run: no `pareto_front.csv`" in (docs / "guide.md").read_text()
