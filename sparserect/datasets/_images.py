"""Conversions shared by the image loaders: pixel types and resizing."""

import numpy as np


def convert_images(images, dtype, value_range=(0.0, 1.0)):
    """Converts uint8 images to the requested type.

    Args:
        images: uint8 array, values 0..255.
        dtype: `"float32"` (scaled linearly to `value_range`) or `"uint8"`
            (returned as is).
        value_range: `(low, high)` that 0 and 255 map to, for float32.

    Returns:
        The converted array.
    """
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return images
    if dtype != np.float32:
        raise ValueError(f"dtype must be 'float32' or 'uint8'. Received: dtype={dtype!r}")
    low, high = value_range
    out = images.astype(np.float32)
    out *= np.float32((high - low) / 255.0)
    out += np.float32(low)
    return out


def area_resize_matrix(size_in, size_out):
    """The `(size_out, size_in)` matrix of area-averaging (box) resampling.

    Row `i` averages the input pixels covered by output pixel `i`, weighting
    the partly covered ones by the covered fraction; rows sum to 1.
    """
    edges = np.arange(size_out + 1) * (size_in / size_out)
    starts, stops = edges[:-1, None], edges[1:, None]
    pixels = np.arange(size_in)[None, :]
    overlap = np.clip(np.minimum(stops, pixels + 1) - np.maximum(starts, pixels), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def area_resize(images, size, chunk=4096):
    """Resizes square images `(n, ..., h, w)` to `size x size` by area averaging.

    Returns:
        uint8 array `(n, ..., size, size)`, rounded to the nearest integer.
    """
    rows = area_resize_matrix(images.shape[-2], size).astype(np.float32)
    cols = area_resize_matrix(images.shape[-1], size).astype(np.float32)
    out = np.empty(images.shape[:-2] + (size, size), np.uint8)
    for start in range(0, len(images), chunk):
        block = np.asarray(images[start : start + chunk], np.float32)
        resized = np.einsum("ih,...hw,jw->...ij", rows, block, cols, optimize=True)
        out[start : start + chunk] = np.clip(np.rint(resized), 0, 255)
    return out
