"""NISTP-style random distortions of grey images, seeded and vectorised.

The paper's NISTP set (from Bengio et al., "Deep learners benefit more from
out-of-distribution examples", 2011) distorts NIST characters with affine
transformations, slant, thickness changes, elastic deformations, pinch,
motion blur, occlusion, noise and contrast changes. `NISTPDistortion`
re-implements these as a transform of any batch of grey images (not only
NIST's), so that distorted versions of MNIST ("mnist-p") or of the embedded
digits exist offline.

Each distortion has a strength in [0, 1]: 0 leaves the images exactly
unchanged, 1 is the strongest (about NISTP's maximal complexity). Random
parameters are drawn per image, from a seed, so a seed always gives the same
output. Geometric sizes (shifts, blur lengths, stroke widths) scale with the
image size, so the strengths mean the same on 8x8 and 32x32 images.
"""

import math

import numpy as np
from scipy import ndimage

from sparserect._atomic import atomic_open
from sparserect._checks import check_positive_int
from sparserect._checks import is_number

# In the order they are applied.
DISTORTIONS = (
    "thickness",
    "slant",
    "affine",
    "elastic",
    "pinch",
    "motion_blur",
    "occlusion",
    "contrast",
    "gaussian_noise",
    "salt_and_pepper",
)


def _grid(images):
    """The output pixel coordinates (rows, cols) and the image centre."""
    n, height, width = images.shape
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    centre = np.array([(height - 1) / 2, (width - 1) / 2])
    return rows[None].astype(np.float32), cols[None].astype(np.float32), centre


def _warp(images, src_rows, src_cols):
    """Samples each image at its source coordinates (bilinear, 0 outside)."""
    n = len(images)
    batch = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], images.shape)
    coordinates = np.stack(
        [batch, *np.broadcast_arrays(src_rows, src_cols)]
    ).reshape(3, *images.shape)
    return ndimage.map_coordinates(images, coordinates, order=1, mode="constant", cval=0.0)


def _thickness(images, strength, rng):
    """Thicker or thinner strokes: grey dilation or erosion by a disk."""
    max_radius = max(1, round(images.shape[1] / 28))
    amounts = rng.uniform(-strength, strength, len(images))
    radii = np.rint(np.abs(amounts) * max_radius).astype(int)
    out = images.copy()
    for radius in np.unique(radii[radii > 0]):
        y, x = np.mgrid[-radius : radius + 1, -radius : radius + 1]
        footprint = (x**2 + y**2 <= radius**2)[None]
        for grow, morph in ((True, ndimage.grey_dilation), (False, ndimage.grey_erosion)):
            chosen = (radii == radius) & ((amounts > 0) == grow)
            if chosen.any():
                out[chosen] = morph(images[chosen], footprint=footprint)
    return out


def _slant(images, strength, rng):
    """A horizontal shear, as handwriting slants."""
    rows, cols, centre = _grid(images)
    shear = rng.uniform(-strength, strength, len(images))[:, None, None] * 0.5
    return _warp(images, rows, cols + shear * (rows - centre[0]))


def _affine(images, strength, rng):
    """Rotation (up to 15 degrees), scaling (up to 15%) and translation."""
    n, height, _ = images.shape
    rows, cols, centre = _grid(images)
    # Parameters drawn as (..., n, 1, 1): the same draws, broadcast over pixels.
    angle = rng.uniform(-1, 1, (n, 1, 1)) * strength * np.pi / 12
    scale = 1 + rng.uniform(-1, 1, (2, n, 1, 1)) * strength * 0.15
    shift = rng.uniform(-1, 1, (2, n, 1, 1)) * strength * 0.08 * height
    cos, sin = np.cos(angle), np.sin(angle)
    r, c = rows - centre[0], cols - centre[1]
    src_rows = scale[0] * (cos * r - sin * c) + centre[0] + shift[0]
    src_cols = scale[1] * (sin * r + cos * c) + centre[1] + shift[1]
    return _warp(images, src_rows, src_cols)


def _elastic(images, strength, rng):
    """Simard et al.'s (2003) elastic deformation: a smoothed random field."""
    n, height, _ = images.shape
    sigma = 4.0 * height / 28
    alpha = strength * 34.0 * height / 28
    rows, cols, _ = _grid(images)
    fields = rng.uniform(-1, 1, (2, n) + images.shape[1:])
    fields = ndimage.gaussian_filter(fields, sigma=(0, 0, sigma, sigma), mode="constant")
    return _warp(images, rows + alpha * fields[0], cols + alpha * fields[1])


def _pinch(images, strength, rng):
    """A radial pinch (or bulge) of the centre of the image."""
    n, height, width = images.shape
    rows, cols, centre = _grid(images)
    radius = min(height, width) / 2
    r, c = rows - centre[0], cols - centre[1]
    distance = np.sqrt(r**2 + c**2) / radius
    amount = rng.uniform(-strength, strength, n)[:, None, None] * 0.6
    factor = np.where(distance < 1, np.power(np.maximum(distance, 1e-12), amount), 1.0)
    return _warp(images, centre[0] + r * factor, centre[1] + c * factor)


def _motion_blur(images, strength, rng, samples=5):
    """The average of shifted copies along a random direction."""
    n, height, _ = images.shape
    rows, cols, _ = _grid(images)
    length = rng.uniform(0, 1, n)[:, None, None] * strength * height / 5
    angle = rng.uniform(0, np.pi, n)[:, None, None]
    out = np.zeros_like(images)
    for offset in np.linspace(-0.5, 0.5, samples):
        out += _warp(
            images,
            rows + offset * length * np.sin(angle),
            cols + offset * length * np.cos(angle),
        )
    return out / samples


def _occlusion(images, strength, rng):
    """A rectangle of another image of the batch laid over (maximum)."""
    n, height, width = images.shape
    rows, cols, _ = _grid(images)
    extent = np.reshape([height, width], (2, 1, 1, 1))
    sizes = rng.uniform(0.2, 0.6, (2, n, 1, 1)) * strength * extent
    top = rng.uniform(0, 1, (n, 1, 1)) * (height - sizes[0])
    left = rng.uniform(0, 1, (n, 1, 1)) * (width - sizes[1])
    inside = (
        (rows >= top) & (rows < top + sizes[0]) & (cols >= left) & (cols < left + sizes[1])
    )
    others = images[rng.permutation(n)]
    return np.where(inside, np.maximum(images, others), images)


def _contrast(images, strength, rng):
    """Less contrast: ink range scaled down (up to 60%), on a grey background."""
    n = len(images)
    scale = rng.uniform(1 - 0.6 * strength, 1, n)
    background = rng.uniform(0, 0.5, n) * (1 - scale)
    return background[:, None, None] + scale[:, None, None] * images


def _gaussian_noise(images, strength, rng):
    """Additive Gaussian noise, standard deviation up to 0.3."""
    sigma = rng.uniform(0, 0.3 * strength, len(images))[:, None, None]
    return images + sigma * rng.standard_normal(images.shape)


def _salt_and_pepper(images, strength, rng):
    """Up to 20% of the pixels set to black or white."""
    fraction = rng.uniform(0, 0.2 * strength, len(images))[:, None, None]
    hit = rng.uniform(size=images.shape) < fraction
    salt = rng.uniform(size=images.shape) < 0.5
    return np.where(hit, salt.astype(images.dtype), images)


_FUNCTIONS = {name: globals()[f"_{name}"] for name in DISTORTIONS}


def _is_pair(value):
    return isinstance(value, (tuple, list)) and len(value) == 2


class NISTPDistortion:
    """Applies the NISTP distortions to a batch of grey images.

    Example:

    ```python
    distort = NISTPDistortion(strength=0.5, strengths={"occlusion": 0.0})
    distorted = distort(images, seed=0)
    ```

    Args:
        strength: the strength of every distortion, in [0, 1].
        strengths: per-distortion strengths overriding `strength`, a mapping
            from names in `DISTORTIONS` to [0, 1].
        value_range: `(black, white)` of float images (uint8 images always use
            0..255). Outputs are clipped to it.
        chunk_size: images processed at once (bounds memory use).
    """

    def __init__(self, strength=0.5, strengths=None, value_range=(0.0, 1.0),
                 chunk_size=1024):  # fmt: skip
        unknown = set(strengths or {}) - set(DISTORTIONS)
        if unknown:
            raise ValueError(
                f"Unknown distortions {sorted(unknown)}; choose among {DISTORTIONS}."
            )
        self.strengths = {**dict.fromkeys(DISTORTIONS, strength), **(strengths or {})}
        for name, value in self.strengths.items():
            if not is_number(value) or not 0 <= value <= 1:
                raise ValueError(f"The strength of {name} must be in [0, 1], got {value!r}.")
        low, high = tuple(value_range) if _is_pair(value_range) else (None, None)
        if not (is_number(low) and is_number(high) and -math.inf < low < high < math.inf):
            raise ValueError(
                "`value_range` must be `(black, white)`, two finite numbers with "
                f"black < white. Received: value_range={value_range!r}"
            )
        check_positive_int("chunk_size", chunk_size)
        self.value_range = (low, high)
        self.chunk_size = chunk_size

    def get_config(self):
        return {
            "strengths": dict(self.strengths),
            "value_range": self.value_range,
            "chunk_size": self.chunk_size,
        }

    def __call__(self, images, seed=None):
        """Returns distorted copies of `images`.

        Args:
            images: `(n, height, width)` or `(n, height, width, 1)`, uint8 or
                float (in `value_range`).
            seed: an int (or a sequence of ints) for reproducible output; `None`
                draws fresh randomness.

        Returns:
            An array of the same shape and dtype, within the same range.
        """
        images = np.asarray(images)
        shape = images.shape
        if images.ndim == 4 and shape[-1] == 1:
            images = images[..., 0]
        if images.ndim != 3:
            raise ValueError(
                f"Expected grey images (n, height, width[, 1]), got shape {shape}."
            )
        if not any(strength > 0 for strength in self.strengths.values()):
            return images.reshape(shape).copy()  # exactly, not through a rescaling
        integer = np.issubdtype(images.dtype, np.integer)
        low, high = (0.0, 255.0) if integer else self.value_range
        # One independent stream per chunk and distortion: changing one
        # strength does not change the others' random draws.
        chunks = range(0, len(images), self.chunk_size)
        streams = np.random.SeedSequence(seed).spawn(len(chunks))
        out = np.empty(images.shape, images.dtype)
        for start, stream in zip(chunks, streams):
            block = images[start : start + self.chunk_size].astype(np.float32)
            block = (block - np.float32(low)) / np.float32(high - low)
            for name, child in zip(DISTORTIONS, stream.spawn(len(DISTORTIONS))):
                strength = self.strengths[name]
                if strength > 0:
                    block = _FUNCTIONS[name](block, strength, np.random.default_rng(child))
            block = np.clip(block, 0, 1) * (high - low) + low
            out[start : start + self.chunk_size] = np.rint(block) if integer else block
        return out.reshape(shape)


def plot_distortions(images, path, strength=0.8, seed=0):
    """Draws each distortion on sample images into a PNG grid.

    Rows: the original images, each distortion alone at `strength`, and all
    together; columns: the images.

    Args:
        images: `(n, height, width[, 1])` grey images in [0, 1] (or uint8).
        path: the PNG file to write.
        strength: the strength of the distortions shown.
        seed: the random seed.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    images = np.asarray(images)
    rows = [("original", images)]
    for name in DISTORTIONS:
        alone = NISTPDistortion(0.0, {name: strength})
        rows.append((name.replace("_", " "), alone(images, seed)))
    rows.append(("all", NISTPDistortion(strength)(images, seed)))
    figure, axes = plt.subplots(
        len(rows), len(images), figsize=(0.9 * len(images) + 1.6, 0.9 * len(rows)),
        squeeze=False,
    )  # fmt: skip
    vmax = 255 if np.issubdtype(images.dtype, np.integer) else 1
    for (label, row), axis_row in zip(rows, axes):
        for image, axis in zip(row, axis_row):
            axis.imshow(np.squeeze(image), cmap="gray", vmin=0, vmax=vmax)
            axis.set_xticks([])
            axis.set_yticks([])
        axis_row[0].set_ylabel(label, rotation=0, ha="right", va="center")
    figure.tight_layout()
    try:
        with atomic_open(path, "wb") as file:
            figure.savefig(file, format="png", dpi=80)
    finally:
        plt.close(figure)
