"""SavedModels that serve raw text and uint8 images (TensorFlow backend)."""

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from sparserect import cli, export
from sparserect.datasets import BinaryBagOfWords
from sparserect.layers import build_network

pytestmark = pytest.mark.tensorflow_only

TRAINING_TEXTS = [
    "Great food and friendly staff, we loved it.",
    "Terrible service; the soup was cold.",
    "Okay pasta, nothing special, a bit pricey.",
    "Best brunch in town! Café au lait was perfect.",
    "Never again. Rude waiter and a dirty table.",
    "Lovely terrace, good wine, slow kitchen.",
]
RATINGS = (1.0, 2.0, 4.0, 5.0)
BAD_INPUTS = [
    "",
    "food " * 20_000,  # 100,000 characters
    "Très bon repas, service impeccable",
    "美味しいラーメン、また来たい",
    "😀🍕👍 great",
    b"caf\xe9 latin-1 \xff\xfe bytes",  # invalid UTF-8
]


@pytest.fixture(scope="module")
def text_model(tmp_path_factory):
    vectorizer = BinaryBagOfWords(max_terms=40).fit(TRAINING_TEXTS)
    model = build_network((len(vectorizer.vocabulary),), 4, hidden_units=(16, 16), seed=0)
    # Non-zero biases, so that an empty text does not give uniform probabilities.
    model.get_layer("softmax").bias.assign(np.array([0.3, -0.2, 0.1, 0.5], "float32"))
    path = tmp_path_factory.mktemp("export") / "text_model"
    export.export_text_model(model, vectorizer, path, class_values=RATINGS)
    return model, vectorizer, path


def keras_predictions(model, vectorizer, texts):
    decoded = [t.decode("utf-8", "replace") if isinstance(t, bytes) else t for t in texts]
    probabilities = model.predict(vectorizer.transform(decoded), verbose=0)
    return probabilities, probabilities @ np.array(RATINGS, dtype="float32")


def test_served_text_model_equals_the_keras_model(text_model):
    import tensorflow as tf

    model, vectorizer, path = text_model
    texts = TRAINING_TEXTS + ["GREAT food!!", "cold soup, rude staff"]
    loaded = tf.saved_model.load(str(path))
    outputs = loaded.serve(tf.constant(texts))
    probabilities, rating = keras_predictions(model, vectorizer, texts)
    np.testing.assert_allclose(outputs["probabilities"].numpy(), probabilities, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outputs["rating"].numpy(), rating, rtol=1e-5)
    np.testing.assert_array_equal(outputs["predicted_class"].numpy(), probabilities.argmax(axis=1))


def test_served_text_model_handles_bad_input(text_model):
    import tensorflow as tf

    model, vectorizer, path = text_model
    loaded = tf.saved_model.load(str(path))
    outputs = loaded.serve(tf.constant(BAD_INPUTS))
    probabilities = outputs["probabilities"].numpy()
    assert probabilities.shape == (len(BAD_INPUTS), 4)
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    assert ((outputs["rating"].numpy() >= 1.0) & (outputs["rating"].numpy() <= 5.0)).all()
    expected, _ = keras_predictions(model, vectorizer, BAD_INPUTS)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)


def test_fresh_process_loads_it_with_tensorflow_and_tensorflow_text_only(text_model, tmp_path):
    model, vectorizer, path = text_model
    texts = TRAINING_TEXTS[:3] + ["", "😀 très bon"]
    script = textwrap.dedent(
        f"""
        import json, sys
        import tensorflow as tf
        import tensorflow_text  # noqa: F401  (registers the custom ops)
        served = tf.saved_model.load({str(path)!r})
        outputs = served.serve(tf.constant({texts!r}))
        json.dump({{
            "probabilities": outputs["probabilities"].numpy().tolist(),
            "rating": outputs["rating"].numpy().tolist(),
            "sparserect_imported": any(m.startswith("sparserect") for m in sys.modules),
        }}, sys.stdout)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    assert served["sparserect_imported"] is False
    probabilities, rating = keras_predictions(model, vectorizer, texts)
    np.testing.assert_allclose(served["probabilities"], probabilities, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(served["rating"], rating, rtol=1e-5)


def test_image_model_serves_uint8_images(tmp_path, rng):
    import tensorflow as tf

    model = build_network((6, 6, 1), 3, hidden_units=(8,), seed=0)
    path = tmp_path / "image_model"
    export.export_image_model(model, path, value_range=(-1.0, 1.0))
    images = rng.integers(0, 256, size=(5, 6, 6, 1), dtype=np.uint8)
    loaded = tf.saved_model.load(str(path))
    outputs = loaded.serve(tf.constant(images))
    expected = model.predict(images.astype("float32") / 127.5 - 1.0, verbose=0)
    np.testing.assert_allclose(outputs["probabilities"].numpy(), expected, rtol=1e-5, atol=1e-6)
    assert "rating" not in outputs


def test_command_line_export_of_a_saved_text_model(text_model, tmp_path, capsys):
    import tensorflow as tf

    model, vectorizer, _ = text_model
    model_path, vocabulary_path = tmp_path / "model.keras", tmp_path / "vocabulary.json"
    model.save(model_path)
    vectorizer.save(vocabulary_path)
    assert BinaryBagOfWords.load(vocabulary_path).vocabulary == vectorizer.vocabulary
    output = tmp_path / "served"
    status = cli.main([
        "export", str(model_path), str(output),
        "--vocabulary", str(vocabulary_path), "--class-values", "1", "2", "4", "5",
    ])
    assert status == 0
    assert "raw UTF-8 strings" in capsys.readouterr().out
    loaded = tf.saved_model.load(str(output))
    rating = loaded.serve(tf.constant(TRAINING_TEXTS))["rating"].numpy()
    np.testing.assert_allclose(rating, keras_predictions(model, vectorizer, TRAINING_TEXTS)[1], rtol=1e-5)


def test_export_errors_are_clear(text_model, tmp_path):
    model, vectorizer, _ = text_model
    with pytest.raises(ValueError, match=r"Received: class_values=\[1.0, 2.0\]"):
        export.export_text_model(model, vectorizer, tmp_path / "a", class_values=(1.0, 2.0))
    small = BinaryBagOfWords(max_terms=5).fit(TRAINING_TEXTS)
    with pytest.raises(ValueError, match="takes 40 features but the vectorizer has 5 terms"):
        export.export_text_model(model, small, tmp_path / "b")
    with pytest.raises(ValueError, match=r"Received: value_range=\(1.0, 0.0\)"):
        export.export_image_model(model, tmp_path / "c", value_range=(1.0, 0.0))


def test_served_text_ignores_html_and_splits_japanese(tmp_path):
    import tensorflow as tf

    texts = ["美味しいラーメン", "まずいラーメン", "great food<br /><br />fast", "slow &amp; cold"]
    vectorizer = BinaryBagOfWords().fit(texts)
    assert not {"br", "amp"} & set(vectorizer.vocabulary)
    model = build_network((len(vectorizer.vocabulary),), 2, hidden_units=(8,), seed=0)
    export.export_text_model(model, vectorizer, tmp_path / "served")
    served = tf.saved_model.load(str(tmp_path / "served"))
    queries = ["美味しい", "まずい", "great food", "great<br /><br />food", "great br br food", "slow & cold"]
    probabilities = served.serve(tf.constant(queries))["probabilities"].numpy()
    expected = model.predict(vectorizer.transform(queries), verbose=0)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(probabilities[0], probabilities[1])  # Japanese words, not the prior.
    np.testing.assert_array_equal(probabilities[2], probabilities[3])  # <br /> adds nothing.


def test_a_labelled_review_csv_with_html_to_a_served_model(tmp_path):
    """A 0/1-labelled CSV of HTML reviews: loader, network, training, export, serving."""
    import tensorflow as tf

    from sparserect.datasets import load_rated_reviews

    good = ["Loved it!<br /><br />A &quot;must&quot; see", "<p>Great acting &amp; story</p>", "Brilliant,<br/>moving"]
    bad = ["Boring.<br /><br />Awful &amp; long", "<i>Terrible</i> plot&#39;s holes", "Dull,<br />a waste"]
    rows = [(text, 1) for text in good] + [(text, 0) for text in bad]
    path = tmp_path / "imdb.csv"
    path.write_text("review,sentiment\n" + "".join(f'"{t.replace(chr(34), chr(34) * 2)}",{y}\n' for t, y in rows * 10))
    data = load_rated_reviews(path, text_column="review", rating_column="sentiment", max_terms=100)
    assert data.class_names == ("0", "1") and data.num_classes == 2
    assert not {"br", "p", "i", "quot", "amp", "39"} & set(data.vectorizer.vocabulary)
    model = build_network(data.input_shape, data.num_classes, hidden_units=(16,), seed=0)
    assert model.outputs[0].shape[-1] == 2
    model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(data.train.x, data.train.y, epochs=20, batch_size=10, verbose=0)
    export.export_text_model(model, data.vectorizer, tmp_path / "served", class_values=(0.0, 1.0))
    served = tf.saved_model.load(str(tmp_path / "served"))
    queries = ["A must see,<br /><br />great story", "Awful &amp; boring", "<b>loved</b> it"]
    outputs = served.serve(tf.constant(queries))
    assert outputs["probabilities"].shape == (3, 2)
    np.testing.assert_allclose(
        outputs["probabilities"].numpy(), model.predict(data.vectorizer.transform(queries), verbose=0),
        rtol=1e-5, atol=1e-6,
    )
    assert outputs["predicted_class"].numpy().tolist() == [1, 0, 1]


def test_served_term_id_model_equals_the_dense_export(tmp_path):
    import tensorflow as tf

    from sparserect.layers import BagOfWordsDense

    vectorizer = BinaryBagOfWords(max_terms=40).fit(TRAINING_TEXTS)
    terms = len(vectorizer.vocabulary)
    keras.utils.set_random_seed(0)
    dense = keras.Sequential(
        [keras.Input((terms,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(4, activation="softmax")]
    )
    sparse = keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),
            BagOfWordsDense(16, terms, activation="relu"),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )
    weights = dense.get_weights()
    weights[1] = np.linspace(-0.3, 0.3, 16).astype("float32")
    dense.set_weights(weights)
    sparse.set_weights(weights)
    export.export_text_model(dense, vectorizer, tmp_path / "dense", class_values=RATINGS)
    export.export_text_model(sparse, vectorizer, tmp_path / "ids", class_values=RATINGS)
    served_dense = tf.saved_model.load(str(tmp_path / "dense"))
    served_ids = tf.saved_model.load(str(tmp_path / "ids"))
    texts = TRAINING_TEXTS + ["GREAT food!!", "cold soup, rude staff"]
    for batch in (texts, texts[:1], BAD_INPUTS):
        expected = served_dense.serve(tf.constant(batch))
        actual = served_ids.serve(tf.constant(batch))
        for key in ("probabilities", "rating"):
            np.testing.assert_allclose(actual[key].numpy(), expected[key].numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(actual["predicted_class"].numpy(), expected["predicted_class"].numpy())
    assert not np.allclose(served_ids.serve(tf.constant(texts))["probabilities"].numpy()[0], 0.25)
