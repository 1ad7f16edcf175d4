"""The paper's text features: binary presence of the most frequent terms.

Glorot, Bordes & Bengio (2011, Section 4.2) represent a review by the binary
presence of the 5,000 most frequent terms (0.6% of the features are non-zero
on average). The vocabulary is learned on training texts only.

Text is cleaned, normalised and split the same way here, in pure Python, and
in the TensorFlow graph returned by `BinaryBagOfWords.to_tf_module()` (for a
SavedModel that takes raw strings); both read the tables below:

1. HTML (unless `strip_html=False`): tags (`HTML_TAG_PATTERN`: `<` and a
   letter, optionally after `/` or `!`, up to the next `>`, and comments)
   become spaces, then character references are unescaped: the named ones
   of HTML5 (`HTML_ENTITIES`, with their `;`) and numeric ones (`&#39;`,
   `&#x27;`; 0x80 to 0x9F read as Windows-1252, as browsers do; 0,
   surrogates and code points past U+10FFFF become U+FFFD);
2. Unicode NFKC normalisation (compatibility forms: ligatures, full-width
   letters, superscripts become plain characters);
3. lower case (full Unicode lower-casing);
4. tokens are the maximal runs of letters, combining marks and numbers
   (Unicode categories L*, M*, N*); everything else separates tokens;
5. in scripts written without spaces between words (`SPACELESS_SCRIPTS`:
   Han, Hiragana, Katakana, Thai, Lao, Myanmar, Khmer), each character,
   with the combining marks that follow it, is a token of its own.
"""

import collections
import html.entities
import json
import re
import unicodedata

import numpy as np
from sparserect._checks import check_bool
from sparserect._checks import check_positive_int

# The token definition as a RE2 pattern, for TensorFlow.
TF_SEPARATOR_PATTERN = r"[^\p{L}\p{M}\p{N}]+"

# HTML tags and comments (Python `re` and RE2 read it alike).
HTML_TAG_PATTERN = r"(?s:<!--.*?-->)|<[/!]?[A-Za-z][^<>]*>"
# Character references, with their semicolon: named, decimal, hexadecimal.
HTML_DECIMAL_PATTERN = r"&#[0-9]{1,7};"
HTML_HEXADECIMAL_PATTERN = r"&#[xX][0-9A-Fa-f]{1,6};"
HTML_ENTITY_PATTERN = rf"&[A-Za-z][A-Za-z0-9]*;|{HTML_DECIMAL_PATTERN}|{HTML_HEXADECIMAL_PATTERN}"
# The HTML5 named references, e.g. "&amp;": "&".
HTML_ENTITIES = {
    f"&{name}": text for name, text in html.entities.html5.items() if name.endswith(";")
}
# Numeric references 0x80 to 0x9F mean Windows-1252's characters (HTML5);
# its five undefined bytes keep their code point.
_WINDOWS_1252 = bytes(range(0x80, 0xA0)).decode("cp1252", errors="surrogateescape")
HTML_C1_CODE_POINTS = tuple(
    code if 0xDC00 <= ord(char) <= 0xDCFF else ord(char)
    for code, char in zip(range(0x80, 0xA0), _WINDOWS_1252)
)

# Scripts written without spaces between words: `(script, first, last)`
# code points; each word character in these ranges, with the combining marks
# that follow it, is a token.
SPACELESS_SCRIPTS = (
    ("Thai", 0x0E00, 0x0E7F),
    ("Lao", 0x0E80, 0x0EFF),
    ("Myanmar", 0x1000, 0x109F),
    ("Khmer", 0x1780, 0x17FF),
    ("Han", 0x3005, 0x3007),  # Iteration mark, closing mark, ideographic zero.
    ("Hiragana", 0x3040, 0x309F),
    ("Katakana", 0x30A0, 0x30FF),
    ("Katakana", 0x31F0, 0x31FF),
    ("Han", 0x3400, 0x4DBF),
    ("Han", 0x4E00, 0x9FFF),
    ("Han", 0xF900, 0xFAFF),
    ("Katakana", 0xFF66, 0xFF9F),
    ("Han", 0x20000, 0x323AF),
)
# The ranges as a regular-expression class, for Python and RE2 alike.
SPACELESS_CLASS = "[" + "".join(f"{chr(a)}-{chr(b)}" for _, a, b in SPACELESS_SCRIPTS) + "]"
# In the graph: one character of those scripts and its combining marks.
TF_SPACELESS_PATTERN = SPACELESS_CLASS + r"\p{M}*"

_HTML_TAG = re.compile(HTML_TAG_PATTERN)
_HTML_ENTITY = re.compile(HTML_ENTITY_PATTERN)
_SPACELESS = re.compile(SPACELESS_CLASS)


class _SeparatorTable(dict):
    """A `str.translate` table: word characters map to themselves, the rest
    to a space. Filled lazily, once per distinct character."""

    def __missing__(self, code):
        word = unicodedata.category(chr(code))[0] in "LMN"
        self[code] = code if word else 0x20
        return self[code]


_SEPARATORS = _SeparatorTable()


def _unescape(match):
    """The text a character reference stands for (see the module docstring)."""
    reference = match.group(0)
    if reference[1] != "#":
        return HTML_ENTITIES.get(reference, reference)  # Unknown names stay.
    digits = reference[2:-1]
    number = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
    if 0x80 <= number <= 0x9F:
        return chr(HTML_C1_CODE_POINTS[number - 0x80])
    invalid = number == 0 or 0xD800 <= number <= 0xDFFF or number > 0x10FFFF
    return "\ufffd" if invalid else chr(number)


def html_to_text(text):
    """Returns `text` without HTML tags, its character references unescaped.

    Tags and comments become spaces, so that `"good<br />bad"` is two words;
    a `<` not followed by a letter (`"I <3 it"`, `"a < b"`) is text.

    ```python
    html_to_text("Fish &amp; chips<br /><br />&quot;great&quot;")
    # 'Fish & chips  "great"'
    ```

    Args:
        text: a string.
    """
    return _HTML_ENTITY.sub(_unescape, _HTML_TAG.sub(" ", text))


def normalize(text):
    """Returns `text` NFKC-normalised and lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def _space_spaceless(text):
    """Puts spaces around each character of `SPACELESS_SCRIPTS` and the
    combining marks that follow it (as `TF_SPACELESS_PATTERN` does)."""
    pieces = []
    in_unit = False
    for char in text:
        if in_unit and unicodedata.category(char)[0] == "M":
            pieces.append(char)
        elif _SPACELESS.match(char):
            pieces.append(" " + char)
            in_unit = True
        else:
            pieces.append(" " + char if in_unit else char)
            in_unit = False
    return "".join(pieces)


def tokenize(text, strip_html=True):
    """Splits a text into its normalised tokens (see the module docstring).

    ```python
    tokenize("Caf\u00e9<br />GREAT &amp; 東京!")   # ['café', 'great', '東', '京']
    ```

    Args:
        text: a string.
        strip_html: whether to remove HTML tags and unescape character
            references first; `False` keeps the raw text.
    """
    if strip_html:
        text = html_to_text(text)
    text = normalize(text).translate(_SEPARATORS)
    if _SPACELESS.search(text):
        text = _space_spaceless(text)
    return text.split()


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
        strip_html: whether to remove HTML tags and unescape character
            references before tokenising (web reviews hold `<br />` and
            `&quot;`, which would otherwise become the terms `br` and
            `quot`); `False` keeps the raw text.
    """

    def __init__(self, max_terms=5000, min_count=1, strip_html=True):
        check_positive_int("max_terms", max_terms)
        check_positive_int("min_count", min_count)
        check_bool("strip_html", strip_html)
        self.max_terms = int(max_terms)
        self.min_count = int(min_count)
        self.strip_html = bool(strip_html)
        self.vocabulary = None
        self._index = None

    def fit(self, texts):
        """Learns the vocabulary from training texts; returns `self`."""
        counts = collections.Counter()
        for text in texts:
            counts.update(set(tokenize(text, self.strip_html)))
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
        rows = self._term_ids(texts, "transform")
        features = np.zeros((len(rows), len(self.vocabulary)), dtype)
        for row, columns in enumerate(rows):
            features[row, list(columns)] = 1
        return features

    def _term_ids(self, texts, method):
        """The set of vocabulary ids of each text's terms; an error before `fit`."""
        if self._index is None:
            raise ValueError(f"Call fit(training texts) before {method}().")
        return [
            {self._index[t] for t in tokenize(text, self.strip_html) if t in self._index}
            for text in texts
        ]

    def transform_ids(self, texts, width=None):
        """Returns the ids of the present terms, `(len(texts), width)` int32.

        Row `i` holds the sorted vocabulary ids of the terms of `texts[i]`,
        each once, then `-1` padding: the input of
        `sparserect.layers.BagOfWordsDense`, the same features as
        `transform(texts)` (whose row `i` has ones exactly at these ids).

        ```python
        ids = vectorizer.transform_ids(["good food", "bad"])
        # e.g. [[3, 17], [41, -1]]
        ```

        Args:
            texts: a sequence of strings.
            width: the number of columns; `None` is the largest number of
                present terms in one text (at least 1). A text with more
                present terms than `width` raises `ValueError`.
        """
        check_positive_int("width", width, allow_none=True)
        rows = [sorted(ids) for ids in self._term_ids(texts, "transform_ids")]
        longest = max((len(row) for row in rows), default=0)
        if width is None:
            width = max(longest, 1)
        elif longest > width:
            raise ValueError(
                f"A text has {longest} present terms, more than `width`. Received: width={width}"
            )
        ids = np.full((len(rows), width), -1, "int32")
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
        return ids

    def get_config(self):
        """The constructor's arguments, e.g. `{"max_terms": 5000, ...}`."""
        return {key: getattr(self, key) for key in ("max_terms", "min_count", "strip_html")}

    def save(self, path):
        """Writes the fitted vocabulary and settings to a JSON file."""
        if self.vocabulary is None:
            raise ValueError("Call fit(training texts) before save().")
        config = {**self.get_config(), "vocabulary": list(self.vocabulary)}
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(config, handle, ensure_ascii=False)

    @classmethod
    def load(cls, path):
        """Reads a vectorizer written by `save`.

        Files written before `strip_html` existed hold vocabularies of raw
        text, and load with `strip_html=False`.
        """
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
        vectorizer = cls(
            config["max_terms"], config["min_count"], config.get("strip_html", False)
        )
        vectorizer.vocabulary = tuple(config["vocabulary"])
        vectorizer._index = {term: i for i, term in enumerate(vectorizer.vocabulary)}
        return vectorizer

    def fit_transform(self, texts, dtype="float32"):
        """`fit(texts)`, then `transform(texts)`."""
        return self.fit(texts).transform(texts, dtype)

    def to_tf_module(self, output="dense"):
        """Returns the same featurisation as a TensorFlow graph.

        The result is a `tf.Module` whose `__call__` maps a `[batch]` string
        tensor to `[batch, len(vocabulary)]` float32 features, identical to
        `transform` (HTML removal and normalisation with tensorflow-text, the
        vocabulary and the HTML references in static hash tables), or with
        `output="ids"` to `[batch, width]` int32 term ids, identical to
        `transform_ids` (`width` the most present terms of a text in the
        batch), without building the dense vector. It can be tracked by a
        model and exported in a SavedModel; loading that SavedModel needs
        `import tensorflow_text`.

        Args:
            output: `"dense"` (0/1 features) or `"ids"` (padded term ids).
        """
        if output not in ("dense", "ids"):
            raise ValueError(f"`output` must be 'dense' or 'ids'. Received: output={output!r}")
        if self.vocabulary is None:
            raise ValueError("Call fit(training texts) before to_tf_module().")
        import tensorflow as tf
        import tensorflow_text as tf_text

        size = len(self.vocabulary)
        strip_html = self.strip_html

        def table(keys, values, default):
            initializer = tf.lookup.KeyValueTensorInitializer(keys, values)
            return tf.lookup.StaticHashTable(initializer, default_value=default)

        class BagOfWordsModule(tf.Module):
            def __init__(self, vocabulary):
                super().__init__(name="binary_bag_of_words")
                self.table = table(
                    tf.constant(vocabulary, tf.string), tf.range(size, dtype=tf.int64), -1
                )
                if strip_html:
                    names, texts = zip(*HTML_ENTITIES.items())
                    self.entities = table(tf.constant(names), tf.constant(texts), "")

            @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
            def __call__(self, texts):
                if strip_html:
                    texts = _tf_html_to_text(tf, tf_text, texts, self.entities)
                texts = tf_text.normalize_utf8(texts, "NFKC")
                texts = tf.strings.lower(texts, encoding="utf-8")
                texts = tf.strings.regex_replace(texts, TF_SEPARATOR_PATTERN, " ")
                texts = tf.strings.regex_replace(texts, TF_SPACELESS_PATTERN, r" \0 ")
                tokens = tf.strings.split(texts)
                ids = tf.ragged.map_flat_values(self.table.lookup, tokens)
                ids = tf.ragged.boolean_mask(ids, ids >= 0)
                if output == "ids":
                    return _tf_padded_unique_ids(tf, ids, size)
                counts = tf.math.bincount(
                    ids, minlength=size, maxlength=size, binary_output=True, axis=-1
                )
                # bincount over ragged rows loses the static width.
                return tf.ensure_shape(tf.cast(counts, tf.float32), [None, size])

        return BagOfWordsModule(self.vocabulary)


def _tf_padded_unique_ids(tf, ids, size):
    """Ragged `[batch, None]` int64 ids to sorted distinct ids per row, int32, `-1`-padded."""
    keys = ids.value_rowids() * size + ids.flat_values
    keys = tf.sort(tf.unique(keys).y)
    unique = tf.RaggedTensor.from_value_rowids(keys % size, keys // size, nrows=ids.nrows())
    return tf.cast(unique.to_tensor(default_value=-1), tf.int32)


def _tf_digits_value(tf, digits, base):
    """The values of strings of at most 7 digits in `base` (10 or 16), int64."""
    padded = tf.strings.join(["0000000", digits])
    padded = tf.strings.substr(padded, tf.strings.length(padded) - 7, tf.fill(tf.shape(digits), 7))
    chars = tf.cast(tf.io.decode_raw(padded, tf.uint8, fixed_length=7), tf.int64)
    values = tf.where(chars <= ord("9"), chars - ord("0"), tf.bitwise.bitwise_or(chars, 32) - ord("a") + 10)
    return tf.reduce_sum(values * tf.constant([base**p for p in range(6, -1, -1)], tf.int64), axis=-1)


def _tf_html_to_text(tf, tf_text, texts, entities):
    """`html_to_text` in the graph; `entities` holds `HTML_ENTITIES`."""
    texts = tf.strings.regex_replace(texts, HTML_TAG_PATTERN, " ")
    # The references, and the text between them, in order.
    pieces = tf_text.regex_split(texts, HTML_ENTITY_PATTERN, HTML_ENTITY_PATTERN)
    flat = pieces.flat_values
    named = entities.lookup(flat)
    hexadecimal = tf.strings.regex_full_match(flat, HTML_HEXADECIMAL_PATTERN)
    numeric = hexadecimal | tf.strings.regex_full_match(flat, HTML_DECIMAL_PATTERN)
    digits = tf.where(numeric, tf.strings.regex_replace(flat, "^&#[xX]?|;$", ""), "0")
    number = tf.where(hexadecimal, _tf_digits_value(tf, digits, 16), _tf_digits_value(tf, digits, 10))
    c1 = tf.gather(tf.constant(HTML_C1_CODE_POINTS, tf.int64), tf.clip_by_value(number - 0x80, 0, 0x1F))
    number = tf.where((number >= 0x80) & (number <= 0x9F), c1, number)
    invalid = (number == 0) | ((number >= 0xD800) & (number <= 0xDFFF)) | (number > 0x10FFFF)
    number = tf.where(invalid, tf.constant(0xFFFD, tf.int64), number)
    characters = tf.strings.unicode_encode(tf.cast(number[:, None], tf.int32), "UTF-8")
    flat = tf.where(named != "", named, tf.where(numeric, characters, flat))
    return tf.strings.reduce_join(pieces.with_flat_values(flat), axis=-1)
