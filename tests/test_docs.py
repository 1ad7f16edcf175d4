"""The Python examples of README.md and docs/*.md run as they are written.

Every ```python block is run in a fresh namespace, in a temporary folder
where `../shared/data` is the folder of real data sets (as it is from the
repository's root). A block preceded by `<!-- skip: why -->` is not run; one
preceded by `<!-- tensorflow-only -->` runs on the TensorFlow backend only.
"""

import os
import pathlib
import re

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
