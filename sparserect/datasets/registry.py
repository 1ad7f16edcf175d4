"""The data sets by name: `load(name)`, and what each needs (for the CLI)."""

import dataclasses

from sparserect.datasets import _files
from sparserect.datasets import cifar10
from sparserect.datasets import digits
from sparserect.datasets import distorted
from sparserect.datasets import emnist
from sparserect.datasets import mnist
from sparserect.datasets import norb
from sparserect.datasets import reviews


@dataclasses.dataclass(frozen=True)
class Entry:
    """A registered data set.

    Attributes:
        loader: the `load_<name>` function.
        description: one line.
        subdir: the sub-folder its files are looked for in.
        layouts: the alternative sets of files it can be read from; empty
            for bundled data (digits) and user files (rated reviews).
    """

    loader: object
    description: str
    subdir: str | None = None
    layouts: tuple = ()

    def locate(self, data_dir=None):
        """The local files, or `None` (also for bundled data, which needs none)."""
        if not self.layouts:
            return None
        return _files.locate(self.layouts, self.subdir, data_dir)


REGISTRY = {
    "digits": Entry(digits.load_digits,
                    "scikit-learn's bundled 8x8 digits, 1,197/300/300 (no download)"),
    "mnist": Entry(mnist.load_mnist, "MNIST, 50,000/10,000/10,000",
                   mnist.SUBDIR, mnist.LAYOUTS),
    "mnist-p": Entry(distorted.load_mnist_p, "MNIST with NISTP distortions",
                     mnist.SUBDIR, mnist.LAYOUTS),
    "cifar10": Entry(cifar10.load_cifar10, "CIFAR-10, 50,000/5,000/5,000",
                     cifar10.SUBDIR, cifar10.LAYOUTS),
    "norb": Entry(norb.load_norb, "jittered-cluttered NORB, 233,172/58,428/58,320",
                  "norb", norb.JITTERED_LAYOUTS),
    "small-norb": Entry(norb.load_small_norb, "small NORB, 24,300/0/24,300",
                        "norb", norb.SMALL_LAYOUTS),
    "emnist": Entry(emnist.load_emnist, "NIST SD19 via EMNIST byclass, 62 classes, 32x32",
                    emnist.SUBDIR, emnist.LAYOUTS),
    "nistp": Entry(distorted.load_nistp, "EMNIST byclass with NISTP distortions",
                   emnist.SUBDIR, emnist.LAYOUTS),
    "amazon": Entry(reviews.load_amazon, "Amazon multi-domain reviews, 4 domains",
                    reviews.AMAZON_SUBDIR, reviews.AMAZON_LAYOUTS),
    "rt-polarity": Entry(reviews.load_rt_polarity, "Pang & Lee sentence polarity",
                         reviews.RT_SUBDIR, reviews.RT_LAYOUTS),
    "rated-reviews": Entry(reviews.load_rated_reviews,
                           "your CSV/JSON-lines of rated or labelled reviews",
                           reviews.RATED_SUBDIR, reviews.RATED_LAYOUTS),
}  # fmt: skip


def load(name, **kwargs):
    """Loads a data set by its registered name.

    Args:
        name: one of `REGISTRY`: digits, mnist, mnist-p, cifar10, norb,
            small-norb, emnist, nistp, amazon, rt-polarity, rated-reviews.
        **kwargs: passed to the loader (e.g. `data_dir`, `dtype`).

    Returns:
        A `Dataset`.
    """
    if name not in REGISTRY:
        raise ValueError(
            f"Unknown data set {name!r}; choose among {', '.join(REGISTRY)}. "
            f"Received: name={name!r}"
        )
    return REGISTRY[name].loader(**kwargs)
