"""EMNIST byclass, on small IDX files written here (zip and extracted)."""

import zipfile

import numpy as np
import pytest

from sparserect.datasets import DataFormatError
from sparserect.datasets import load_emnist
from sparserect.datasets.idx import write_idx


def _write_emnist(folder, train=12, test=5, label_max=61):
    """Writes the four IDX files; each image has one bright pixel at (row 3, col 9)
    in the upright orientation, so stored transposed at (9, 3)."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, count in (("train", train), ("test", test)):
        images = np.zeros((count, 28, 28), np.uint8)
        images[:, 9, 3] = 255
        images[:, 0, 0] = np.arange(count)
        labels = np.linspace(0, label_max, count).astype(np.uint8)
        write_idx(folder / f"emnist-byclass-{split}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"emnist-byclass-{split}-labels-idx1-ubyte.gz", labels)
    return folder


def test_extracted_files_orientation_padding_and_split(tmp_path):
    _write_emnist(tmp_path / "emnist")
    data = load_emnist(tmp_path, download=False, validation_size=2, test_size=3)
    assert (len(data.train), len(data.validation), len(data.test)) == (10, 2, 3)
    assert data.input_shape == (32, 32, 1) and data.num_classes == 62
    assert data.class_names[10] == "A" and data.class_names[61] == "z"
    image = data.train.x[0, :, :, 0]
    assert image[3 + 2, 9 + 2] == 1.0 and image.sum() == 1.0  # Upright, padded by 2.
    assert data.validation.x[1, 2, 2, 0] == pytest.approx(11 / 255)
    assert data.train.y[0] == 0 and data.validation.y[-1] == 61


def test_official_zip(tmp_path):
    folder = _write_emnist(tmp_path / "extracted")
    with zipfile.ZipFile(tmp_path / "gzip.zip", "w") as archive:
        for path in folder.iterdir():
            archive.write(path, f"gzip/{path.name}")
    data = load_emnist(tmp_path, download=False, dtype="uint8", validation_size=2)
    assert data.train.x.dtype == np.uint8 and data.train.x.max() == 255
    assert len(data.test) == 5


def test_labels_out_of_range(tmp_path):
    _write_emnist(tmp_path, label_max=62)
    with pytest.raises(DataFormatError, match=r"train-labels-idx1-ubyte\.gz holds labels up to 62"):
        load_emnist(tmp_path, download=False, validation_size=2)


def test_corrupt_zip(tmp_path):
    (tmp_path / "gzip.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataFormatError, match=r"gzip\.zip is a truncated or corrupt zip"):
        load_emnist(tmp_path, download=False)


def test_gunzipped_extracted_files(tmp_path):
    import gzip

    folder = _write_emnist(tmp_path / "gzipped")
    target = tmp_path / "emnist"
    target.mkdir()
    for path in folder.iterdir():
        (target / path.name.removesuffix(".gz")).write_bytes(gzip.decompress(path.read_bytes()))
    data = load_emnist(tmp_path, download=False, validation_size=2, test_size=3)
    reference = load_emnist(tmp_path / "gzipped", download=False, validation_size=2, test_size=3)
    np.testing.assert_array_equal(data.train.x, reference.train.x)
    np.testing.assert_array_equal(data.test.y, reference.test.y)


def test_a_damaged_zip_member_is_a_format_error(tmp_path):
    folder = _write_emnist(tmp_path / "extracted")
    path = tmp_path / "gzip.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:  # NIST stores the .gz files
        for file in sorted(folder.iterdir()):
            archive.write(file, f"gzip/{file.name}")
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(DataFormatError, match=r"gzip\.zip.* is a truncated or corrupt"):
        load_emnist(tmp_path, download=False, validation_size=2)
