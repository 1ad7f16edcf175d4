"""The binary bag of words: tokenisation, vocabulary, features, TF graph."""

import numpy as np
import pytest

from sparserect.datasets import BinaryBagOfWords
from sparserect.datasets import nonzero_fraction
from sparserect.datasets import tokenize

TRICKY = [
    "Café CAFÉ cafe\u0301",  # Composed, upper case, decomposed accent.
    "ﬁnance Ｆｕｌｌ ² ①",  # Ligature, full-width, superscript, circled digit.
    "ΟΔΟΣ Σ",  # Greek final sigma.
    "İstanbul straße STRASSE",
    "東京は晴れ😀😀 ok!",  # CJK and emoji.
    "",
    "   !!! ...",
    "don't stop-me_now 3.14 e-mail",
    "हिन्दी भाषा",  # Combining vowel signs stay inside words.
    "Tab\tnew\nline\u00a0nbsp\u200bzero-width",
]


def test_tokenize_normalises_unicode():
    assert tokenize("Café CAFÉ cafe\u0301") == ["café"] * 3
    assert tokenize("ﬁnance Ｆｕｌｌ ²") == ["finance", "full", "2"]
    assert tokenize("ΟΔΟΣ") == ["οδος"]
    assert tokenize("東京は晴れ😀 ok!") == ["東京は晴れ", "ok"]
    assert tokenize("don't stop-me_now 3.14") == ["don", "t", "stop", "me", "now", "3", "14"]
    assert tokenize("हिन्दी") == ["हिन्दी"]
    assert tokenize("") == [] and tokenize(" !! ") == []


def test_vocabulary_by_document_frequency_from_training_text_only():
    train = ["good good food", "good service", "bad food", "zebra"]
    vectorizer = BinaryBagOfWords(max_terms=3).fit(train)
    # good: 2 texts, food: 2, then ties (bad, service, zebra) alphabetically.
    assert vectorizer.vocabulary == ("food", "good", "bad")
    features = vectorizer.transform(["Good GOOD, unseen words!", "", "bad food"])
    np.testing.assert_array_equal(features, [[0, 1, 0], [0, 0, 0], [1, 0, 1]])
    assert features.dtype == np.float32
    assert vectorizer.transform(["food"], dtype="uint8").dtype == np.uint8
    assert nonzero_fraction(features) == pytest.approx(3 / 9)


def test_errors():
    with pytest.raises(ValueError, match="Call fit"):
        BinaryBagOfWords().transform(["text"])
    with pytest.raises(ValueError, match="no token"):
        BinaryBagOfWords().fit(["", "!!!"])
    with pytest.raises(ValueError, match="Received: max_terms=0"):
        BinaryBagOfWords(max_terms=0)
    with pytest.raises(ValueError, match="Received: min_count=1.5"):
        BinaryBagOfWords(min_count=1.5)


@pytest.mark.tensorflow_only
def test_tensorflow_graph_gives_identical_features():
    import tensorflow as tf

    vectorizer = BinaryBagOfWords(max_terms=50).fit(TRICKY)
    expected = vectorizer.transform(TRICKY)
    module = vectorizer.to_tf_module()
    actual = module(tf.constant(TRICKY)).numpy()
    assert actual.shape == expected.shape and actual.dtype == np.float32
    np.testing.assert_array_equal(actual, expected)
    assert expected.sum() > 20
