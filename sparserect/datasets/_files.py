"""Where data files are looked for, how they are downloaded, and the cache.

A data set is read from the first of these folders that holds its files:

1. the `data_dir` argument of the loader;
2. the folders in the `SPARSERECT_DATA` environment variable (separated by
   `os.pathsep`);
3. the cache, `$SPARSERECT_CACHE` or else `~/.keras/datasets/sparserect`
   (under `$KERAS_HOME` when that is set), where downloads go.

In each folder a file is looked for in the data set's own sub-folder (for
example `mnist/train-images-idx3-ubyte.gz`) and then in the folder itself.
Files keep their canonical upstream names and formats. Local copies are read
in place, never modified: they may sit on read-only storage.

Anything this package writes (downloads, parsed arrays) goes to the cache, and
is written under a temporary name then renamed, so an interrupted download or
parse never leaves a half-written file behind.
"""

import contextlib
import dataclasses
import hashlib
import logging
import lzma
import os
import pathlib
import tarfile
import zlib

import numpy as np

from sparserect._atomic import atomic_open

logger = logging.getLogger(__name__)

DATA_ENV = "SPARSERECT_DATA"
CACHE_ENV = "SPARSERECT_CACHE"

# Bump when the layout of the parsed-array cache files changes.
_CACHE_FORMAT = 1


class DataNotFoundError(FileNotFoundError):
    """A data set's files are neither available locally nor downloadable."""


class DataFormatError(ValueError):
    """A data file is truncated, corrupt, or not the file it claims to be."""


def check_labels(labels, num_classes, name):
    """Raises a `DataFormatError` naming file `name` unless all labels are in 0..num_classes-1."""
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataFormatError(
            f"{name} holds labels up to {labels.max()} (labels from {labels.min()} to "
            f"{labels.max()}; expected 0 to {num_classes - 1})."
        )


@contextlib.contextmanager
def open_archive(path):
    """Opens a tar archive (plain, gzip, bz2 or xz) whose whole stream is checked on leaving.

    `tarfile` stops reading at the end-of-archive marker, before a gzip
    stream's CRC-32, and ends its listing at a damaged member header without
    an error: a corrupt archive could give some of its files, or garbled
    ones, and no error. On leaving, the rest of the stream is read, so that
    the decompressor checks its checksum. Any failure to read the archive
    becomes a `DataFormatError` that names it.
    """
    try:
        with tarfile.open(path) as archive:
            yield archive
            while archive.fileobj.read(1 << 20):
                pass
    except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error) as error:
        raise DataFormatError(f"{path} is a truncated or corrupt archive ({error}).") from error


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One file of a data set, under its canonical upstream name.

    Attributes:
        name: the canonical file (or folder) name, e.g.
            `"train-images-idx3-ubyte.gz"`.
        url: where to download it from, or `None` if it cannot be downloaded
            automatically (a folder layout, or a registration-only data set).
        file_hash: published md5 or sha256 of the downloaded file, checked by
            `keras.utils.get_file`; `None` where none is published.
    """

    name: str
    url: str | None = None
    file_hash: str | None = None


@dataclasses.dataclass(frozen=True)
class Layout:
    """One way a data set can be present: a set of files that together suffice.

    Some data sets come in several layouts (CIFAR-10 as the official pickle
    archive or as an image folder; EMNIST as `gzip.zip` or as the extracted
    IDX files). The loaders try each layout in turn.

    Attributes:
        name: a short name for the layout, e.g. `"pickle"`.
        files: the files this layout needs.
    """

    name: str
    files: tuple


@dataclasses.dataclass(frozen=True)
class Located:
    """The files of a data set that were found: which layout, and where."""

    layout: Layout
    paths: dict  # file name -> pathlib.Path

    def __getitem__(self, name):
        return self.paths[name]


def cache_dir():
    """Returns the folder for downloads and parsed arrays (may not exist yet)."""
    if os.environ.get(CACHE_ENV):
        return pathlib.Path(os.environ[CACHE_ENV]).expanduser()
    keras_home = os.environ.get(
        "KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras")
    )
    return pathlib.Path(keras_home) / "datasets" / "sparserect"


def search_dirs(data_dir=None):
    """Returns the folders searched for data files, in order of priority.

    Args:
        data_dir: a folder given by the caller, searched first; or `None`.

    Returns:
        A list of `pathlib.Path`: `data_dir`, the folders of
        `$SPARSERECT_DATA`, then `cache_dir()`.
    """
    entries = [entry for entry in os.environ.get(DATA_ENV, "").split(os.pathsep) if entry]
    if data_dir is not None:
        entries.insert(0, data_dir)
    return [*(pathlib.Path(entry).expanduser() for entry in entries), cache_dir()]


def locate(layouts, subdir, data_dir=None):
    """Finds the first layout whose files are all present in one folder.

    Args:
        layouts: a sequence of `Layout`, in order of preference.
        subdir: the data set's sub-folder name, e.g. `"mnist"`.
        data_dir: a folder searched first; or `None`.

    Returns:
        A `Located`, or `None` if no layout is complete in any folder.
    """
    for root in search_dirs(data_dir):
        for folder in (root / subdir, root):
            for layout in layouts:
                paths = {f.name: folder / f.name for f in layout.files}
                if all(p.exists() for p in paths.values()):
                    return Located(layout, paths)
    return None


def fetch(dataset, layouts, subdir, data_dir=None, download=True):
    """Returns the local files of a data set, downloading them if needed.

    Args:
        dataset: the data set's name, for messages.
        layouts: a sequence of `Layout`; the first downloadable one is the
            one downloaded when nothing is found locally.
        subdir: the data set's sub-folder name.
        data_dir: a folder searched first; or `None`.
        download: whether to download missing files.

    Returns:
        A `Located`.

    Raises:
        DataNotFoundError: nothing local and no download possible (or
            allowed, or it failed); the message names the expected files,
            where they were looked for, and where to get them.
    """
    found = locate(layouts, subdir, data_dir)
    if found is not None:
        logger.debug("%s: using %s", dataset, found.paths)
        return found
    downloadable = [layout for layout in layouts if all(f.url for f in layout.files)]
    failure = None
    if download and downloadable:
        layout = downloadable[0]
        try:
            paths = {
                f.name: _download(f, cache_dir() / subdir) for f in layout.files
            }
            return Located(layout, paths)
        except Exception as error:  # Network errors come in many types.
            failure = error
    raise DataNotFoundError(
        _not_found_message(dataset, layouts, subdir, data_dir, download, failure)
    )


def _not_found_message(dataset, layouts, subdir, data_dir, download, failure):
    lines = [
        f"The {dataset} data set was not found.",
        "It needs one of these sets of files (canonical names):",
        *(f"  - {layout.name}: {', '.join(f.name for f in layout.files)}" for layout in layouts),
        f"Looked in (each folder and its sub-folder '{subdir}/'):",
        *(f"  - {d}" for d in search_dirs(data_dir)),
    ]
    urls = [f.url for layout in layouts for f in layout.files if f.url]
    if urls:
        lines.append("Download them from:")
        lines.extend(f"  - {url}" for url in dict.fromkeys(urls))
    if failure is not None:
        lines.append(f"The download failed: {failure}")
    elif not download:
        lines.append("Downloading was disabled (download=False).")
    lines.append(
        f"Put the files in a folder and pass data_dir=..., or set {DATA_ENV}."
    )
    return "\n".join(lines)


def _download(remote, folder):
    """Downloads one file into `folder` atomically; returns its path."""
    import keras  # Imported here: only downloads need it.

    target = folder / remote.name
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = f"{remote.name}.part-{os.getpid()}"
    try:
        keras.utils.get_file(
            fname=partial,
            origin=remote.url,
            file_hash=remote.file_hash,
            cache_dir=str(folder),
            cache_subdir=".",
        )
        os.replace(folder / partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(folder / partial)
    return target


def _fingerprint(paths, params):
    """A short key of the sources' (and every file below a source folder's) names, sizes, mtimes."""
    digest = hashlib.sha256(repr((_CACHE_FORMAT, sorted(params.items()))).encode())
    for path in paths:
        path = pathlib.Path(path).resolve()
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            stat = file.stat()
            digest.update(f"{file}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def cached_arrays(name, sources, build, **params):
    """Returns parsed arrays, from the cache when the sources are unchanged.

    Parsing (decompression, checks, image decoding) is done once; the arrays
    are then kept as an uncompressed `.npz` in `cache_dir()/parsed/`, keyed by
    the source files' paths, sizes and modification times, and by `params`.
    A cache that cannot be written (read-only home) only costs speed. A
    source folder is keyed by every file below it.

    Args:
        name: a file-name prefix, e.g. `"mnist"`.
        sources: the source files (paths) the arrays are built from.
        build: a callable taking no argument and returning a dict of arrays.
        **params: anything else the arrays depend on (e.g. an image size).

    Returns:
        A dict of numpy arrays.
    """
    path = cache_dir() / "parsed" / f"{name}-{_fingerprint(sources, params)}.npz"
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                return {key: data[key] for key in data.files}
        except (OSError, ValueError, EOFError) as error:
            logger.warning("Ignoring unreadable cache file %s: %s", path, error)
    arrays = build()
    try:
        with atomic_open(path, "wb") as stream:
            np.savez(stream, **arrays)
    except OSError as error:
        logger.warning("Could not write the cache file %s: %s", path, error)
    return arrays
