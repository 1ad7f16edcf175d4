"""The IDX file format of MNIST and EMNIST, plain or gzipped.

An IDX file is two zero bytes, a type code, the number of dimensions, then
each dimension as a big-endian int32, then the values in C order, big-endian.
See http://yann.lecun.com/exdb/mnist/ (bottom of the page).
"""

import gzip
import hashlib
import io
import pathlib
import zipfile
import zlib

import numpy as np

from sparserect.datasets._files import DataFormatError

_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder(">"): code for code, dtype in _DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(source, name=None):
    """Returns the content of a file, decompressed if it is gzipped.

    Args:
        source: a path, or a binary file object (e.g. a zip member).
        name: the name used in error messages (default: the path).

    Raises:
        DataFormatError: a truncated or corrupt gzip stream or archive member.
    """
    name = name or str(source)
    if isinstance(source, (str, pathlib.Path)):
        data = pathlib.Path(source).read_bytes()
    else:
        try:
            data = source.read()
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
            raise DataFormatError(
                f"{name} is a truncated or corrupt archive member ({error})."
            ) from error
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            return stream.read()
    except (EOFError, OSError, zlib.error) as error:
        raise DataFormatError(
            f"{name} is a truncated or corrupt gzip file ({error}). "
            "Delete it and download it again."
        ) from error


def read_idx(source, name=None, expected_shape=None, expected_md5=None):
    """Reads an IDX file (gzipped or not) into a numpy array.

    Args:
        source: a path, or a binary file object.
        name: the name used in error messages (default: the path).
        expected_shape: if given, the shape the array must have; `None` in it
            matches any size.
        expected_md5: if given, the published md5 of the uncompressed file.

    Returns:
        A numpy array in native byte order.

    Raises:
        DataFormatError: wrong magic number, type code, size or checksum;
            the message names the file.
    """
    name = name or str(source)
    data = read_bytes(source, name)
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _DTYPES:
        raise DataFormatError(
            f"{name} is not an IDX file: its magic number is "
            f"{data[:4].hex() or 'missing'} (expected 0000 followed by a type "
            "code and the number of dimensions)."
        )
    dtype, ndim = _DTYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFormatError(f"{name} is truncated: its IDX header is incomplete.")
    shape = tuple(int(d) for d in np.frombuffer(data, ">i4", ndim, offset=4))
    array = values_after_header(data, name, dtype, shape, header)
    if expected_shape is not None and (
        len(shape) != len(expected_shape)
        or any(e is not None and e != s for s, e in zip(shape, expected_shape))
    ):
        raise DataFormatError(
            f"{name} has shape {shape}, expected {tuple(expected_shape)}: "
            "is it the right file?"
        )
    if expected_md5 is not None:
        md5 = hashlib.md5(data).hexdigest()
        if md5 != expected_md5:
            raise DataFormatError(
                f"{name}: the md5 of its uncompressed content is {md5}, "
                f"expected {expected_md5}. The file is corrupt or not the "
                "official one."
            )
    return array.astype(dtype.newbyteorder("="))


def values_after_header(data, name, dtype, shape, header):
    """The `shape` array of `dtype` after `header` bytes; errors if the size differs."""
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataFormatError(
            f"{name} holds {len(data) - header:,} bytes of values, but its "
            f"header announces shape {shape} ({expected:,} bytes): the "
            "file is truncated or corrupt."
        )
    return np.frombuffer(data, dtype, offset=header).reshape(shape)


def write_bytes(path, data, compress=None):
    """Writes `data` to `path`, gzipped if `compress` (default: `path` ends in `.gz`)."""
    path = pathlib.Path(path)
    if path.suffix == ".gz" if compress is None else compress:
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)


def write_idx(path, array, compress=None):
    """Writes an array as an IDX file; gzipped if `path` ends in `.gz`.

    Args:
        path: the file to write.
        array: a numpy array of uint8, int8, int16, int32, float32 or float64.
        compress: whether to gzip; default: `path` ends in `.gz`.
    """
    array = np.asarray(array)
    dtype = array.dtype.newbyteorder(">")
    if dtype not in _CODES:
        raise ValueError(f"IDX cannot store {array.dtype}.")
    header = bytes([0, 0, _CODES[dtype], array.ndim])
    header += np.asarray(array.shape, ">i4").tobytes()
    write_bytes(path, header + array.astype(dtype).tobytes(), compress)
