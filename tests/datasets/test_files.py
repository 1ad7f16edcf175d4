"""File lookup, downloads and the parsed-array cache."""

import os
import pathlib

import numpy as np
import pytest

from sparserect.datasets import _files

LAYOUTS = (
    _files.Layout("pair", (
        _files.RemoteFile("a.bin", "https://example.org/a.bin"),
        _files.RemoteFile("b.bin", "https://example.org/b.bin"),
    )),
    _files.Layout("single", (_files.RemoteFile("ab.tar"),)),
)  # fmt: skip


def _touch(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"x")


def test_search_order_data_dir_then_environment_then_cache(tmp_path, monkeypatch, private_cache):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first / "demo", second, private_cache / "demo"):
        _touch(folder, "a.bin", "b.bin")
    monkeypatch.setenv(_files.DATA_ENV, os.pathsep.join([str(tmp_path / "empty"), str(second)]))
    assert _files.locate(LAYOUTS, "demo", first)["a.bin"] == first / "demo" / "a.bin"
    assert _files.locate(LAYOUTS, "demo")["a.bin"] == second / "a.bin"
    monkeypatch.delenv(_files.DATA_ENV)
    assert _files.locate(LAYOUTS, "demo")["a.bin"] == private_cache / "demo" / "a.bin"


def test_incomplete_layout_is_not_found_and_alternatives_are(tmp_path):
    _touch(tmp_path, "a.bin")
    assert _files.locate(LAYOUTS, "demo", tmp_path) is None
    _touch(tmp_path, "ab.tar")
    found = _files.locate(LAYOUTS, "demo", tmp_path)
    assert found.layout.name == "single"


def test_missing_files_error_names_files_folders_and_urls(tmp_path):
    with pytest.raises(_files.DataNotFoundError) as info:
        _files.fetch("Demo", LAYOUTS, "demo", tmp_path, download=False)
    message = str(info.value)
    for expected in ("Demo", "a.bin", "b.bin", "ab.tar", str(tmp_path),
                     "https://example.org/a.bin", "download=False", _files.DATA_ENV):  # fmt: skip
        assert expected in message


def test_failed_download_gives_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch, private_cache):
    import keras

    def failing_get_file(fname, origin, file_hash, cache_dir, cache_subdir):
        # Like a broken connection: a partial file, then an error.
        (private_cache / "demo" / fname).write_bytes(b"partial")
        raise Exception(f"URL fetch failure on {origin}: Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", failing_get_file)
    with pytest.raises(_files.DataNotFoundError, match="download failed.*Name or service"):
        _files.fetch("Demo", LAYOUTS, "demo", tmp_path / "nothing", download=True)
    assert list((private_cache / "demo").iterdir()) == []


def test_download_is_renamed_to_the_canonical_name(tmp_path, monkeypatch, private_cache):
    import keras

    def fake_get_file(fname, origin, file_hash, cache_dir, cache_subdir):
        path = os.path.join(cache_dir, cache_subdir, fname)
        with open(path, "wb") as stream:
            stream.write(origin.encode())
        return path

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    found = _files.fetch("Demo", LAYOUTS, "demo", tmp_path / "nothing")
    assert found["b.bin"] == private_cache / "demo" / "b.bin"
    assert found["b.bin"].read_bytes() == b"https://example.org/b.bin"
    assert sorted(p.name for p in (private_cache / "demo").iterdir()) == ["a.bin", "b.bin"]


def test_cached_arrays_reuses_and_invalidates(tmp_path, private_cache):
    source = tmp_path / "source.bin"
    source.write_bytes(b"1")
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(len(calls) * 3)}

    first = _files.cached_arrays("demo", [source], build)
    second = _files.cached_arrays("demo", [source], build)
    np.testing.assert_array_equal(first["x"], second["x"])
    assert len(calls) == 1
    source.write_bytes(b"22")  # A new size: a new cache entry.
    assert len(_files.cached_arrays("demo", [source], build)["x"]) == 6
    assert len(_files.cached_arrays("demo", [source], build, size=3)["x"]) == 9
    assert not [p for p in (private_cache / "parsed").iterdir() if not p.name.endswith(".npz")]


def test_cached_arrays_of_a_folder_see_the_files_inside_it(tmp_path, private_cache):
    # Rewriting a file deep inside a source folder leaves the folder's own
    # size and time as they were; the cache must still be rebuilt.
    folder = tmp_path / "images"
    (folder / "train" / "cat").mkdir(parents=True)
    image = folder / "train" / "cat" / "0001.png"
    image.write_bytes(b"1")
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(len(calls))}

    _files.cached_arrays("demo", [folder], build)
    _files.cached_arrays("demo", [folder], build)
    assert len(calls) == 1
    image.write_bytes(b"22")
    assert len(_files.cached_arrays("demo", [folder], build)["x"]) == 2


def test_check_labels_names_the_file_and_both_ranges():
    _files.check_labels(np.array([0, 4, 2]), 5, "ok.bin")
    _files.check_labels(np.array([], np.int64), 5, "empty.bin")
    with pytest.raises(_files.DataFormatError, match=r"bad\.bin .*from -1 to 5; expected 0 to 4"):
        _files.check_labels(np.array([-1, 5]), 5, "bad.bin")


def test_an_empty_data_dir_is_the_current_folder():
    assert _files.search_dirs("")[0] == pathlib.Path("")
