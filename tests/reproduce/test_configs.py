"""The named configurations and the per-experiment options of `sparserect reproduce`."""

import json

import pytest

from sparserect import cli
from sparserect.config import Config
from sparserect.reproduce import configs


@pytest.mark.parametrize("name", sorted(configs.CONFIGS))
def test_every_named_configuration_survives_json(name):
    named = configs.get(name)
    assert Config.from_dict(json.loads(json.dumps(named.config.to_dict()))) == named.config
    assert named.differs and "\n" not in named.differs


def test_the_names_cover_every_published_cell():
    for dataset in ("mnist", "cifar10", "nistp", "norb"):
        for activation in ("rectifier", "tanh", "softplus"):
            plain = configs.get(f"{dataset}-{activation}").config
            pretrained = configs.get(f"{dataset}-{activation}-pretrained").config
            assert (plain.dataset, plain.network.activation) == (dataset, activation)
            assert plain.pretraining is None and pretrained.pretraining is not None
            assert plain.network.activation_l1 == (0.0 if activation == "tanh" else 0.001)
    assert configs.get("norb-rectifier").config.network.hidden_units == (4000, 2000)
    for name in ("digits", "quick", "figure3", "softplus-sharpness", "sentiment-ratings",
                 "sentiment-amazon", "sentiment-polarity"):
        assert name in configs.CONFIGS
    with pytest.raises(ValueError, match="Received: name='mnist-relu'"):
        configs.get("mnist-relu")


def test_list_configs_prints_every_name(capsys):
    assert cli.main(["reproduce", "--list-configs"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == list(configs.CONFIGS)


@pytest.mark.parametrize("arguments", [
    ["sparsity", "--pretraining-epochs", "2"],
    ["softplus-sharpness", "--activations", "tanh"],
    ["sentiment", "--train-size", "10"],
    ["table1", "--sharpness", "2"],
])
def test_an_option_its_experiment_ignores_is_an_argparse_error(tmp_path, arguments, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["reproduce", *arguments, "--out", str(tmp_path)])
    assert exit.value.code == 2
    assert f"unrecognized arguments: {' '.join(arguments[1:])}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_table1_from_the_quick_configuration_on_the_digits(tmp_path, tiny_dataset, monkeypatch, capsys):
    from sparserect.reproduce import runner

    monkeypatch.setattr(runner, "load_dataset", lambda *args, **kwargs: tiny_dataset)
    arguments = [
        "reproduce", "table1", "--config", "quick", "--activations", "rectifier",
        "--pretraining", "none", "--hidden-units", "8", "--out", str(tmp_path),
    ]
    assert cli.main(arguments) == 0
    assert "| no | rectifier |" in capsys.readouterr().out
    path = tmp_path / "table1" / "runs" / "rectifier-prenone-seed0.json"
    stored = json.loads(path.read_text())
    expected = configs.get("quick").config.replace(hidden_units=(8,))
    assert stored["config"]["fine_tuning"] == expected.fine_tuning.to_dict()
    assert stored["config"]["network"]["hidden_units"] == [8]
    # The same command resumes; another configuration is refused, naming the field.
    assert cli.main([*arguments, "--resume"]) == 0
    assert cli.main([*arguments, "--resume", "--patience", "4"]) == 2
    assert "config.fine_tuning.patience=2 there, 4 now" in capsys.readouterr().err
