"""Atomic writes: the whole new file or the old one, never a partial file or a leftover."""

import pytest

from sparserect._atomic import atomic_open


def test_writes_text_and_bytes_and_creates_the_folder(tmp_path):
    with atomic_open(tmp_path / "a" / "text.md", "w", encoding="utf-8") as file:
        file.write("é\n")
    with atomic_open(tmp_path / "a" / "data.bin", "wb") as file:
        file.write(b"\x00\x01")
    assert (tmp_path / "a" / "text.md").read_text(encoding="utf-8") == "é\n"
    assert (tmp_path / "a" / "data.bin").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["data.bin", "text.md"]


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    with pytest.raises(RuntimeError, match="interrupted"):
        with atomic_open(path, "wb") as file:
            file.write(b"half")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    path.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(path, "wb") as file:
            file.write(b"new, half")
            raise KeyboardInterrupt
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]


def test_the_file_gets_the_mode_of_a_plain_open(tmp_path):
    with atomic_open(tmp_path / "atomic.bin", "wb") as file:
        file.write(b"x")
    (tmp_path / "plain.bin").write_bytes(b"x")
    assert (tmp_path / "atomic.bin").stat().st_mode == (tmp_path / "plain.bin").stat().st_mode


def test_only_write_modes_are_accepted(tmp_path):
    with pytest.raises(ValueError, match=r"Received: mode='a'"):
        with atomic_open(tmp_path / "out.txt", "a"):
            pass
    assert list(tmp_path.iterdir()) == []
