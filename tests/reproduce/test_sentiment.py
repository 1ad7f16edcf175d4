"""The sentiment experiments end to end on tiny review files in the real formats, and resuming."""

import dataclasses
import json
import types

import numpy as np
import pandas as pd
import pytest

from sparserect import cli
from sparserect import pretraining
from sparserect.config import Config
from sparserect.reproduce import configs
from sparserect.reproduce import sentiment
from sparserect.reproduce.training import configuration_arguments

DOMAINS = ("books", "dvd", "electronics", "kitchen")
REVIEW = "<review>\n<rating>\n{rating}\n</rating>\n<title>\nt\n</title>\n<review_text>\n{text}\n</review_text>\n</review>\n"
WORDS = {1.0: "awful broken refund", 2.0: "bad dull meh", 4.0: "good nice fine", 5.0: "great superb love"}


@pytest.fixture(scope="module")
def review_files(tmp_path_factory):
    """Amazon (4 domains x 12 reviews per polarity) and rt-polarity (30 per polarity) files."""
    root = tmp_path_factory.mktemp("data")
    generator = np.random.default_rng(0)
    for domain in DOMAINS:
        folder = root / "amazon-multi-domain" / "sorted_data_acl" / domain
        folder.mkdir(parents=True)
        for name, ratings in (("positive", (4.0, 5.0)), ("negative", (1.0, 2.0))):
            reviews = []
            for i in range(12):
                rating = ratings[i % 2]
                filler = " ".join(generator.choice(["the", "it", "was", "a", domain, "item"], 5))
                reviews.append(REVIEW.format(rating=rating, text=f"{WORDS[rating]} {filler} {i}"))
            (folder / f"{name}.review").write_text("".join(reviews), "latin-1")
    folder = root / "rt-polarity" / "rt-polaritydata"
    folder.mkdir(parents=True)
    (folder / "rt-polarity.pos").write_text("".join(f"a great fun film {i}\n" for i in range(30)))
    (folder / "rt-polarity.neg").write_text("".join(f"a dull boring film {i}\n" for i in range(30)))
    return root


def test_text_model_names():
    assert sentiment.TextModel.parse("none") == sentiment.TextModel(None, 0)
    model = sentiment.TextModel.parse("rectifier-3-pretrained")
    assert (model.activation, model.layers, model.pretrained) == ("rectifier", 3, True)
    assert (model.name, model.architecture) == ("rectifier-3-pretrained", "rectifier-3")
    for bad in ("rectifier", "tanh-0", "rectifier-three", "none-pretrained"):
        with pytest.raises(ValueError, match=f"Received: model='{bad}'"):
            sentiment.TextModel.parse(bad)


def test_model_configs_follow_the_papers_text_settings():
    base = sentiment.task_config("ratings", hidden_units=50)
    config = sentiment.TextModel.parse("rectifier-3-pretrained").config(base)
    # The training inputs of the salt-and-pepper noise: 1% non-zero.
    inputs = np.zeros((10, 100), "float32")
    inputs[:, 0] = 1.0
    dataset = types.SimpleNamespace(train=types.SimpleNamespace(x=inputs))
    arguments = configuration_arguments(dataset, config, seed=3)
    assert arguments["hidden_units"] == (50, 50, 50)
    assert arguments["activation_l1"] == (1e-4, 0.0, 0.0)
    assert arguments["pretraining"] == "sigmoid_cross_entropy"
    first, *above = arguments["noise"]
    assert isinstance(first, pretraining.SaltAndPepperNoise)
    assert (first.rate, first.salt_probability, first.seed) == (0.7, 0.01, 3)
    assert above == [0.5, 0.3]
    tanh = configuration_arguments(
        dataset, sentiment.TextModel.parse("tanh-1-pretrained").config(base), seed=0
    )
    assert tanh["pretraining"] == "cross_entropy" and len(tanh["noise"]) == 1
    assert tanh["activation"] == "tanh" and tanh["activation_l1"] == (1e-4,)
    plain = configuration_arguments(dataset, sentiment.TextModel.parse("none").config(base), seed=0)
    assert plain["hidden_units"] == () and "pretraining" not in plain
    unpretrained = sentiment.TextModel.parse("rectifier-1").config(base)
    assert unpretrained.pretraining is None and unpretrained.network.hidden_units == (50,)


def test_quick_runs_are_the_small_text_settings():
    config = sentiment.task_config("amazon", quick=True)
    assert config.network.hidden_units == (64, 64, 64) and config.train_size is None
    tuning = config.fine_tuning
    assert (tuning.learning_rates, tuning.epochs, tuning.patience) == ((0.1,), 2, 2)
    assert config.pretraining.epochs == 1
    assert sentiment.task_config("polarity", "sentiment-amazon").dataset == "amazon"
    with pytest.raises(ValueError, match=r"Received: config=3"):
        sentiment.task_config("ratings", 3)


def test_sentiment_settings_is_a_deprecated_alias_of_a_config():
    with pytest.warns(DeprecationWarning, match="run_sentiment"):
        config = sentiment.SentimentSettings(hidden_units=50, epochs=3)
    assert isinstance(config, Config)
    assert config == configs.get("sentiment-ratings").config.replace(
        hidden_units=(50, 50, 50), epochs=3
    )
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match=r"\['folds'\]"):
        sentiment.SentimentSettings(folds=3)


@pytest.mark.backend
def test_sentiment_end_to_end(tmp_path, review_files):
    markdown = sentiment.run_sentiment(
        tasks=("ratings", "polarity"), models=("none", "rectifier-1-pretrained"),
        data_dir=review_files, out=tmp_path, quick=True, hidden_units=8,
    )
    folder = tmp_path / "sentiment"
    ratings = pd.read_csv(folder / "ratings.csv")
    assert sorted(ratings["fold"]) == [0, 0, 1, 1]
    assert ((ratings["test_rmse"] > 0) & (ratings["test_rmse"] < 4)).all()
    assert ratings["sparsity"].between(0, 1).all()
    summary = pd.read_csv(folder / "ratings_summary.csv")
    assert summary["RMSE (paper, OpenTable)"].tolist() == ["0.885 ± 0.006", "0.807 ± 0.004"]
    polarity = pd.read_csv(folder / "polarity.csv")
    assert polarity["model"].tolist() == ["none", "rectifier-1-pretrained", "logistic regression"]
    # The tiny sentences are separable by one word: the baseline gets them all right.
    assert polarity["accuracy"].iloc[-1] == 1.0
    assert "## Ratings" in markdown and "## Polarity" in markdown
    assert (folder / "table.md").read_text() == markdown
    assert (folder / "ratings.png").stat().st_size > 0


@pytest.mark.backend
def test_amazon_in_and_cross_domain(tmp_path, review_files):
    from sparserect import datasets

    reviews = datasets.load_amazon(review_files, download=False, max_terms=None)
    config = sentiment.task_config("amazon", quick=True, hidden_units=8)
    frame = sentiment.run_amazon(
        reviews, ("none",), config, tmp_path / "sentiment",
        folds=sentiment.QUICK_FOLDS, max_terms=sentiment.QUICK_MAX_TERMS,
    )
    inside = frame[frame["setting"] == "in-domain"]
    cross = frame[frame["setting"] == "cross-domain"]
    assert len(inside) == len(DOMAINS) * 2 * 2  # domains x folds x (network, baseline)
    pairs = set(zip(cross["source"], cross["target"]))
    assert len(pairs) == 12 and all(source != target for source, target in pairs)
    assert set(frame["model"]) == {"none", "logistic regression"}
    assert frame["accuracy"].between(0, 1).all()
    markdown = "\n".join(sentiment._amazon_markdown(frame))
    assert "books → dvd" in markdown and "| average |" in markdown
    assert (tmp_path / "sentiment" / "amazon.png").stat().st_size > 0


def _fake_train_configuration(calls, fail_after=None):
    def train(dataset, metrics=(), monitor=None, measure=None, **kwargs):
        if fail_after is not None and len(calls) == fail_after:
            raise KeyboardInterrupt("interrupted")
        calls.append(kwargs["label"])
        return {
            "test_rmse": 1.0, "test_error": 0.5, "validation_error": 1.0, "average_sparsity": 0.5,
            "learning_rate": 0.1, "best_epoch": 1, "epochs_run": 1, "wall_time": 0.0,
        }

    return train


def test_interrupted_ratings_resume_where_they_stopped(tmp_path, review_files, monkeypatch):
    options = dict(tasks=("ratings",), models=("none", "rectifier-3"), data_dir=review_files,
                   out=tmp_path, quick=True)
    calls = []
    monkeypatch.setattr(sentiment, "train_configuration", _fake_train_configuration(calls, fail_after=3))
    with pytest.raises(KeyboardInterrupt):
        sentiment.run_sentiment(**options)
    assert len(list((tmp_path / "sentiment" / "runs").glob("*.json"))) == 3
    resumed = []
    monkeypatch.setattr(sentiment, "train_configuration", _fake_train_configuration(resumed))
    sentiment.run_sentiment(**options, resume=True)
    assert resumed == ["rectifier-3"]  # fold 1's second model, the only one missing
    assert len(pd.read_csv(tmp_path / "sentiment" / "ratings.csv")) == 4


def test_resumed_ratings_refuse_other_settings_but_ignore_unused_ones(
    tmp_path, review_files, monkeypatch
):
    options = dict(tasks=("ratings",), models=("none", "rectifier-3"), data_dir=review_files,
                   out=tmp_path, quick=True)
    calls = []
    monkeypatch.setattr(sentiment, "train_configuration", _fake_train_configuration(calls))
    sentiment.run_sentiment(**options)
    # Networks without pre-training do not depend on the pre-training epochs.
    sentiment.run_sentiment(**options, pretraining_epochs=7, resume=True)
    assert len(calls) == 4  # the first run's networks, none trained again
    with pytest.raises(
        ValueError, match=r"ratings-rectifier-3-fold0.json \(config.fine_tuning.epochs=2 there, 3 now\)"
    ):
        sentiment.run_sentiment(**options, epochs=3, resume=True)
    assert len(calls) == 4


def test_sentiment_command(tmp_path, review_files, monkeypatch, capsys):
    monkeypatch.setattr(sentiment, "train_configuration", _fake_train_configuration([]))
    code = cli.main([
        "reproduce", "sentiment", "--quick", "--tasks", "polarity", "--models", "none",
        "--data-dir", str(review_files), "--out", str(tmp_path),
    ])
    assert code == 0
    assert "## Polarity: rt-polarity test accuracy" in capsys.readouterr().out
    assert cli.main(["reproduce", "sentiment", "--hidden-units", "5,6", "--out", str(tmp_path)]) == 2
    assert "one number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["reproduce", "sentiment", "--weight-decay", "0.001", "--out", str(tmp_path)])
    assert "unrecognized arguments: --weight-decay 0.001" in capsys.readouterr().err


def test_unknown_task_is_an_error():
    with pytest.raises(ValueError, match=r"Received: tasks=\('sentences',\)"):
        sentiment.run_sentiment(tasks=("sentences",))


def test_ratings_use_the_ratings_present_in_the_data(tmp_path, review_files, monkeypatch):
    seen = []

    def train(dataset, metrics=(), monitor=None, measure=None, **kwargs):
        (rmse,) = metrics
        assert monitor == "val_rmse"
        seen.append((tuple(rmse.rating_values), dataset.num_classes, set(dataset.train.y)))
        return _fake_train_configuration([])(dataset, **kwargs)

    monkeypatch.setattr(sentiment, "train_configuration", train)
    sentiment.run_sentiment(tasks=("ratings",), models=("none",), data_dir=review_files,
                            out=tmp_path / "amazon", quick=True)
    assert seen[0][:2] == ((1.0, 2.0, 4.0, 5.0), 4)  # Amazon has no 3-star review
    rows = [f'"review {i}, {"good" if i % 5 > 2 else "bad"}",{i % 5 + 1}' for i in range(50)]
    (tmp_path / "reviews.csv").write_text("text,rating\n" + "\n".join(rows) + "\n")
    seen.clear()
    sentiment.run_sentiment(tasks=("ratings",), ratings_dataset="rated-reviews", models=("none",),
                            data_dir=tmp_path, out=tmp_path / "rated", quick=True)
    assert seen[0][:2] == ((1.0, 2.0, 3.0, 4.0, 5.0), 5) and seen[0][2] == {0, 1, 2, 3, 4}


def test_ratings_of_reviews_labelled_by_name_are_a_clear_error(tmp_path):
    rows = [f"review {i},{'pos' if i % 2 else 'neg'}" for i in range(40)]
    (tmp_path / "reviews.csv").write_text("text,rating\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"needs numeric ratings .*; 'rated-reviews' has the class names \('neg', 'pos'\)"):
        sentiment.run_sentiment(tasks=("ratings",), ratings_dataset="rated-reviews", models=("none",),
                                data_dir=tmp_path, out=tmp_path / "out", quick=True)


@pytest.mark.backend
def test_a_named_config_and_the_same_explicit_config_give_the_same_rows(tmp_path, review_files):
    options = dict(tasks=("ratings",), models=("none", "rectifier-1-pretrained"),
                   data_dir=review_files, folds=2, max_terms=500)
    sentiment.run_sentiment(**options, out=tmp_path / "named", quick=True, hidden_units=8)
    explicit = configs.get("sentiment-ratings").config.replace(
        hidden_units=(8, 8, 8), learning_rates=(0.1,), epochs=2, patience=2, pretraining_epochs=1
    )
    sentiment.run_sentiment(**options, out=tmp_path / "explicit", config=explicit)
    named, given = (
        pd.read_csv(tmp_path / name / "sentiment" / "ratings.csv").drop(columns="wall_time")
        for name in ("named", "explicit")
    )
    pd.testing.assert_frame_equal(named, given)
    runs = tmp_path / "named" / "sentiment" / "runs"
    stored = json.loads((runs / "ratings-rectifier-1-pretrained-fold0.json").read_text())
    expected = sentiment.TextModel.parse("rectifier-1-pretrained").config(
        dataclasses.replace(explicit, dataset="amazon")
    )
    assert Config.from_dict(stored["config"]) == expected
    assert stored["seed"] == 0 and "backend" in stored["environment"]
    assert stored["options"]["folds"] == 2 and stored["options"]["max_terms"] == 500


def test_resume_names_the_differing_field_of_another_config(tmp_path, review_files, monkeypatch):
    options = dict(tasks=("polarity",), models=("rectifier-3",), data_dir=review_files,
                   out=tmp_path, quick=True)
    monkeypatch.setattr(sentiment, "train_configuration", _fake_train_configuration([]))
    sentiment.run_sentiment(**options)
    runs = tmp_path / "sentiment" / "runs"
    baseline = json.loads((runs / "polarity-logistic_regression.json").read_text())
    assert baseline["config"]["model"] == "logistic regression" and baseline["seed"] == 0
    other = sentiment.task_config("polarity", quick=True, activation_l1=0.01)
    with pytest.raises(
        ValueError, match=r"polarity-rectifier-3.json \(config.network.activation_l1="
    ):
        sentiment.run_sentiment(**options, config=other, resume=True)
    with pytest.raises(ValueError, match=r"\(options.max_terms=500 there, 400 now\)"):
        sentiment.run_sentiment(**options, max_terms=400, resume=True)
