"""The `sparserect` command line: its output only, and mistakes in one line."""

import os
import pathlib
import subprocess
import sys

import pytest

from sparserect import cli
from sparserect.datasets import BinaryBagOfWords
from sparserect.layers import build_network

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
TEXTS = [
    "Great food and friendly staff.",
    "Terrible service; the soup was cold.",
    "Okay pasta, nothing special.",
    "Lovely terrace, good wine, slow kitchen.",
]


def run_command(*argv, cwd, backend="tensorflow"):
    """Runs `python -m sparserect ARGV` as a user would, without TensorFlow log settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("TF_CPP_")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
    env["KERAS_BACKEND"] = backend
    return subprocess.run(
        [sys.executable, "-m", "sparserect", *argv],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture
def image_model_path(tmp_path):
    path = tmp_path / "image_model.keras"
    build_network((6, 6, 1), 3, hidden_units=(4,), seed=0).save(path)
    return path


@pytest.fixture
def text_model_files(tmp_path):
    """`(model path, vocabulary path)` of a text model with 4 classes."""
    vectorizer = BinaryBagOfWords(max_terms=20).fit(TEXTS)
    model = build_network((len(vectorizer.vocabulary),), 4, hidden_units=(8,), seed=0)
    model.save(tmp_path / "text_model.keras")
    vectorizer.save(tmp_path / "vocabulary.json")
    return tmp_path / "text_model.keras", tmp_path / "vocabulary.json"


def test_building_the_parser_imports_neither_keras_nor_tensorflow(imported_frameworks):
    # `sparserect --help` stays fast, and the TensorFlow log is hidden only if
    # TensorFlow is first imported by the command, after the parser is built.
    assert imported_frameworks("from sparserect import cli; cli.build_parser()") == "[]"


def test_a_user_error_is_one_line_and_status_2_and_verbose_adds_the_traceback(tmp_path):
    result = run_command("export", "missing.keras", "served", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    # TensorFlow's start-up log (oneDNN, CUDA) is hidden too.
    [line] = result.stderr.splitlines()
    assert line.startswith("sparserect export: error: File not found: filepath=missing.keras.")

    verbose = run_command("-v", "export", "missing.keras", "served", cwd=tmp_path)
    assert verbose.returncode == 2
    assert "Traceback (most recent call last)" in verbose.stderr
    assert verbose.stderr.splitlines()[-1] == line


@pytest.mark.tensorflow_only
def test_a_command_prints_its_own_output_and_nothing_else(tmp_path, image_model_path):
    result = run_command("export", str(image_model_path), "served", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Wrote served: serve() takes uint8 images.\n"
    assert result.stderr == ""


def test_export_on_the_jax_backend_says_to_use_tensorflow(tmp_path, image_model_path):
    pytest.importorskip("jax")
    result = run_command("export", str(image_model_path), "served", cwd=tmp_path, backend="jax")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("sparserect export: error:")
    assert "KERAS_BACKEND=tensorflow" in line and "Received: backend='jax'" in line
    assert not (tmp_path / "served").exists()


@pytest.mark.tensorflow_only
def test_export_refuses_a_text_model_without_its_vocabulary(text_model_files, tmp_path, capsys):
    model_path, _ = text_model_files
    assert cli.main(["export", str(model_path), str(tmp_path / "served")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("sparserect export: error: The model takes vectors of")
    assert "--vocabulary FILE" in line and line.endswith("Received: input_shape=(None, 20)")
    assert not (tmp_path / "served").exists()


@pytest.mark.tensorflow_only
@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--vocabulary", "small.json"], "takes 20 features but the vectorizer has 3 terms"),
        (["--class-values", "1", "2"], "`class_values` needs one value per output class (4)"),
        (["--vocabulary", "absent.json"], "No such file or directory"),
    ],
)
def test_export_argument_mistakes_are_one_line(
    text_model_files, tmp_path, capsys, arguments, message
):
    model_path, vocabulary_path = text_model_files
    BinaryBagOfWords(max_terms=3).fit(TEXTS).save(tmp_path / "small.json")
    arguments = [str(tmp_path / a) if a.endswith(".json") else a for a in arguments]
    if "--vocabulary" not in arguments:
        arguments += ["--vocabulary", str(vocabulary_path)]
    status = cli.main(["export", str(model_path), str(tmp_path / "served"), *arguments])
    assert status == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("sparserect export: error:") and message in line
    assert not (tmp_path / "served").exists()
