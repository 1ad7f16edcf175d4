"""Atomic file writes, shared by the data-set cache, the result files and the plots."""

import contextlib
import json
import math
import os
import pathlib
import uuid

import numpy as np


@contextlib.contextmanager
def atomic_open(path, mode="w", **open_kwargs):
    """Opens a new file beside `path` for writing; on success, renames it to `path`.

    Readers see the old file or the complete new one, never a partial one: the
    data are written to a temporary file in the same folder, flushed to disk
    (`os.fsync`) and moved over `path` with `os.replace`. On an exception the
    temporary file is removed and `path` is left as it was. The temporary file
    is created with an exclusive plain `open`, so it gets the mode that the
    umask gives any new file (`tempfile.mkstemp` would make it 0600).

    Args:
        path: the file to write; missing parent folders are created.
        mode: `"w"` for text or `"wb"` for bytes.
        **open_kwargs: passed to `open`, e.g. `encoding="utf-8"`.

    Yields:
        The open file object.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f'`mode` must be "w" or "wb". Received: mode={mode!r}')
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, mode.replace("w", "x"), **open_kwargs) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def plain(value):
    """Turns numpy scalars and arrays into JSON values; NaN becomes `None`."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _open_text(path):
    """Opens `path` for an atomic UTF-8 text write, newlines written as given."""
    return atomic_open(path, "w", encoding="utf-8", newline="")


def write_json(path, data):
    """Writes `data` as indented JSON, atomically."""
    with _open_text(path) as file:
        json.dump(plain(data), file, indent=2)


def write_text(path, text):
    """Writes a text file atomically."""
    with _open_text(path) as file:
        file.write(text)


def write_csv(path, frame):
    """Writes a `pandas.DataFrame` as CSV, atomically."""
    with _open_text(path) as file:
        frame.to_csv(file, index=False)
