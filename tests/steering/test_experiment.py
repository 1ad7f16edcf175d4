import json

import pytest

from sparserect.reproduce.sparsity_target import run_sparsity_target

pytestmark = pytest.mark.backend


def test_experiment_writes_one_result_per_run_and_the_plot(shared_data_dir, tmp_path):
    results = run_sparsity_target(
        tmp_path, targets=(0.8,), epochs=1, hidden_units=(32, 32), train_examples=300,
        calibration_examples=300, update_every=10, data_dir=shared_data_dir,
    )
    assert [r["method"] for r in results] == ["unpenalized", "threshold", "target"]
    written = {path.name for path in tmp_path.iterdir()}
    assert written == {"unpenalized.json", "threshold_0.80.json", "target_0.80.json",
                       "error_vs_sparsity.png"}
    target = json.loads((tmp_path / "target_0.80.json").read_text())
    assert set(target["coefficients"]) == {"hidden_1", "hidden_2"}
    assert len(target["curve"]) == 1 and 0 <= target["test_error"] <= 1
    threshold = json.loads((tmp_path / "threshold_0.80.json").read_text())
    assert threshold["sparsity"] == pytest.approx(0.8, abs=0.05)  # on the test set


def test_command_line_passes_its_options_and_refuses_others(monkeypatch, tmp_path, capsys):
    from sparserect import cli
    from sparserect.reproduce import sparsity_target

    calls = []
    monkeypatch.setattr(sparsity_target, "run_sparsity_target",
                        lambda out, **kwargs: calls.append((out, kwargs)))
    status = cli.main(["reproduce", "sparsity-target", "--targets", "0.8,0.9", "--epochs", "2",
                       "--hidden-units", "32,16", "--train-size", "300", "--out", str(tmp_path)])
    assert status == 0
    assert calls == [(f"{tmp_path}/sparsity-target", dict(
        targets=(0.8, 0.9), epochs=2, hidden_units=(32, 16), train_examples=300,
        data_dir=None, seed=0))]
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "sparsity-target", "--activation-l1", "0.001"])
    assert "unrecognized arguments: --activation-l1" in capsys.readouterr().err
