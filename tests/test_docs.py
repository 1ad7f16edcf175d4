"""The Python examples of README.md and docs/*.md run as they are written, and their commands parse.

Every ```python block is run in a fresh namespace, in a temporary folder
where `../shared/data` is the folder of real data sets (as it is from the
repository's root). A block preceded by `<!-- skip: why -->` is not run; one
preceded by `<!-- tensorflow-only -->` runs on the TensorFlow backend only.
Every `sparserect ...` line of the other code blocks must be accepted by the
command line's parser (it is parsed, not run).
"""

import os
import pathlib
import re
import shlex

import keras
import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]

_BLOCK = re.compile(
    r"(?:<!--\s*(?P<marker>skip|tensorflow-only)\b[^>]*-->\s*\n)?"
    r"^```python\n(?P<code>.*?)^```",
    re.MULTILINE | re.DOTALL,
)


def python_blocks(text):
    """Returns `(fence line, marker, code)` for every ```python block of a Markdown text."""
    return [
        (text.count("\n", 0, match.start("code")), match["marker"], match["code"])
        for match in _BLOCK.finditer(text)
    ]


def _cases():
    for document in DOCUMENTS:
        for line, marker, code in python_blocks(document.read_text(encoding="utf-8")):
            name = f"{document.relative_to(REPO_ROOT)}:{line}"
            marks = [pytest.mark.skip(reason="marked skip")] if marker == "skip" else []
            if marker == "tensorflow-only":
                marks.append(pytest.mark.tensorflow_only)
            yield pytest.param(code, id=name, marks=marks)


def test_python_blocks_are_found():
    blocks = python_blocks(
        "text\n```python\nx = 1\n```\n<!-- skip: needs MNIST -->\n```python\ny = 2\n```\n"
        "<!-- tensorflow-only -->\n```python\nz = 3\n```\n```bash\nls\n```\n"
    )
    assert blocks == [
        (2, None, "x = 1\n"), (6, "skip", "y = 2\n"), (10, "tensorflow-only", "z = 3\n")
    ]


@pytest.mark.backend
@pytest.mark.parametrize("code", list(_cases()))
def test_example_runs(code, tmp_path, request):
    workdir = tmp_path / "repository"
    workdir.mkdir()
    if "shared/data" in code:
        data = request.getfixturevalue("shared_data_dir")
        (tmp_path / "shared").mkdir()
        (tmp_path / "shared" / "data").symlink_to(data, target_is_directory=True)
    previous = os.getcwd()
    os.chdir(workdir)
    keras.utils.clear_session()
    try:
        exec(compile(code, "<example>", "exec"), {"__name__": "__example__"})
    finally:
        os.chdir(previous)


def command_lines(text):
    """Returns `(line number, command)` for each `sparserect ...` command of the non-Python blocks.

    A line ending in `\\` continues on the next; its `&&`-joined parts are
    commands of their own; a `  # comment` is dropped.
    """
    commands, fence, pending = [], None, ""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("```"):
            fence = None if fence is not None else line[3:].strip()
            continue
        if fence is None or fence == "python":
            continue
        for part in line.split("&&"):
            part = re.split(r"\s+#", part)[0].strip()
            if part.startswith("sparserect "):
                commands.append((number, part))
    return commands


def test_command_lines_are_found():
    text = (
        "```python\nsparserect = 1\n```\nsparserect prose\n```bash\n"
        "python -m pip install . && sparserect reproduce  # the main job\n```\n"
        "```\nsparserect tune --dataset digits \\\n    --max-trials 2\n```\n"
    )
    assert command_lines(text) == [
        (6, "sparserect reproduce"), (10, "sparserect tune --dataset digits      --max-trials 2"),
    ]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(command, id=f"{document.relative_to(REPO_ROOT)}:{number}")
        for document in DOCUMENTS
        for number, command in command_lines(document.read_text(encoding="utf-8"))
    ],
)
def test_command_line_examples_parse(command):
    from sparserect import cli

    try:
        cli.build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit as error:
        raise AssertionError(f"`{command}` does not parse (exit {error.code})") from None
