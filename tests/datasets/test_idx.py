"""The IDX reader and writer."""

import gzip

import numpy as np
import pytest

from sparserect.datasets import DataFormatError
from sparserect.datasets.idx import read_idx
from sparserect.datasets.idx import write_idx


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "float32", "float64"])
@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_round_trip(tmp_path, dtype, name):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    write_idx(tmp_path / name, array)
    back = read_idx(tmp_path / name)
    assert back.dtype == array.dtype.newbyteorder("=") and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_header_is_big_endian_as_published(tmp_path):
    write_idx(tmp_path / "labels", np.array([7, 2], np.uint8))
    assert (tmp_path / "labels").read_bytes() == bytes.fromhex("00000801 00000002 0702")


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "images.gz"
    write_idx(path, np.zeros((10, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(DataFormatError, match=r"images\.gz is a truncated or corrupt gzip"):
        read_idx(path)


def test_wrong_magic_number(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"PK\x03\x04" + bytes(100)))
    with pytest.raises(DataFormatError, match=r"bad\.gz is not an IDX file.*504b0304"):
        read_idx(path)


def test_payload_size_must_match_header(tmp_path):
    path = tmp_path / "short"
    write_idx(path, np.zeros((3, 4), np.uint8))
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(DataFormatError, match=r"short holds 11 bytes.*\(3, 4\)"):
        read_idx(path)


def test_expected_shape_and_md5(tmp_path):
    path = tmp_path / "x"
    write_idx(path, np.zeros((3, 4), np.uint8))
    assert read_idx(path, expected_shape=(None, 4)).shape == (3, 4)
    with pytest.raises(DataFormatError, match=r"shape \(3, 4\), expected \(None, 5\)"):
        read_idx(path, expected_shape=(None, 5))
    with pytest.raises(DataFormatError, match="md5 .* expected 0123"):
        read_idx(path, expected_md5="0123")
