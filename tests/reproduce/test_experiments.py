"""End-to-end runs of every experiment on tiny data, and resuming an interrupted run."""

import json
import re

import pandas as pd
import pytest

from sparserect import cli
from sparserect import reproduce
from sparserect.config import Config
from sparserect.config import Network
from sparserect.config import Pretraining
from sparserect.reproduce import runner
from sparserect.reproduce import table1

FAST = dict(hidden_units=(16,), epochs=1, patience=1, learning_rates=(0.1,), pretraining_epochs=1)


@pytest.fixture
def tiny_digits(monkeypatch, tiny_dataset):
    """Makes every experiment load the tiny data set."""
    monkeypatch.setattr(runner, "load_dataset", lambda *args, **kwargs: tiny_dataset)


@pytest.mark.backend
def test_table1_end_to_end(tmp_path, tiny_digits):
    summary = reproduce.run_table1(
        "digits", activations=("rectifier", "tanh"), pretraining=(True,), out=tmp_path, **FAST
    )
    folder = tmp_path / "table1"
    assert len(list((folder / "runs").glob("*.json"))) == 2
    assert list(summary["paper_test_error"]) == [1.20, 1.16]
    table = (folder / "table.md").read_text()
    assert "paper (mnist)" in table and "| yes | tanh |" in table
    assert pd.read_csv(folder / "results.csv")["pretraining"].tolist() == [
        "softplus_quadratic", "cross_entropy"
    ]
    for name in ("summary.csv", "summary.json", "table1.png"):
        assert (folder / name).stat().st_size > 0
    assert (folder / "table1.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert not list(folder.glob(".*"))  # no temporary file left behind


@pytest.mark.backend
def test_sparsity_end_to_end(tmp_path, tiny_digits):
    frame = reproduce.run_sparsity("mnist", networks=2, out=tmp_path, **FAST)
    assert sorted(frame["activation_l1"]) == [0.0, 0.01]
    assert (tmp_path / "sparsity" / "figure3.png").stat().st_size > 0
    table = (tmp_path / "sparsity" / "table.md").read_text()
    assert "85% exact zeros" in table and "Weight decay" not in table


def test_sparsity_spreads_the_coefficients_over_the_given_range(tmp_path, tiny_digits):
    calls = []
    frame = reproduce.run_sparsity(
        "mnist", networks=3, l1_range=(0.0, 0.002), out=tmp_path, train=_fake_train(calls), **FAST
    )
    assert sorted(frame["activation_l1"]) == pytest.approx([0.0, 0.001, 0.002])
    assert [seed for _, _, seed in calls] == [0, 1, 2]


@pytest.mark.parametrize(
    "l1_range", [(0.01, 0.0), (-0.001, 0.01), (0.0,), (0.0, float("inf")), "0,0.01"]
)
def test_bad_l1_range_is_an_error(tmp_path, tiny_digits, l1_range):
    calls = []
    with pytest.raises(ValueError, match="Received: l1_range="):
        reproduce.run_sparsity(
            "mnist", networks=2, l1_range=l1_range, out=tmp_path, train=_fake_train(calls), **FAST
        )
    assert calls == []


@pytest.mark.backend
def test_softplus_sharpness_end_to_end(tmp_path, tiny_digits):
    summary = reproduce.run_softplus_sharpness(
        "norb", sharpness=(6.0,), out=tmp_path, weight_decay=0.001, **FAST
    )
    assert list(summary["activation"]) == ["softplus_a6", "rectifier"]
    assert list(summary["paper_test_error"]) == [16.54, 16.40]
    table = (tmp_path / "softplus-sharpness" / "table.md").read_text()
    assert "Weight decay of the weight matrices: 0.001 (the paper: none)." in table
    assert (tmp_path / "softplus-sharpness" / "softplus_sharpness.png").stat().st_size > 0


@pytest.mark.backend
def test_softplus_sharpness_seeds_as_one_ensemble_as_one_by_one(tmp_path, tiny_digits):
    options = dict(sharpness=(3.0,), seeds=(0, 1), **{**FAST, "epochs": 2})
    alone = reproduce.run_softplus_sharpness("norb", out=tmp_path / "alone", **options)
    together = reproduce.run_softplus_sharpness(
        "norb", out=tmp_path / "together", ensemble=True, **options
    )
    assert list(together["activation"]) == list(alone["activation"])
    assert together["test_error_mean"].tolist() == pytest.approx(
        alone["test_error_mean"].tolist(), abs=1e-6
    )
    for path in (tmp_path / "together" / "softplus-sharpness" / "runs").glob("*.json"):
        assert json.loads(path.read_text())["ensemble_size"] == 2, path.name


@pytest.mark.backend
def test_figure3_networks_as_one_ensemble_equal_those_trained_one_by_one(tmp_path, tiny_digits):
    # Each member fine-tunes on the mini-batches of its own seed, as its network alone.
    options = dict(networks=3, **{**FAST, "epochs": 2})
    alone = reproduce.run_sparsity("mnist", out=tmp_path / "alone", **options)
    together = reproduce.run_sparsity("mnist", out=tmp_path / "together", ensemble=True, **options)
    alone, together = (frame.sort_values("seed") for frame in (alone, together))
    assert together["seed"].tolist() == alone["seed"].tolist() == [0, 1, 2]
    assert together["test_error"].tolist() == pytest.approx(alone["test_error"].tolist(), abs=1e-6)
    assert together["average_sparsity"].tolist() == pytest.approx(
        alone["average_sparsity"].tolist(), abs=1e-3
    )


@pytest.mark.backend
def test_sparsity_and_table1_seeds_as_one_ensemble(tmp_path, tiny_digits, caplog):
    frame = reproduce.run_sparsity("mnist", networks=3, out=tmp_path, ensemble=True, **FAST)
    assert sorted(frame["activation_l1"]) == [0.0, 0.005, 0.01]
    assert (frame["ensemble_size"] == 3).all()
    assert frame["test_error"].between(0, 1).all() and frame["average_sparsity"].between(0, 1).all()
    calls = []
    summary = reproduce.run_table1(
        "digits", activations=("rectifier",), pretraining=(False, True), seeds=(0, 1),
        out=tmp_path, ensemble=True, train=_fake_train(calls), **{**FAST, "hidden_units": (16, 16)},
    )
    # The two seeds without pre-training are one ensemble, the two pre-trained ones another.
    assert calls == []
    assert list(summary["seeds"]) == [2, 2]
    stored = json.loads((tmp_path / "table1" / "runs" / "rectifier-prenone-seed1.json").read_text())
    assert stored["ensemble_size"] == 2 and len(stored["dead_units"]) == 2
    for path in (tmp_path / "table1" / "runs").glob("rectifier-pre*-seed*.json"):
        stored = json.loads(path.read_text())
        assert stored["ensemble_size"] == 2, path.name
        assert bool(stored["pretraining"]) == ("prenone" not in path.name), path.name
        if stored["pretraining"]:
            assert set(stored["pretraining_dead_units"]) == {"hidden_1", "hidden_2"}


def test_ensemble_groups_are_the_networks_that_differ_only_in_seed_and_l1():
    plain = Config(network=Network(hidden_units=(4,)))
    pretrained = Config(network=Network(hidden_units=(4,)), pretraining=Pretraining(epochs=1))
    salted = Config(network=Network(hidden_units=(4,)), pretraining=Pretraining(salt_and_pepper=True))
    sharp = Config(network=Network(hidden_units=(4,), activation="softplus", sharpness=3.0))
    configurations = [
        ("plain0", plain, 0), ("plain1", plain.replace(activation_l1=0.0), 1),
        ("pre0", pretrained, 0), ("pre1", pretrained.replace(activation_l1=0.0), 1),
        ("salt0", salted, 0), ("salt1", salted, 1),
        ("sharp0", sharp, 0), ("sharp1", sharp.replace(activation_l1=(0.0,)), 1),
        ("sharper0", sharp.replace(sharpness=6.0), 0),
    ]
    groups = runner._ensemble_groups(configurations)
    assert [[key for key, _, _ in members] for _, members in groups] == [
        ["plain0", "plain1"], ["pre0", "pre1"], ["salt0", "salt1"], ["sharp0", "sharp1"],
        ["sharper0"],
    ]
    assert groups[1][0].pretraining == pretrained.pretraining


@pytest.mark.backend
def test_an_ensemble_removes_the_progress_its_networks_kept_when_trained_alone(
    tmp_path, tiny_digits
):
    runs = tmp_path / "table1" / "runs"
    runs.mkdir(parents=True)
    stale = runs / "rectifier-prenone-seed1.checkpoint.npz"
    stale.write_bytes(b"progress of an interrupted run alone")
    reproduce.run_table1(
        "digits", activations=("rectifier",), pretraining=(False,), seeds=(0, 1),
        out=tmp_path, ensemble=True, resume=True, **FAST,
    )
    assert (runs / "rectifier-prenone-seed1.json").exists()
    assert not list(runs.glob("*.npz"))


@pytest.mark.backend
def test_an_ensemble_compares_learning_rates_after_selection_epochs(tmp_path, tiny_digits):
    options = {**FAST, "learning_rates": (0.1, 0.01), "epochs": 3, "patience": 3}
    reproduce.run_table1(
        "digits", activations=("rectifier",), pretraining=(False,), seeds=(0, 1), out=tmp_path,
        ensemble=True, selection_epochs=1, **options,
    )
    for seed in (0, 1):
        path = tmp_path / "table1" / "runs" / f"rectifier-prenone-seed{seed}.json"
        stored = json.loads(path.read_text())
        assert stored["ensemble_size"] == 2 and stored["selection_epochs"] == 1
        runs = {rate: entry["epochs_run"] for rate, entry in stored["candidates"].items()}
        chosen = f"{stored['learning_rate']:g}"
        assert runs == {rate: 3 if rate == chosen else 1 for rate in ("0.1", "0.01")}
        assert stored["epochs_run"] == 3


def _fake_train(calls, fail_after=None):
    """A stand-in for `training.train`: deterministic, instant, can fail."""

    def train(dataset, config, *, seed, checkpoint=None):
        if fail_after is not None and len(calls) == fail_after:
            raise KeyboardInterrupt("interrupted")
        activation = config.network.activation
        pretraining = config.pretraining and config.pretraining.reconstruction
        calls.append((activation, bool(pretraining), seed))
        error = 0.01 * (1 + seed) + (0.005 if pretraining else 0)
        return {
            "dataset": "digits", "activation": activation,
            "pretraining": pretraining or None, "seed": seed,
            "learning_rate": 0.1, "candidates": {}, "validation_error": error,
            "test_error": error, "average_sparsity": 0.8, "layer_sparsity": [0.7, 0.9],
            "dead_units": [1 + seed, 2], "dead_fraction": 0.1, "best_epoch": 2, "epochs_run": 3,
            "pretraining_loss": None, "wall_time": 1.0,
            "activation_l1": config.network.activation_l1,
            "sign_trick": config.network.sign_trick,
        }

    return train


def test_interrupted_table1_resumes_where_it_stopped(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier", "tanh"), seeds=(0, 1), out=tmp_path, **FAST)
    calls = []
    with pytest.raises(KeyboardInterrupt):
        reproduce.run_table1("digits", train=_fake_train(calls, fail_after=3), **arguments)
    runs = tmp_path / "table1" / "runs"
    assert len(list(runs.glob("*.json"))) == 3 and not list(runs.glob(".*"))
    finished = set(calls)

    calls.clear()
    summary = reproduce.run_table1("digits", train=_fake_train(calls), resume=True, **arguments)
    assert len(calls) == 5 and not finished & set(calls)  # only the unfinished ones
    assert len(list(runs.glob("*.json"))) == 8
    assert list(summary["seeds"]) == [2, 2, 2, 2]
    assert summary["test_error_mean"].tolist() == pytest.approx([0.015, 0.015, 0.02, 0.02])
    table = (tmp_path / "table1" / "table.md").read_text()
    assert "1.50 ± 0.50" in table and "2.00 ± 0.50" in table
    assert "| 1.5 / 2 |" in table  # dead units per layer, mean over the seeds
    stored = json.loads((runs / "rectifier-prenone-seed0.json").read_text())
    assert stored["key"] == "rectifier-prenone-seed0"


def _tabulate_together(tmp_path, *runs):
    """Runs Table 1 once per `(train, arguments)` into its own folder, then tabulates all."""
    outcomes = []
    for index, (train, arguments) in enumerate(runs):
        reproduce.run_table1("digits", train=train, out=tmp_path / str(index), **arguments)
        outcomes += [
            json.loads(path.read_text())
            for path in (tmp_path / str(index) / "table1" / "runs").glob("*.json")
        ]
    outcomes.sort(key=lambda outcome: outcome["key"])
    return table1.write_table1(tmp_path / "table1", outcomes, "digits")


def test_resume_refuses_networks_trained_with_other_settings(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier",), pretraining=(False,), out=tmp_path, **FAST)
    reproduce.run_table1("digits", train=_fake_train([]), **arguments)
    calls = []
    with pytest.raises(ValueError, match=r"Received: .*rectifier-prenone-seed0.json "
                       r"\(config.network.activation_l1=0.001 there, 0.0 now\)$"):
        reproduce.run_table1(
            "digits", train=_fake_train(calls), seeds=(0, 1), activation_l1=0.0, resume=True,
            **arguments,
        )
    assert calls == []  # refused before anything trained


def test_resume_refuses_networks_of_another_data_set_or_training_set(
    tmp_path, monkeypatch, tiny_dataset
):
    arguments = dict(
        activations=("rectifier",), pretraining=(False,), out=tmp_path, train=_fake_train([]),
        **FAST,
    )
    monkeypatch.setattr(runner, "load_dataset", lambda *args, **kwargs: tiny_dataset)
    reproduce.run_table1("digits", **arguments)
    with pytest.raises(ValueError, match="config.dataset='digits' there, 'mnist' now"):
        reproduce.run_table1("mnist", resume=True, **arguments)
    with pytest.raises(ValueError, match="config.train_size=None there, 10 now"):
        reproduce.run_table1("digits", resume=True, train_size=10, **arguments)


def test_resume_of_results_without_a_configuration_says_how_to_migrate(tmp_path, tiny_digits):
    arguments = dict(
        activations=("rectifier",), pretraining=(False,), out=tmp_path, train=_fake_train([]),
        **FAST,
    )
    reproduce.run_table1("digits", **arguments)
    path = tmp_path / "table1" / "runs" / "rectifier-prenone-seed0.json"
    stored = json.loads(path.read_text())
    del stored["config"]  # as written before results stored their configuration
    path.write_text(json.dumps(stored))
    with pytest.raises(ValueError, match="run again without `resume` .* into a new folder"):
        reproduce.run_table1("digits", resume=True, **arguments)


def test_stored_results_record_configuration_seed_and_environment(tmp_path, tiny_digits):
    reproduce.run_table1(
        "digits", activations=("tanh",), pretraining=(True,), seeds=(3,), out=tmp_path,
        train=_fake_train([]), **FAST,
    )
    stored = json.loads(
        (tmp_path / "table1" / "runs" / "tanh-pretrained-seed3.json").read_text()
    )
    config = Config.from_dict(stored["config"])
    assert config.network.activation == "tanh" and config.network.hidden_units == (16,)
    assert config.pretraining.reconstruction == "cross_entropy" and stored["seed"] == 3
    assert set(stored["environment"]) >= {"platform", "python", "keras", "backend", "numpy"}


def _fake_train_stopping_at(epochs_run):
    """A one-learning-rate `_fake_train` whose run ended at epoch `epochs_run`."""
    fake = _fake_train([])

    def train(dataset, config, **kwargs):
        return {**fake(dataset, config, **kwargs), "candidates": {"0.1": {}}, "epochs_run": epochs_run}

    return train


def test_resume_keeps_a_network_that_stopped_before_both_caps(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier",), pretraining=(False,), out=tmp_path)
    options = {**FAST, "epochs": 30, "patience": 5}
    reproduce.run_table1("digits", train=_fake_train_stopping_at(21), **arguments, **options)
    calls = []
    summary = reproduce.run_table1(
        "digits", train=_fake_train(calls), resume=True, **arguments, **{**options, "epochs": 60}
    )
    assert calls == [] and summary["epochs_run_mean"].tolist() == [21]
    # A run that reached its cap of 30 epochs might have gone on with 60.
    reproduce.run_table1("digits", train=_fake_train_stopping_at(30), **arguments, **options)
    with pytest.raises(ValueError, match="epochs=30 there, 60 now"):
        reproduce.run_table1(
            "digits", train=_fake_train(calls), resume=True, **arguments,
            **{**options, "epochs": 60},
        )


def test_networks_of_other_settings_get_their_own_rows(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier",), pretraining=(False,), **FAST)
    summary = _tabulate_together(
        tmp_path, (_fake_train([]), dict(seeds=(0,), **arguments)),
        (_fake_train([]), dict(seeds=(1,), activation_l1=0.0, sign_trick=True, **arguments)),
    )
    assert summary[["activation_l1", "sign_trick", "seeds"]].values.tolist() == [
        [0.001, False, 1], [0.0, True, 1]
    ]
    table = (tmp_path / "table1" / "table.md").read_text()
    assert "| no | rectifier | 0.001 | no | 1.00 |" in table
    assert "| no | rectifier | 0 | yes | 2.00 |" in table


def test_table1_of_networks_of_different_depths(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier",), pretraining=(False,))
    calls = []
    fake = _fake_train(calls)

    def without_hidden_layers(dataset, config, **kwargs):
        return {**fake(dataset, config, **kwargs), "layer_sparsity": [], "dead_units": []}

    summary = reproduce.run_table1(
        "digits", train=without_hidden_layers, out=tmp_path, **arguments, **FAST
    )
    assert summary["layer_sparsity_mean"].tolist() == [[]]
    summary = _tabulate_together(
        tmp_path, (without_hidden_layers, dict(seeds=(0,), **arguments, **FAST)),
        (fake, dict(seeds=(1,), sign_trick=True, **arguments, **FAST)),
    )
    assert [len(layers) for layers in summary["layer_sparsity_mean"]] == [0, 2]
    assert (tmp_path / "table1" / "table1.png").stat().st_size > 0


def test_networks_with_other_reconstructions_get_their_own_rows_and_column(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier", "tanh"), pretraining=(True,), **FAST)
    summary = reproduce.run_table1("digits", train=_fake_train([]), out=tmp_path, **arguments)
    assert summary["reconstruction"].tolist() == ["softplus_quadratic", "cross_entropy"]
    assert "| reconstruction |" not in (tmp_path / "table1" / "table.md").read_text()
    summary = _tabulate_together(
        tmp_path, (_fake_train([]), dict(seeds=(0,), **arguments)),
        (_fake_train([]), dict(
            seeds=(1,), reconstruction="sigmoid_cross_entropy",
            tanh_reconstruction="tanh_cross_entropy", **arguments,
        )),
    )
    assert summary[["reconstruction", "activation", "seeds"]].values.tolist() == [
        ["softplus_quadratic", "rectifier", 1], ["sigmoid_cross_entropy", "rectifier", 1],
        ["cross_entropy", "tanh", 1], ["tanh_cross_entropy", "tanh", 1],
    ]
    table = (tmp_path / "table1" / "table.md").read_text()
    assert "| pre-training | reconstruction | activation |" in table
    assert "| yes | tanh_cross_entropy | tanh | 0 | no | 2.50 |" in table


def test_unknown_reconstruction_is_an_error(tmp_path, tiny_digits):
    calls = []
    with pytest.raises(ValueError, match="Received: tanh_reconstruction='linear'"):
        reproduce.run_table1(
            "digits", train=_fake_train(calls), tanh_reconstruction="linear", out=tmp_path, **FAST
        )
    assert calls == []


def test_networks_with_weight_decay_get_their_own_rows_and_column(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier",), pretraining=(False,), **FAST)
    calls = []
    without_key = _fake_train(calls)  # as results stored before weight decay existed

    def with_key(dataset, config, **kwargs):
        return {**without_key(dataset, config, **kwargs), "weight_decay": config.network.weight_decay}

    reproduce.run_table1("digits", train=without_key, out=tmp_path, **arguments)
    assert "weight decay" not in (tmp_path / "table1" / "table.md").read_text()
    calls.clear()
    summary = _tabulate_together(
        tmp_path, (without_key, dict(seeds=(0,), **arguments)),
        (with_key, dict(seeds=(1,), weight_decay=0.002, **arguments)),
    )
    assert calls == [("rectifier", False, 0), ("rectifier", False, 1)]
    assert summary[["weight_decay", "seeds"]].values.tolist() == [[0.0, 1], [0.002, 1]]
    table = (tmp_path / "table1" / "table.md").read_text()
    assert "| sign trick | weight decay | test error (%) |" in table
    assert "| no | 0 | 1.00 |" in table and "| no | 0.002 | 2.00 |" in table


def test_table1_penalises_unbounded_activations_only_by_default(tmp_path, tiny_digits):
    summary = reproduce.run_table1(
        "digits", train=_fake_train([]), pretraining=(False,), out=tmp_path, **FAST
    )
    assert dict(zip(summary["activation"], summary["activation_l1"])) == {
        "rectifier": 0.001, "tanh": 0.0, "softplus": 0.001
    }
    summary = reproduce.run_table1(
        "digits", train=_fake_train([]), activations=("tanh",), pretraining=(False,),
        activation_l1=0.001, out=tmp_path, **FAST,
    )
    assert summary["activation_l1"].tolist() == [0.001]


def test_without_resume_every_configuration_runs_again(tmp_path, tiny_digits):
    arguments = dict(activations=("rectifier",), pretraining=(False,), out=tmp_path, **FAST)
    calls = []
    reproduce.run_table1("digits", train=_fake_train(calls), **arguments)
    reproduce.run_table1("digits", train=_fake_train(calls), **arguments)
    assert len(calls) == 2


@pytest.mark.backend
def test_reproduce_command(tmp_path, tiny_digits, capsys):
    status = cli.main([
        "reproduce", "--out", str(tmp_path), "--activations", "rectifier",
        "--pretraining", "none", "--epochs", "1", "--learning-rates", "0.1",
        "--hidden-units", "8", "--seeds", "2", "--weight-decay", "0.01",
    ])
    assert status == 0
    output = capsys.readouterr().out
    assert "| no | rectifier |" in output and "paper (mnist)" in output
    assert "| weight decay |" in output
    stored = json.loads((tmp_path / "table1" / "runs" / "rectifier-prenone-seed1.json").read_text())
    assert stored["weight_decay"] == 0.01


def test_reproduce_command_runs_the_seeds_from_the_first_seed(tmp_path, tiny_digits, capsys):
    arguments = [
        "reproduce", "--out", str(tmp_path), "--activations", "rectifier", "--pretraining", "none",
        "--epochs", "1", "--learning-rates", "0.1", "--hidden-units", "8",
    ]
    assert cli.main([*arguments, "--first-seed", "2", "--seeds", "2"]) == 0
    runs = tmp_path / "table1" / "runs"
    assert sorted(path.name for path in runs.glob("*.json")) == [
        "rectifier-prenone-seed2.json", "rectifier-prenone-seed3.json"
    ]
    assert json.loads((runs / "rectifier-prenone-seed3.json").read_text())["seed"] == 3
    [row] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| no |")]
    assert row.endswith("| 2 |")  # the seeds column


@pytest.mark.parametrize("seeds, first_seed", [("0", "0"), ("2", "-1")])
def test_reproduce_command_rejects_bad_seeds(seeds, first_seed, capsys):
    assert cli.main(["reproduce", "--seeds", seeds, "--first-seed", first_seed]) == 2
    error = capsys.readouterr().err
    assert error.startswith("sparserect reproduce: error: --seeds is a number of seeds")
    assert error.endswith(f"Received: --seeds {seeds} --first-seed {first_seed}\n")


@pytest.mark.parametrize("arguments, received", [
    (["sparsity", "--activation-l1", "0.0001"], "--activation-l1 0.0001"),
    (["softplus-sharpness", "--sign-trick", "--l1-range", "0,0.01"], "--sign-trick --l1-range 0,0.01"),
    (["sentiment", "--dataset", "mnist", "--seeds", "3"], "--dataset mnist --seeds 3"),
    (["table1", "--networks", "4", "--models", "none"], "--networks 4 --models none"),
])
def test_reproduce_command_rejects_options_its_experiment_ignores(
    tmp_path, arguments, received, capsys
):
    with pytest.raises(SystemExit) as exit:
        cli.main(["reproduce", *arguments, "--out", str(tmp_path)])
    assert exit.value.code == 2
    assert f"error: unrecognized arguments: {received}\n" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # stopped before anything ran


@pytest.mark.parametrize("seeds", [(), (-1,), (0, 1.5), 3])
@pytest.mark.parametrize("experiment", [reproduce.run_table1, reproduce.run_softplus_sharpness])
def test_experiments_reject_bad_seeds_before_training(tmp_path, experiment, seeds):
    calls = []
    with pytest.raises(ValueError, match=re.escape(f"Received: seeds={seeds!r}")):
        experiment("digits", seeds=seeds, out=tmp_path, train=_fake_train(calls))
    assert calls == []


@pytest.mark.backend
def test_reproduce_command_records_the_pretraining_settings(tmp_path, tiny_digits):
    status = cli.main([
        "reproduce", "--out", str(tmp_path), "--activations", "rectifier",
        "--pretraining", "only", "--epochs", "1", "--learning-rates", "0.1",
        "--hidden-units", "8", "--pretraining-epochs", "2", "--pretraining-learning-rate", "0.05",
    ])
    assert status == 0
    stored = json.loads((tmp_path / "table1" / "runs" / "rectifier-pretrained-seed0.json").read_text())
    assert stored["pretraining_epochs"] == 2 and stored["pretraining_learning_rate"] == 0.05
    assert len(stored["pretraining_loss"]["hidden_1"]) == 2
    assert set(stored["pretraining_dead_units"]) == {"hidden_1"}
    assert stored["pretraining_learning_rates"] == {"hidden_1": 0.05}
    assert stored["pretraining_selection"] is None
    assert stored["pretraining_activation_l1"] == stored["activation_l1"] == 0.001


@pytest.mark.backend
def test_reproduce_command_gives_pretraining_its_own_activation_l1(tmp_path, tiny_digits, capsys):
    status = cli.main([
        "reproduce", "--out", str(tmp_path), "--activations", "softplus", "--epochs", "1",
        "--learning-rates", "0.1", "--hidden-units", "8", "--pretraining-epochs", "1",
        "--activation-l1", "0.0001", "--pretraining-activation-l1", "0",
    ])
    assert status == 0
    runs = tmp_path / "table1" / "runs"
    pretrained = json.loads((runs / "softplus-pretrained-seed0.json").read_text())
    assert (pretrained["activation_l1"], pretrained["pretraining_activation_l1"]) == (0.0001, 0.0)
    assert json.loads((runs / "softplus-prenone-seed0.json").read_text())[
        "pretraining_activation_l1"
    ] is None
    output = capsys.readouterr().out
    assert "| activation L1 | pre-training L1 | sign trick |" in output
    assert "| softplus | 0.0001 |  | no |" in output and "| softplus | 0.0001 | 0 | no |" in output


def test_negative_pretraining_activation_l1_is_an_error_before_training(tmp_path):
    calls = []
    with pytest.raises(ValueError, match="Received: pretraining_activation_l1=-0.001"):
        reproduce.run_table1(
            "digits", pretraining_activation_l1=-0.001, out=tmp_path, train=_fake_train(calls)
        )
    assert calls == []


@pytest.mark.backend
def test_reproduce_command_sparsity_over_a_chosen_l1_range(tmp_path, tiny_digits):
    status = cli.main([
        "reproduce", "sparsity", "--out", str(tmp_path), "--networks", "2",
        "--l1-range", "0.001,0.003", "--epochs", "1", "--learning-rates", "0.1",
        "--hidden-units", "8",
    ])
    assert status == 0
    frame = pd.read_csv(tmp_path / "sparsity" / "results.csv")
    assert sorted(frame["activation_l1"]) == pytest.approx([0.001, 0.003])


@pytest.mark.backend
def test_reproduce_command_pretrains_tanh_with_the_authors_decoder(tmp_path, tiny_digits):
    status = cli.main([
        "reproduce", "--out", str(tmp_path), "--activations", "tanh", "--pretraining", "only",
        "--epochs", "1", "--learning-rates", "0.1", "--hidden-units", "8",
        "--pretraining-epochs", "1", "--tanh-reconstruction", "tanh_cross_entropy",
    ])
    assert status == 0
    stored = json.loads((tmp_path / "table1" / "runs" / "tanh-pretrained-seed0.json").read_text())
    assert stored["pretraining"] == "tanh_cross_entropy"
    assert "| yes | tanh_cross_entropy | tanh |" in (tmp_path / "table1" / "table.md").read_text()


@pytest.mark.backend
def test_reproduce_command_chooses_the_pretraining_learning_rate_per_layer(tmp_path, tiny_digits):
    status = cli.main([
        "reproduce", "--out", str(tmp_path), "--activations", "tanh", "--pretraining", "only",
        "--epochs", "1", "--learning-rates", "0.1", "--hidden-units", "8,6",
        "--pretraining-epochs", "3", "--selection-epochs", "1",
        "--pretraining-learning-rate", "0.05,0.000001",
    ])
    assert status == 0
    stored = json.loads((tmp_path / "table1" / "runs" / "tanh-pretrained-seed0.json").read_text())
    assert stored["pretraining_learning_rate"] == [0.05, 0.000001]
    for layer in ("hidden_1", "hidden_2"):
        costs = stored["pretraining_selection"][layer]
        assert set(costs) == {"0.05", "1e-06"}
        assert stored["pretraining_learning_rates"][layer] == float(min(costs, key=costs.get))
        assert len(stored["pretraining_loss"][layer]) == 3  # 1 to compare, then 2 more


@pytest.mark.backend
def test_reproduce_command_min_epochs(tmp_path, tiny_digits):
    # At learning rate 0 nothing improves: patience 1 alone ends the run at epoch 2 (inside
    # the digits preset's 2 epochs of learning-rate selection, which it does not extend).
    arguments = [
        "reproduce", "--activations", "tanh", "--pretraining", "none", "--learning-rates", "0",
        "--hidden-units", "8", "--epochs", "6", "--patience", "1",
    ]
    for min_epochs, expected in (("0", 2), ("5", 5)):
        out = tmp_path / min_epochs
        assert cli.main([*arguments, "--min-epochs", min_epochs, "--out", str(out)]) == 0
        stored = json.loads((out / "table1" / "runs" / "tanh-prenone-seed0.json").read_text())
        assert (stored["min_epochs"], stored["epochs_run"]) == (int(min_epochs), expected)


def test_experiment_config_from_a_name_quick_and_overrides():
    with pytest.raises(ValueError, match="Received: name='imagenet'"):
        runner.experiment_config(config="imagenet")
    quick = runner.experiment_config("digits", quick=True, epochs=7)
    assert (quick.fine_tuning.epochs, quick.fine_tuning.learning_rates) == (7, (0.1,))
    cell = runner.experiment_config(config="mnist-tanh-pretrained", train_size=100)
    assert (cell.dataset, cell.train_size, cell.network.activation) == ("mnist", 100, "tanh")


@pytest.mark.parametrize("override, received", [
    (dict(epochs=0), "epochs=0"), (dict(patience=-1), "patience=-1"),
    (dict(train_size=0), "train_size=0"), (dict(min_epochs=-2), "min_epochs=-2"),
    (dict(pretraining_epochs=1.5), "pretraining_epochs=1.5"),
    (dict(selection_epochs=0), "selection_epochs=0"),
])
def test_bad_preset_override_is_an_error_before_loading(tmp_path, override, received):
    calls = []
    with pytest.raises(ValueError, match=f"Received: {re.escape(received)}$"):
        reproduce.run_table1("digits", out=tmp_path, train=_fake_train(calls), **override)
    assert calls == [] and list(tmp_path.iterdir()) == []


def test_tanh_reconstruction_none_is_an_error(tmp_path, tiny_digits):
    calls = []
    with pytest.raises(ValueError, match="Received: tanh_reconstruction=None"):
        reproduce.run_table1(
            "digits", activations=("tanh",), pretraining=(True,), tanh_reconstruction=None,
            out=tmp_path, train=_fake_train(calls),
        )
    assert calls == []
