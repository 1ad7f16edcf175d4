"""The public API: the dispatcher by name, the result object, tf.data."""


import numpy as np
import pytest

import sparserect.datasets as datasets
from sparserect.datasets import REGISTRY
from sparserect.datasets import Split
from sparserect.datasets import load
from sparserect.datasets import to_tf_dataset

NAMES = ["mnist", "cifar10", "norb", "small-norb", "emnist", "nistp", "mnist-p",
         "digits", "amazon", "rt-polarity", "rated-reviews"]  # fmt: skip


def test_every_name_is_registered_and_exported():
    assert sorted(REGISTRY) == sorted(NAMES)
    for name in datasets.__all__:
        assert getattr(datasets, name) is not None


def test_load_by_name():
    data = load("digits", dtype="uint8")
    assert data.name == "digits" and data.train.x.dtype == np.uint8
    assert "1,197 / 300 / 300" in repr(data)
    with pytest.raises(ValueError, match="Unknown data set 'mnist2'.*rt-polarity"):
        load("mnist2")


def test_importing_does_not_import_tensorflow_or_keras(imported_frameworks):
    code = "import sparserect.datasets as d; d.load('digits')"
    assert imported_frameworks(code) == "[]"


def test_split_take_keeps_fields_aligned():
    split = Split(np.arange(5), np.arange(5) * 2, texts=np.array(list("abcde"), object))
    part = split.take([1, 3])
    assert part.x.tolist() == [1, 3] and part.y.tolist() == [2, 6]
    assert part.texts.tolist() == ["b", "d"] and part.ratings is None and len(part) == 2


@pytest.mark.tensorflow_only
def test_to_tf_dataset_images_and_texts():
    data = load("digits")
    batches = list(to_tf_dataset(data.test, batch_size=128, shuffle=True, seed=1))
    assert [int(x.shape[0]) for x, _ in batches] == [128, 128, 44]
    x, y = batches[0]
    assert tuple(x.shape[1:]) == (8, 8, 1) and x.dtype.name == "float32"
    assert y.dtype.name == "int64"
    first = np.concatenate([y.numpy() for _, y in to_tf_dataset(data.test, shuffle=True, seed=1)])
    assert sorted(first) == sorted(data.test.y)
    texts = Split(np.array(["é ok", "b"], object), None)
    (batch,) = list(to_tf_dataset(texts, batch_size=2))
    assert batch.numpy().tolist() == ["é ok".encode(), b"b"]


def test_bundled_data_has_no_files_to_locate():
    assert REGISTRY["digits"].locate() is None
