"""Review sentiment data sets: Amazon multi-domain, rated reviews, rt-polarity.

The paper (Section 4.2) uses OpenTable restaurant reviews (1 to 5 stars, not
public) and the Amazon multi-domain benchmark of Blitzer, Dredze & Pereira
(2007). `load_rated_reviews` reads any CSV or JSON-lines file of rated or
labelled reviews (bring your own OpenTable-style data, or any labels:
0/1, neg/pos, 1 to 10 stars); `load_rt_polarity` adds Pang & Lee's
(2005) sentence polarity data as an independent corpus.

The paper evaluates by cross-validation; the loaders give a documented seeded
split instead (80% / 10% / 10%, stratified, seed 0) and the raw arrays, from
which the reproduction code builds its folds. By default `x` holds the
paper's features, the binary bag of words of the 5,000 most frequent terms
learned on the training split (`max_terms=None` keeps the raw texts in `x`).
"""

import logging
import pathlib
import re

import numpy as np
import pandas as pd

from sparserect._checks import is_number
from sparserect.datasets import _files
from sparserect.datasets._split import stratified_split
from sparserect.datasets.bag_of_words import BinaryBagOfWords
from sparserect.datasets.bag_of_words import nonzero_fraction
from sparserect.datasets.dataset import Dataset
from sparserect.datasets.dataset import Split

logger = logging.getLogger(__name__)

SENTIMENT_CLASSES = ("negative", "positive")

AMAZON_URL = (
    "https://www.cs.jhu.edu/~mdredze/datasets/sentiment/domain_sentiment_data.tar.gz"
)
AMAZON_SUBDIR = "amazon-multi-domain"
AMAZON_FOLDER = "sorted_data_acl"
AMAZON_DOMAINS = ("books", "dvd", "electronics", "kitchen")
AMAZON_LAYOUTS = (
    _files.Layout("folder", (_files.RemoteFile(AMAZON_FOLDER),)),
    _files.Layout(
        "archive", (_files.RemoteFile("domain_sentiment_data.tar.gz", AMAZON_URL),)
    ),
    _files.Layout(
        "labelled-archive", (_files.RemoteFile("sorted_data_acl-labelled.tar.gz"),)
    ),
)
_AMAZON_FILES = {"positive.review": 1, "negative.review": 0, "unlabeled.review": -1}
_REVIEW = re.compile(r"<review>(.*?)</review>", re.DOTALL)
_FIELD = r"<{0}>\s*(.*?)\s*</{0}>"

RT_URL = (
    "https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz"
)
RT_SUBDIR = "rt-polarity"
RT_LAYOUTS = (
    _files.Layout("archive", (_files.RemoteFile("rt-polaritydata.tar.gz", RT_URL),)),
    _files.Layout("folder", (_files.RemoteFile("rt-polaritydata"),)),
)

RATED_SUBDIR = "rated-reviews"
# The default file names looked for when no path is given.
RATED_LAYOUTS = (
    _files.Layout("csv", (_files.RemoteFile("reviews.csv"),)),
    _files.Layout("json-lines", (_files.RemoteFile("reviews.jsonl"),)),
)
VALIDATION_FRACTION = 0.1
TEST_FRACTION = 0.1
SEED = 0


def _decode(data, name):
    """UTF-8 if the bytes are valid UTF-8, else Windows-1252, else latin-1 (never fails).

    The original rt-polarity files are Windows-1252: their byte 0x85 is an
    ellipsis, which latin-1 would read as the control character NEL.
    """
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            logger.debug("%s is not %s", name, encoding)
    return data.decode("latin-1")


def _parse_amazon(data, name, domain, label):
    """Parses one `.review` file (latin-1, not UTF-8, as published) into a list of row dicts."""
    rows = []
    for number, match in enumerate(_REVIEW.finditer(data.decode("latin-1")), 1):
        block = match.group(1)
        fields = {}
        for tag in ("rating", "title", "review_text"):
            found = re.search(_FIELD.format(tag), block, re.DOTALL)
            if found is None:
                raise _files.DataFormatError(
                    f"{name}: review {number} has no <{tag}> element."
                )
            fields[tag] = found.group(1)
        try:
            rating = float(fields["rating"])
        except ValueError:
            raise _files.DataFormatError(
                f"{name}: review {number} has the rating {fields['rating']!r}, "
                "not a number."
            ) from None
        rows.append({
            "text": fields["review_text"], "title": fields["title"], "rating": rating,
            "domain": domain, "label": label,
        })
    if not rows:
        raise _files.DataFormatError(f"{name} holds no <review> element.")
    return rows


def _read_files(path, pattern, folder=None):
    """`(path parts, bytes, name)` of each file matching the glob `pattern` in the folder
    `path`, or in a tar archive `path` (under a `folder` if given, else anywhere), in order.

    An archive is read whole: its checksum, checked at its end, says whether the files
    are intact before any is parsed.
    """
    if path.is_dir():
        files = sorted(f for f in path.glob(pattern) if f.is_file())
        return [(f.parts, f.read_bytes(), str(f)) for f in files]
    in_archive = pattern if folder is None else f"{folder}/{pattern}"
    with _files.open_archive(path) as archive:
        return [
            (name.parts, archive.extractfile(member).read(), f"{path}: {member.name}")
            for member in archive
            if member.isfile() and (name := pathlib.PurePosixPath(member.name)).match(in_archive)
        ]


def read_amazon_reviews(path):
    """Reads the Amazon multi-domain reviews into a table.

    Args:
        path: the `sorted_data_acl` folder, or a tar archive containing it
            (`domain_sentiment_data.tar.gz`, or its labelled part).

    Returns:
        A `pandas.DataFrame` with columns `text`, `title`, `rating` (float),
        `domain` and `label` (1 positive, 0 negative, -1 for the reviews of
        `unlabeled.review`), in file order.
    """
    path = pathlib.Path(path)
    files = _read_files(path, "*/*.review", AMAZON_FOLDER)
    rows = [
        row for (*_, domain, base), data, name in files if base in _AMAZON_FILES
        for row in _parse_amazon(data, name, domain, _AMAZON_FILES[base])
    ]
    if not rows:
        raise _files.DataFormatError(
            f"{path} holds no {AMAZON_FOLDER}/<domain>/*.review file."
        )
    return pd.DataFrame(rows)


def _make_dataset(name, table, class_names, strata, max_terms, seed, unlabeled=None):
    """Splits a table (columns text, y[, rating, domain]) and featurises it."""
    train, validation, test = stratified_split(strata, VALIDATION_FRACTION, TEST_FRACTION, seed)
    vectorizer = BinaryBagOfWords(max_terms).fit(table["text"].iloc[train]) if max_terms else None

    def split(rows, labelled=True):
        texts = rows["text"].to_numpy(object)
        return Split(
            x=texts if vectorizer is None else vectorizer.transform(texts),
            y=rows["y"].to_numpy(np.int64) if labelled else None,
            texts=texts,
            ratings=rows["rating"].to_numpy(np.float32) if "rating" in rows else None,
            domains=rows["domain"].to_numpy(object) if "domain" in rows else None,
        )

    dataset = Dataset(
        name, *(split(table.iloc[rows]) for rows in (train, validation, test)), class_names,
        unlabeled=None if unlabeled is None else split(unlabeled, labelled=False),
        vectorizer=vectorizer,
    )
    if vectorizer is not None:
        logger.info(
            "%s: %d terms, %.2f%% non-zero features on average (training split)",
            name, len(vectorizer.vocabulary), 100 * nonzero_fraction(dataset.train.x),
        )  # fmt: skip
    return dataset


def load_amazon(
    data_dir=None, download=True, domains=AMAZON_DOMAINS, max_terms=5000, seed=SEED
):
    """Loads the Amazon multi-domain sentiment reviews (Blitzer et al., 2007).

    8,000 labelled reviews (1,000 positive, 1,000 negative in each of books,
    dvd, electronics and kitchen; ratings 1, 2, 4 or 5), split 80% / 10% /
    10% stratified by domain and label. The reviews of `unlabeled.review`
    files, when present (they are in `domain_sentiment_data.tar.gz`), are
    returned as `Dataset.unlabeled`.

    Args:
        data_dir: a folder holding `sorted_data_acl/` or an archive of it
            (or an `amazon-multi-domain/` sub-folder with them).
        download: whether to download `domain_sentiment_data.tar.gz`.
        domains: the product domains to keep.
        max_terms: the bag-of-words size, or `None` to keep the raw texts in
            `x`.
        seed: the split's seed.

    Returns:
        A `Dataset` named `"amazon"`; labels 0 negative, 1 positive; `texts`,
        `ratings` and `domains` in each split.
    """
    located = _files.fetch("Amazon multi-domain", AMAZON_LAYOUTS, AMAZON_SUBDIR, data_dir, download)
    table = read_amazon_reviews(next(iter(located.paths.values())))
    unknown = set(domains) - set(table["domain"])
    if unknown:
        raise ValueError(
            f"Unknown Amazon domains {sorted(unknown)}; the data holds "
            f"{sorted(set(table['domain']))}. Received: domains={domains!r}"
        )
    table = table[table["domain"].isin(domains)].rename(columns={"label": "y"})
    labelled = table[table["y"] >= 0].reset_index(drop=True)
    unlabeled = table[table["y"] < 0].reset_index(drop=True)
    strata = labelled["domain"] + "/" + labelled["y"].astype(str)
    return _make_dataset(
        "amazon", labelled, SENTIMENT_CLASSES, strata, max_terms, seed,
        unlabeled=unlabeled if len(unlabeled) else None,
    )  # fmt: skip


def _rt_lines(data, name):
    # Lines end at "\n" alone: `str.splitlines` would also split at NEL,
    # form feeds and other separators that a snippet may hold.
    lines = [line.rstrip("\r") for line in _decode(data, name).split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            raise _files.DataFormatError(f"{name}: line {number} is empty.")
    if not lines:
        raise _files.DataFormatError(f"{name} is empty.")
    return [line.strip() for line in lines]


def load_rt_polarity(data_dir=None, download=True, max_terms=5000, seed=SEED):
    """Loads Pang & Lee's sentence polarity data set v1.0.

    5,331 positive and 5,331 negative movie-review snippets
    (`rt-polaritydata/rt-polarity.{pos,neg}`, read as UTF-8, or as
    Windows-1252 as originally published), split 80% / 10% / 10% stratified
    by label.

    Args:
        data_dir: a folder holding `rt-polaritydata.tar.gz` or the extracted
            `rt-polaritydata/` (or an `rt-polarity/` sub-folder with them).
        download: whether to download `rt-polaritydata.tar.gz`.
        max_terms: the bag-of-words size, or `None` to keep the raw texts.
        seed: the split's seed.

    Returns:
        A `Dataset` named `"rt-polarity"`; labels 0 negative, 1 positive.
    """
    located = _files.fetch("rt-polarity", RT_LAYOUTS, RT_SUBDIR, data_dir, download)
    path = next(iter(located.paths.values()))
    wanted = {"rt-polarity.pos": 1, "rt-polarity.neg": 0}
    contents = {
        parts[-1]: (data, name)
        for parts, data, name in _read_files(path, "rt-polarity.*") if parts[-1] in wanted
    }
    missing = sorted(set(wanted) - set(contents))
    if missing:
        raise _files.DataFormatError(f"{path} has no {' or '.join(missing)}.")
    table = pd.DataFrame([
        {"text": text, "y": label} for file_name, label in wanted.items()
        for text in _rt_lines(*contents[file_name])
    ])
    return _make_dataset("rt-polarity", table, SENTIMENT_CLASSES, table["y"], max_terms, seed)


def _read_table(path, encoding):
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".bz2", ".xz", ".zip")]
    lines = bool(suffixes) and suffixes[-1] in (".jsonl", ".json", ".ndjson")
    try:
        if lines:
            return pd.read_json(path, lines=True, encoding=encoding, dtype=False)
        return pd.read_csv(path, encoding=encoding, sep="\t" if suffixes[-1:] == [".tsv"] else ",")
    except UnicodeDecodeError as error:
        raise _files.DataFormatError(
            f"{path} is not valid {encoding} text (byte {error.start}: "
            f"{error.object[error.start:error.start + 1]!r}); pass the file's "
            "encoding, e.g. encoding='latin-1'."
        ) from error
    except pd.errors.EmptyDataError as error:
        raise _files.DataFormatError(f"{path} is empty.") from error
    except ValueError as error:
        raise _files.DataFormatError(
            f"{path} is not a valid {'JSON-lines' if lines else 'CSV'} file ({error})."
        ) from error


def _plain(value):
    """A label as a user wrote it: `5` for 5.0 or `np.int64(5)`, `'pos'` for a string."""
    if is_number(value):
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value)
    return repr(str(value))


def _class_names(values):
    return tuple(_plain(v) if is_number(v) else str(v) for v in values)


def _labels(path, column, values, classes):
    """Turns a label column into class indices; returns `(y, class_names, ratings)`.

    Numbers are ordered numerically and kept as ratings; anything else is a
    class name, ordered alphabetically, without ratings. `classes`, when
    given, fixes the classes and their order.
    """
    missing = values.isna() | (values.astype(str).str.strip() == "")
    if pd.api.types.is_bool_dtype(values):  # JSON true / false: class names.
        numbers = pd.Series(np.nan, index=values.index)
    else:
        numbers = pd.to_numeric(values, errors="coerce")
    numeric = numbers.notna().eq(~missing).all()
    keys = numbers.astype(float) if numeric else values.astype(str).str.strip()
    if classes is None:
        if missing.any():
            raise _files.DataFormatError(
                f"{path}: {int(missing.sum())} rating(s) in {column!r} are missing "
                f"(rows {_rows(missing)})."
            )
        if not numeric and numbers.notna().any():
            # The rarer kind, numbers or words, is the likely mistake.
            odd = numbers.notna()
            if odd.sum() > len(values) - odd.sum():
                odd = ~odd
            kind = "numbers" if numbers[odd].notna().all() else "not numbers"
            raise _files.DataFormatError(
                f"{path}: {int(odd.sum())} rating(s) in {column!r} are {kind}, "
                f"unlike the other {len(values) - int(odd.sum())} (rows {_rows(odd)}, "
                f"e.g. {_plain(values[odd].iloc[0])}). Correct them, or pass "
                "classes= to name every class."
            )
        order = sorted(set(keys))
    else:
        try:
            order = [float(c) if numeric else str(c).strip() for c in classes]
        except (TypeError, ValueError):
            order = None
        if order is None or len(set(order)) != len(order) or len(order) < 2:
            raise ValueError(
                f"`classes` must be two or more distinct labels of {column!r}, "
                f"{'numbers' if numeric else 'strings'} like its values. "
                f"Received: classes={classes!r}"
            )
        invalid = missing | ~keys.isin(order)
        if invalid.any():
            raise _files.DataFormatError(
                f"{path}: {int(invalid.sum())} rating(s) in {column!r} are missing or "
                f"not one of classes=({', '.join(_class_names(order))}) (rows "
                f"{_rows(invalid)}, e.g. {_plain(values[invalid].iloc[0])})."
            )
    y = keys.map({key: i for i, key in enumerate(order)}).to_numpy(np.int64)
    return y, _class_names(order), keys.to_numpy(np.float32) if numeric else None


def load_rated_reviews(
    path=None,
    *,
    text_column="text",
    rating_column="rating",
    data_dir=None,
    download=False,
    encoding="utf-8",
    max_terms=5000,
    seed=SEED,
    classes=None,
):
    """Loads labelled reviews: texts with star ratings or any class labels.

    The paper's OpenTable data (1 to 5 stars) is not public; this reads any
    CSV (comma-separated; `.tsv`: tab-separated) or JSON-lines (`.jsonl`,
    `.json`, `.ndjson`) file, optionally compressed, with a text column and
    a label column, split 80% / 10% / 10% stratified by label. The classes
    are the labels present: numbers (star ratings such as 1 to 5 or 1 to 10,
    or 0/1 polarity) in numeric order, kept as `ratings`; any other labels
    (e.g. `neg` / `pos`) in alphabetical order, without ratings.

    Example:

    ```python
    data = load_rated_reviews("imdb.csv", text_column="review", rating_column="label")
    data.class_names                  # ('0', '1')
    model = build_network(data.input_shape, data.num_classes)   # a 2-way softmax
    ```

    Args:
        path: the file. A relative path that does not exist is also looked
            for in `data_dir`, `$SPARSERECT_DATA` and the cache (and their
            `rated-reviews/` sub-folders); `None` looks there for
            `reviews.csv`, then `reviews.jsonl`.
        text_column: the name of the review text column.
        rating_column: the name of the label column (star ratings or class
            names).
        data_dir: a folder searched first for a relative `path`.
        download: unused (your own data cannot be downloaded); accepted so
            that every loader can be called alike.
        encoding: the file's text encoding.
        max_terms: the bag-of-words size, or `None` to keep the raw texts.
        seed: the split's seed.
        classes: the labels in class order, e.g. `(1, 2, 3, 4, 5)` for a
            5-way softmax even where no review has 3 stars, or
            `("negative", "positive")`; any other label is an error. `None`:
            the labels present, ordered as above.

    Returns:
        A `Dataset` named `"rated-reviews"`; labels `y` index
        `class_names`; `ratings` (float32) the numeric labels, or `None`
        for class names.
    """
    del download  # User data: nothing to download.
    if path is not None and pathlib.Path(path).expanduser().is_file():
        path = pathlib.Path(path).expanduser()
    else:
        layouts = RATED_LAYOUTS if path is None else (
            _files.Layout("file", (_files.RemoteFile(str(path)),)),
        )
        located = _files.fetch("rated reviews", layouts, RATED_SUBDIR, data_dir, download=False)
        path = next(iter(located.paths.values()))
    if isinstance(classes, (str, bytes)):
        raise ValueError(
            "`classes` must be a sequence of labels, not one string. "
            f"Received: classes={classes!r}"
        )
    table = _read_table(path, encoding)
    if table.empty:
        raise _files.DataFormatError(f"{path} holds no review.")
    for column in (text_column, rating_column):
        if column not in table.columns:
            raise _files.DataFormatError(
                f"{path} has no column {column!r}; its columns are "
                f"{', '.join(map(repr, table.columns))}. Pass text_column= and "
                "rating_column= to name the right ones."
            )
    texts = table[text_column]
    empty = texts.isna() | (texts.astype(str).str.strip() == "")
    if empty.any():
        raise _files.DataFormatError(
            f"{path}: {int(empty.sum())} review(s) have an empty {text_column!r} "
            f"(rows {_rows(empty)})."
        )
    y, class_names, ratings = _labels(path, rating_column, table[rating_column], classes)
    rows = pd.DataFrame({"text": texts.astype(str), "y": y})
    if ratings is not None:
        rows["rating"] = ratings
    # Stratified by class name, so that a class too rare to split is named.
    strata = np.asarray(class_names, dtype=object)[y]
    return _make_dataset("rated-reviews", rows, class_names, strata, max_terms, seed)


def _rows(mask, limit=5):
    """The 1-based data row numbers where `mask` holds, abbreviated."""
    rows = [str(i + 1) for i in np.flatnonzero(mask.to_numpy())]
    return ", ".join(rows[:limit]) + (", ..." if len(rows) > limit else "")
