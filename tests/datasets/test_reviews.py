"""Amazon, rt-polarity and rated reviews: real copies, small files, bad input."""

import json

import numpy as np
import pytest

from sparserect.datasets import DataFormatError
from sparserect.datasets import DataNotFoundError
from sparserect.datasets import load_amazon
from sparserect.datasets import load_rated_reviews
from sparserect.datasets import load_rt_polarity
from sparserect.datasets import nonzero_fraction
from sparserect.datasets import read_amazon_reviews


def test_real_amazon(shared_data_dir, monkeypatch):
    monkeypatch.setenv("SPARSERECT_DATA", str(shared_data_dir))
    data = load_amazon(download=False)
    splits = (data.train, data.validation, data.test)
    assert [len(s) for s in splits] == [6_400, 800, 800]
    ratings = np.concatenate([s.ratings for s in splits])
    assert sorted(np.unique(ratings)) == [1.0, 2.0, 4.0, 5.0]
    domains = np.concatenate([s.domains for s in splits])
    assert sorted(set(domains)) == ["books", "dvd", "electronics", "kitchen"]
    assert (np.unique(domains, return_counts=True)[1] == 2_000).all()
    labels = np.concatenate([s.y for s in splits])
    np.testing.assert_array_equal(labels, ratings >= 4)
    assert data.input_shape == (5_000,) and data.unlabeled is None
    assert set(np.unique(data.train.x)) == {0.0, 1.0}
    assert 0.005 < nonzero_fraction(data.train.x) < 0.05
    assert len(data.vectorizer.vocabulary) == 5_000


def test_real_rt_polarity(shared_data_dir):
    data = load_rt_polarity(shared_data_dir, download=False, max_terms=None)
    assert [len(s) for s in (data.train, data.validation, data.test)] == [8_530, 1_066, 1_066]
    assert np.bincount(np.concatenate([data.train.y, data.validation.y, data.test.y])).tolist() == [5_331, 5_331]
    assert data.train.x.dtype == object and all(isinstance(t, str) and t for t in data.train.x)
    assert data.class_names == ("negative", "positive")


REVIEW = """<review>
<unique_id>
{i}
</unique_id>
<rating>
{rating}
</rating>
<title>
Title {i}
</title>
<review_text>
{text}
</review_text>
</review>
"""


def _write_amazon(folder, unlabeled=True):
    for domain in ("books", "kitchen"):
        (folder / "sorted_data_acl" / domain).mkdir(parents=True)
        for name, rating in (("positive", 5.0), ("negative", 1.0), ("unlabeled", 4.0)):
            if name == "unlabeled" and not unlabeled:
                continue
            body = "".join(
                REVIEW.format(i=i, rating=rating, text=f"{name} Crème brûlée n°{i} — ok")
                for i in range(10)
            )
            path = folder / "sorted_data_acl" / domain / f"{name}.review"
            path.write_bytes(body.encode("latin-1", errors="replace"))


def test_amazon_folder_latin1_unlabeled_and_domains(tmp_path):
    _write_amazon(tmp_path)
    table = read_amazon_reviews(tmp_path / "sorted_data_acl")
    assert len(table) == 60 and set(table.columns) == {"text", "title", "rating", "domain", "label"}
    assert "positive Crème brûlée n°0 ? ok" in set(table.text)  # latin-1 has no em dash.
    assert table.title.iloc[0] == "Title 0"
    data = load_amazon(tmp_path, download=False, domains=("kitchen",), max_terms=None)
    assert sum(len(s) for s in (data.train, data.validation, data.test)) == 20
    assert len(data.unlabeled) == 10 and data.unlabeled.y is None
    assert set(data.train.domains) == {"kitchen"}
    with pytest.raises(ValueError, match=r"Unknown Amazon domains \['toys'\]"):
        load_amazon(tmp_path, download=False, domains=("toys",))


def test_amazon_review_without_rating(tmp_path):
    _write_amazon(tmp_path, unlabeled=False)
    path = tmp_path / "sorted_data_acl" / "books" / "negative.review"
    path.write_text(REVIEW.format(i=0, rating="five", text="x"), "latin-1")
    with pytest.raises(DataFormatError, match=r"negative\.review: review 1 has the rating 'five'"):
        load_amazon(tmp_path, download=False)


def test_rt_polarity_latin1_fallback_and_empty_line(tmp_path):
    folder = tmp_path / "rt-polaritydata"
    folder.mkdir()
    (folder / "rt-polarity.pos").write_bytes("un film très réussi\n".encode("latin-1") * 10)
    (folder / "rt-polarity.neg").write_bytes(b"dull\n" * 10)
    data = load_rt_polarity(tmp_path, download=False, max_terms=None)
    assert "un film très réussi" in set(np.concatenate([data.train.texts, data.test.texts]))
    (folder / "rt-polarity.neg").write_bytes(b"dull\n\nboring\n")
    with pytest.raises(DataFormatError, match=r"rt-polarity\.neg: line 2 is empty"):
        load_rt_polarity(tmp_path, download=False)


def test_rt_polarity_original_windows_1252_bytes(tmp_path):
    # The original files are Windows-1252: byte 0x85 is an ellipsis, which
    # latin-1 would read as NEL, a line break for `str.splitlines`.
    folder = tmp_path / "rt-polaritydata"
    folder.mkdir()
    snippets = ["a moving film \u2026 and a funny one", "it works \u2014 mostly", "fine"]
    (folder / "rt-polarity.pos").write_bytes("\n".join(snippets * 4).encode("cp1252") + b"\n")
    (folder / "rt-polarity.neg").write_bytes(b"dull\r\n" * 12)
    data = load_rt_polarity(tmp_path, download=False, max_terms=None)
    texts = np.concatenate([data.train.texts, data.validation.texts, data.test.texts])
    assert len(texts) == 24 and set(texts) == {*snippets, "dull"}


@pytest.mark.parametrize("archive_name", ["rt-polaritydata.tar.gz", "amazon.tar.gz"])
def test_a_damaged_archive_is_an_error_not_partial_data(tmp_path, archive_name):
    # One flipped byte inside a gzip stream: tarfile alone would end its
    # listing early or return garbled files; the CRC-32 must catch it.
    import io
    import tarfile

    from sparserect.datasets import reviews

    source = tmp_path / "source"
    if archive_name.startswith("rt"):
        folder = source / "rt-polaritydata"
        folder.mkdir(parents=True)
        for name in ("rt-polarity.pos", "rt-polarity.neg"):
            (folder / name).write_text(
                "".join(f"{name} snippet {i} of a few words\n" for i in range(400))
            )
    else:
        _write_amazon(source, unlabeled=False)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(source, arcname=".")
    damaged = bytearray(buffer.getvalue())
    damaged[len(damaged) // 2] ^= 0x40
    path = tmp_path / archive_name
    path.write_bytes(bytes(damaged))
    with pytest.raises(DataFormatError, match="truncated or corrupt archive"):
        if archive_name.startswith("rt"):
            load_rt_polarity(tmp_path, download=False)
        else:
            reviews.read_amazon_reviews(path)


def _reviews(n=50):
    return [{"comment": f"review {i} food was {'great' if i % 2 else 'cold'}", "stars": 1 + i % 5}
            for i in range(n)]  # fmt: skip


def test_rated_reviews_csv(tmp_path):
    path = tmp_path / "opentable.csv"
    rows = _reviews()
    path.write_text("comment,stars\n" + "".join(f'"{r["comment"]}",{r["stars"]}\n' for r in rows))
    data = load_rated_reviews(path, text_column="comment", rating_column="stars", max_terms=10)
    assert [len(s) for s in (data.train, data.validation, data.test)] == [40, 5, 5]
    assert data.num_classes == 5 and data.input_shape == (10,)
    np.testing.assert_array_equal(data.train.y, data.train.ratings - 1)
    assert data.train.ratings.dtype == np.float32
    assert sorted(set(data.train.ratings)) == [1, 2, 3, 4, 5]


def test_rated_reviews_json_lines_found_in_data_dir(tmp_path):
    (tmp_path / "rated-reviews").mkdir()
    lines = "".join(json.dumps({"text": r["comment"], "rating": r["stars"]}) + "\n" for r in _reviews())
    (tmp_path / "rated-reviews" / "reviews.jsonl").write_text(lines)
    data = load_rated_reviews(data_dir=tmp_path, max_terms=None)
    assert data.name == "rated-reviews" and len(data.train) == 40
    assert data.train.x.dtype == object


@pytest.mark.parametrize(
    "content, kwargs, message",
    [
        (b"", {}, r"reviews\.csv is empty"),
        (b"text,rating\n", {}, "holds no review"),
        (b"body,rating\nnice,5\n", {}, r"no column 'text'; its columns are 'body', 'rating'"),
        (b"text,rating\nnice,5\n ,4\n", {}, r"1 review\(s\) have an empty 'text' \(rows 2\)"),
        (b"text,rating\nnice,5\nbad,0\nok,3.5\nmeh,\n", {"classes": (1, 2, 3, 4, 5)},
         r"3 rating\(s\) .* \(rows 2, 3, 4, e\.g\. 0\)"),
        (b"text,rating\nnice,5\nbad,0\nok,3.5\nmeh,\n", {}, r"1 rating\(s\) in 'rating' are missing \(rows 4\)"),
        (b"text,rating\nnice,5\nbad,1\nok,five\n", {},
         r"1 rating\(s\) in 'rating' are not numbers, unlike the other 2 \(rows 3, e\.g\. 'five'\)"),
        (b"text,rating\na,pos\nb,neg\nc,neg\nd,5\n", {}, r"1 rating\(s\) .* are numbers, unlike the other 3 \(rows 4"),
        (b"text,rating\na,pos\nb,neg\nc,meh\n", {"classes": ["neg", "pos"]},
         r"1 rating\(s\) .* not one of classes=\(neg, pos\) \(rows 3, e\.g\. 'meh'\)"),
        ("text,rating\ncaf\xe9,5\n".encode("latin-1"), {}, r"not valid utf-8 .*encoding='latin-1'"),
    ],
)
def test_rated_reviews_bad_input(tmp_path, content, kwargs, message):
    path = tmp_path / "reviews.csv"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match=message):
        load_rated_reviews(path, **kwargs)


def test_rated_reviews_other_encoding(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes("text,rating\n".encode() + "café,5\n".encode("latin-1") * 20)
    data = load_rated_reviews(path, encoding="latin-1", max_terms=None)
    assert data.train.texts[0] == "café"


def test_rated_reviews_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError, match="(?s)rated reviews.*reviews.csv.*reviews.jsonl"):
        load_rated_reviews(data_dir=tmp_path)
    with pytest.raises(DataNotFoundError, match="mine.csv"):
        load_rated_reviews("mine.csv", data_dir=tmp_path)


def test_rated_reviews_with_a_rating_too_rare_to_split(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("text,rating\n" + "fine food,5\n" * 20 + "cold soup,2\n")
    with pytest.raises(ValueError, match=r"give more examples of the rarest labels.*'2': 1"):
        load_rated_reviews(path, max_terms=None)


def _write_labelled(path, labels, n=40):
    path.write_text("review,label\n" + "".join(
        f'"review {i} <br />food was {"great" if i % 2 else "cold"}",{labels[i % len(labels)]}\n'
        for i in range(n)
    ))  # fmt: skip


@pytest.mark.parametrize(
    "labels, classes, class_names, ratings",
    [
        ([0, 1], None, ("0", "1"), [0, 1]),
        (["pos", "neg"], None, ("neg", "pos"), None),
        ([10, 1, 2, 3, 4, 5, 6, 7, 8, 9], None, tuple(str(i) for i in range(1, 11)), list(range(1, 11))),
        ([1.5, 4.5, 3], None, ("1.5", "3", "4.5"), [1.5, 3, 4.5]),
        (["positive", "negative"], ("positive", "negative"), ("positive", "negative"), None),
        ([1, 2, 4, 5], (1, 2, 3, 4, 5), ("1", "2", "3", "4", "5"), [1, 2, 4, 5]),
    ],
)
def test_rated_reviews_any_label_set(tmp_path, labels, classes, class_names, ratings):
    path = tmp_path / "reviews.csv"
    _write_labelled(path, labels, n=20 * len(labels))
    data = load_rated_reviews(path, text_column="review", rating_column="label", max_terms=None, classes=classes)
    assert data.class_names == class_names and data.num_classes == len(class_names)
    splits = (data.train, data.validation, data.test)
    y = np.concatenate([s.y for s in splits])
    assert set(y) <= set(range(len(class_names))) and y.dtype == np.int64
    if ratings is None:
        assert all(s.ratings is None for s in splits)
    else:
        values = np.concatenate([s.ratings for s in splits])
        assert sorted(set(values.tolist())) == ratings
        # Each label is the index of its rating's class name.
        np.testing.assert_array_equal(np.asarray(data.class_names)[y], [f"{v:g}" for v in values])


def test_rated_reviews_bad_classes(tmp_path):
    path = tmp_path / "reviews.csv"
    _write_labelled(path, [0, 1])
    for classes in ("01", (0, 0), (0,), ("zero", "one")):
        with pytest.raises(ValueError, match=r"Received: classes="):
            load_rated_reviews(path, text_column="review", rating_column="label", classes=classes)


def test_rated_reviews_of_amazon_ratings_keep_their_stars(shared_data_dir, tmp_path):
    table = read_amazon_reviews(shared_data_dir / "amazon-multi-domain" / "sorted_data_acl-labelled.tar.gz")
    path = tmp_path / "amazon.csv.gz"
    table[["text", "rating"]].to_csv(path, index=False)
    data = load_rated_reviews(path, max_terms=None)
    assert data.class_names == ("1", "2", "4", "5")  # Amazon has no 3-star review.
    for split in (data.train, data.validation, data.test):
        np.testing.assert_array_equal(split.ratings, np.array([1, 2, 4, 5], "float32")[split.y])
    ratings = np.sort(np.concatenate([data.train.ratings, data.validation.ratings, data.test.ratings]))
    np.testing.assert_array_equal(ratings, np.sort(table["rating"].to_numpy("float32")))
    five = load_rated_reviews(path, max_terms=None, classes=(1, 2, 3, 4, 5))
    assert five.num_classes == 5
    np.testing.assert_array_equal(five.train.y, five.train.ratings - 1)
