"""The binary bag of words: tokenisation, vocabulary, features, TF graph."""

import html
import json
import unicodedata

import numpy as np
import pytest

from sparserect.datasets import BinaryBagOfWords
from sparserect.datasets import nonzero_fraction
from sparserect.datasets import tokenize
from sparserect.datasets import html_to_text
from sparserect.datasets.bag_of_words import HTML_ENTITIES

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
    # HTML: tags, comments, references, and what only looks like them.
    "Great<br /><br />film</p><P CLASS='x'>ok <!-- a\ncomment --> end",
    "I <3 it, a < b and c>d, x<y\nz>w, <unclosed",
    "Fish &amp; chips &quot;yum&quot; &lt;br&gt; &amp;amp; &AMP; &Eacute;t&eacute;",
    "&#39;q&#x27;Q&#X41; &#150;&#128;&#129; &#0; &#xD800; &#1114112; &#12345678; &#x1F600;",
    "&unknown; &amp &#; &#x; && &nbsp;x&NotEqualTilde;&fjlig;",
    # Scripts written without spaces; Thai and Myanmar combining marks.
    "東京は晴れ、カタカナとひらがな。abc東京def 123円",
    "ภาษาไทยที่ดีมาก ພາສາລາວ ភាសាខ្មែរ မြန်မာစာ",
    "ｶﾀｶﾅ ｶﾞ か\u3099 々 〆 〇 ー \u0e34orphan a\u0e34b 𠀋𪚲",
]


def test_tokenize_normalises_unicode():
    assert tokenize("Café CAFÉ cafe\u0301") == ["café"] * 3
    assert tokenize("ﬁnance Ｆｕｌｌ ²") == ["finance", "full", "2"]
    assert tokenize("ΟΔΟΣ") == ["οδος"]
    assert tokenize("東京は晴れ😀 ok!") == ["東", "京", "は", "晴", "れ", "ok"]
    assert tokenize("don't stop-me_now 3.14") == ["don", "t", "stop", "me", "now", "3", "14"]
    assert tokenize("हिन्दी") == ["हिन्दी"]
    assert tokenize("") == [] and tokenize(" !! ") == []


def test_scripts_without_spaces_split_into_characters():
    assert tokenize("美味しいラーメン、また来たい") == list("美味しいラーメンまた来たい")
    assert tokenize("abc東京def 2024年") == ["abc", "東", "京", "def", "2024", "年"]
    # A Thai consonant keeps its vowel and tone marks.
    assert tokenize("ที่ดี") == ["ที่", "ดี"]
    assert tokenize("ｶﾞｲﾄﾞ") == ["ガ", "イ", "ド"]  # Half-width kana, NFKC-composed.
    assert tokenize("한국어 문장") == ["한국어", "문장"]  # Korean has spaces: words stay.
    vectorizer = BinaryBagOfWords().fit(["美味しいラーメン", "まずいラーメン"])
    assert vectorizer.transform(["ラーメンが美味しい"]).sum() == 8  # All but が.


def test_html_is_removed_before_tokenising():
    assert tokenize("Great film.<br /><br />The end &amp; more&#39;s") == [
        "great", "film", "the", "end", "more", "s"
    ]
    assert tokenize("<b>bold</b> <3", strip_html=False) == ["b", "bold", "b", "3"]
    assert tokenize("<b>bold</b> <3") == ["bold", "3"]
    assert html_to_text("Fish &amp; chips<br/>&quot;great&quot;") == 'Fish & chips "great"'
    assert html_to_text("&lt;br&gt; &amp;amp;") == "<br> &amp;"  # Unescaped once.
    texts = ["good film", "bad film<br /><br />really", "fine&nbsp;film"]
    vectorizer = BinaryBagOfWords().fit(texts)
    assert set(vectorizer.vocabulary) == {"good", "bad", "fine", "film", "really"}
    np.testing.assert_array_equal(
        vectorizer.transform(["bad<br /><br />film"]), vectorizer.transform(["bad film"])
    )
    raw = BinaryBagOfWords(strip_html=False).fit(texts)
    assert "br" in raw.vocabulary and "nbsp" in raw.vocabulary


def test_html_references_as_python_unescapes_them():
    named = list(HTML_ENTITIES)
    assert len(named) > 2000
    numbers = [*range(0, 0x300), *range(0x300, 0x110010, 997), 0xD800, 0xFFFD, 0x10FFFF]
    numeric = [f"&#{n};" for n in numbers] + [f"&#x{n:X};" for n in numbers if n <= 0xFFFFFF]
    for reference in named + numeric:
        expected = html.unescape(reference)
        if expected:  # Python drops control characters; they separate tokens here.
            assert html_to_text(f"a{reference}b") == f"a{expected}b", reference


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
    with pytest.raises(ValueError, match="Received: strip_html='no'"):
        BinaryBagOfWords(strip_html="no")


@pytest.mark.parametrize("strip_html", [True, False])
def test_save_and_load_keep_the_settings(tmp_path, strip_html):
    vectorizer = BinaryBagOfWords(max_terms=20, min_count=2, strip_html=strip_html).fit(TRICKY * 2)
    vectorizer.save(tmp_path / "vocabulary.json")
    loaded = BinaryBagOfWords.load(tmp_path / "vocabulary.json")
    assert loaded.get_config() == vectorizer.get_config() == {
        "max_terms": 20, "min_count": 2, "strip_html": strip_html
    }
    assert loaded.vocabulary == vectorizer.vocabulary
    np.testing.assert_array_equal(loaded.transform(TRICKY), vectorizer.transform(TRICKY))


def test_a_vocabulary_saved_without_the_html_setting_keeps_raw_text(tmp_path):
    path = tmp_path / "vocabulary.json"
    path.write_text(json.dumps({"max_terms": 3, "min_count": 1, "vocabulary": ["br", "good", "amp"]}))
    loaded = BinaryBagOfWords.load(path)
    assert loaded.strip_html is False
    np.testing.assert_array_equal(loaded.transform(["good<br />&amp;"]), [[1, 1, 1]])


@pytest.mark.tensorflow_only
def test_tensorflow_graph_gives_identical_features():
    import tensorflow as tf

    for strip_html in (True, False):
        vectorizer = BinaryBagOfWords(max_terms=500, strip_html=strip_html).fit(TRICKY)
        expected = vectorizer.transform(TRICKY)
        module = vectorizer.to_tf_module()
        actual = module(tf.constant(TRICKY)).numpy()
        assert actual.shape == expected.shape and actual.dtype == np.float32
        np.testing.assert_array_equal(actual, expected)
        assert expected.sum() > 50
        # Batches with no text, or no reference to unescape, at all.
        assert not module(tf.constant(["", " !"])).numpy().any()
        assert module(tf.constant([], tf.string)).numpy().shape == (0, len(vectorizer.vocabulary))


@pytest.mark.tensorflow_only
def test_tensorflow_graph_unescapes_every_reference_as_python():
    import tensorflow as tf

    # Each reference between letters: the token shows what it became. Code
    # points are those assigned in Python's Unicode version, which may be
    # older than RE2's.
    numbers = [*range(0, 0x300), *range(0x300, 0x110010, 4099), 0xD800, 0xFFFFFF]
    texts = [" ".join(f"q{reference}q" for reference in HTML_ENTITIES)] + [
        f"q&#{n};q x&#x{n:x};x" for n in numbers if n > 0x10FFFF or unicodedata.category(chr(n)) != "Cn"
    ]
    vectorizer = BinaryBagOfWords(max_terms=100_000).fit(texts)
    assert len(vectorizer.vocabulary) > 800 and "qéq" in vectorizer.vocabulary
    np.testing.assert_array_equal(vectorizer.to_tf_module()(tf.constant(texts)).numpy(), vectorizer.transform(texts))


def test_term_ids_mark_the_ones_of_the_dense_features():
    vectorizer = BinaryBagOfWords(max_terms=500).fit(TRICKY)
    dense = vectorizer.transform(TRICKY)
    ids = vectorizer.transform_ids(TRICKY)
    assert ids.dtype == np.int32 and ids.shape == (len(TRICKY), int(dense.sum(axis=1).max()))
    for row, features in zip(ids, dense):
        present = row[row >= 0]
        np.testing.assert_array_equal(present, np.flatnonzero(features))
        assert (row[len(present):] == -1).all()
    assert vectorizer.transform_ids(["", "   "]).shape == (2, 1)
    assert vectorizer.transform_ids(TRICKY[:1], width=40).shape == (1, 40)
    with pytest.raises(ValueError, match="Received: width=1"):
        vectorizer.transform_ids(TRICKY, width=1)
    with pytest.raises(ValueError, match="Call fit"):
        BinaryBagOfWords().transform_ids(["text"])


@pytest.mark.tensorflow_only
def test_tensorflow_graph_gives_identical_term_ids():
    import tensorflow as tf

    vectorizer = BinaryBagOfWords(max_terms=500).fit(TRICKY)
    module = vectorizer.to_tf_module(output="ids")
    actual = module(tf.constant(TRICKY)).numpy()
    assert actual.dtype == np.int32
    np.testing.assert_array_equal(actual, vectorizer.transform_ids(TRICKY))
    # One text at a time: exactly its terms, no padding.
    assert module(tf.constant(["Café cafe"])).numpy().shape == (1, 1)
    assert module(tf.constant(["", " !"])).numpy().shape == (2, 0)
    with pytest.raises(ValueError, match="Received: output='sparse'"):
        vectorizer.to_tf_module(output="sparse")
