"""The paper's text features: binary presence of the most frequent terms.

Glorot, Bordes & Bengio (2011, Section 4.2) represent a review by the binary
presence of the 5,000 most frequent terms (0.6% of the features are non-zero
on average). The vocabulary is learned on training texts only.

Text is normalised and split the same way here, in pure Python, and in the
TensorFlow graph returned by `BinaryBagOfWords.to_tf_module()` (for a
SavedModel that takes raw strings):

1. Unicode NFKC normalisation (compatibility forms: ligatures, full-width
   letters, superscripts become plain characters);
2. lower case (full Unicode lower-casing);
3. tokens are the maximal runs of letters, combining marks and numbers
   (Unicode categories L*, M*, N*); everything else separates tokens.
"""

import collections
import json
import unicodedata

import numpy as np
from sparserect._checks import check_positive_int

# The same token definition as a RE2 pattern, for TensorFlow.
TF_SEPARATOR_PATTERN = r"[^\p{L}\p{M}\p{N}]+"


class _SeparatorTable(dict):
    """A `str.translate` table: word characters map to themselves, the rest
    to a space. Filled lazily, once per distinct character."""

    def __missing__(self, code):
        word = unicodedata.category(chr(code))[0] in "LMN"
        self[code] = code if word else 0x20
        return self[code]


_SEPARATORS = _SeparatorTable()


def normalize(text):
    """Returns `text` NFKC-normalised and lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def tokenize(text):
    """Splits a text into its normalised tokens (see the module docstring)."""
    return normalize(text).translate(_SEPARATORS).split()


def nonzero_fraction(features):
    """The average fraction of non-zero features (the paper reports 0.6%)."""
    features = np.asarray(features)
    return float(np.count_nonzero(features) / features.size) if features.size else 0.0


class BinaryBagOfWords:
    """Binary presence of the `max_terms` most frequent terms.

    Terms are ranked by document frequency (the number of training texts that
    contain them), ties broken alphabetically, so the vocabulary is a
    deterministic function of the training texts.

    Example:

    ```python
    vectorizer = BinaryBagOfWords(max_terms=5000).fit(train_texts)
    x_train = vectorizer.transform(train_texts)
    x_test = vectorizer.transform(test_texts)
    ```

    Args:
        max_terms: the vocabulary size (at most; fewer if the training texts
            have fewer distinct terms).
        min_count: terms in fewer training texts than this are ignored.
    """

    def __init__(self, max_terms=5000, min_count=1):
        check_positive_int("max_terms", max_terms)
        check_positive_int("min_count", min_count)
        self.max_terms = int(max_terms)
        self.min_count = int(min_count)
        self.vocabulary = None
        self._index = None

    def fit(self, texts):
        """Learns the vocabulary from training texts; returns `self`."""
        counts = collections.Counter()
        for text in texts:
            counts.update(set(tokenize(text)))
        ranked = sorted(
            (term for term, count in counts.items() if count >= self.min_count),
            key=lambda term: (-counts[term], term),
        )
        if not ranked:
            raise ValueError("The training texts contain no token.")
        self.vocabulary = tuple(ranked[: self.max_terms])
        self._index = {term: i for i, term in enumerate(self.vocabulary)}
        return self

    def transform(self, texts, dtype="float32"):
        """Returns the `(len(texts), len(vocabulary))` 0/1 feature matrix.

        Args:
            texts: a sequence of strings.
            dtype: the output type, e.g. `"float32"` or `"uint8"`.
        """
        if self._index is None:
            raise ValueError("Call fit(training texts) before transform().")
        features = np.zeros((len(texts), len(self.vocabulary)), dtype)
        for row, text in enumerate(texts):
            columns = [self._index[t] for t in tokenize(text) if t in self._index]
            features[row, columns] = 1
        return features

    def save(self, path):
        """Writes the fitted vocabulary and settings to a JSON file."""
        if self.vocabulary is None:
            raise ValueError("Call fit(training texts) before save().")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "max_terms": self.max_terms,
                    "min_count": self.min_count,
                    "vocabulary": list(self.vocabulary),
                },
                handle,
                ensure_ascii=False,
            )

    @classmethod
    def load(cls, path):
        """Reads a vectorizer written by `save`."""
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
        vectorizer = cls(config["max_terms"], config["min_count"])
        vectorizer.vocabulary = tuple(config["vocabulary"])
        vectorizer._index = {term: i for i, term in enumerate(vectorizer.vocabulary)}
        return vectorizer

    def fit_transform(self, texts, dtype="float32"):
        """`fit(texts)`, then `transform(texts)`."""
        return self.fit(texts).transform(texts, dtype)

    def to_tf_module(self):
        """Returns the same featurisation as a TensorFlow graph.

        The result is a `tf.Module` whose `__call__` maps a `[batch]` string
        tensor to `[batch, len(vocabulary)]` float32 features, identical to
        `transform` (normalisation with tensorflow-text, the vocabulary in a
        static hash table). It can be tracked by a model and exported in a
        SavedModel; loading that SavedModel needs `import tensorflow_text`.
        """
        if self.vocabulary is None:
            raise ValueError("Call fit(training texts) before to_tf_module().")
        import tensorflow as tf
        import tensorflow_text as tf_text

        size = len(self.vocabulary)

        class BagOfWordsModule(tf.Module):
            def __init__(self, vocabulary):
                super().__init__(name="binary_bag_of_words")
                self.table = tf.lookup.StaticHashTable(
                    tf.lookup.KeyValueTensorInitializer(
                        tf.constant(vocabulary, tf.string),
                        tf.range(size, dtype=tf.int64),
                    ),
                    default_value=-1,
                )

            @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
            def __call__(self, texts):
                texts = tf_text.normalize_utf8(texts, "NFKC")
                texts = tf.strings.lower(texts, encoding="utf-8")
                texts = tf.strings.regex_replace(texts, TF_SEPARATOR_PATTERN, " ")
                tokens = tf.strings.split(texts)
                ids = tf.ragged.map_flat_values(self.table.lookup, tokens)
                ids = tf.ragged.boolean_mask(ids, ids >= 0)
                counts = tf.math.bincount(
                    ids, minlength=size, maxlength=size, binary_output=True, axis=-1
                )
                # bincount over ragged rows loses the static width.
                return tf.ensure_shape(tf.cast(counts, tf.float32), [None, size])

        return BagOfWordsModule(self.vocabulary)
