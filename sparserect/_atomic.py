"""Atomic file writes, shared by the data-set cache, the result files and the plots."""

import contextlib
import os
import pathlib
import uuid


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
