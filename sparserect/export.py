"""SavedModels that serve raw inputs: text as UTF-8 strings, images as uint8.

A served text model takes a batch of raw strings and does everything inside
the graph: invalid UTF-8 bytes are replaced by U+FFFD, then HTML tags are
removed and character references unescaped (unless the vectorizer keeps raw
text), and the text is normalised, tokenised and turned into the binary
bag-of-words with tensorflow-text (`BinaryBagOfWords.to_tf_module`), exactly
as in training. A model whose first layer is
`sparserect.layers.BagOfWordsDense` is fed the term ids directly, so the
graph never builds the dense bag-of-words vector.
Loading the SavedModel needs only TensorFlow and tensorflow-text:

``` python
import tensorflow as tf
import tensorflow_text  # registers the custom ops the graph uses

served = tf.saved_model.load("exported_model")
outputs = served.serve(tf.constant(["Great food, slow service."]))
outputs["rating"], outputs["probabilities"], outputs["predicted_class"]
```

Export needs the TensorFlow backend (`KERAS_BACKEND=tensorflow`, the default).
"""

import keras

from sparserect.layers import BagOfWordsDense
from sparserect.measurement import expected_rating


def _require_tensorflow_backend():
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "Exporting a SavedModel with in-graph preprocessing needs the "
            "TensorFlow backend; run with KERAS_BACKEND=tensorflow. "
            f"Received: backend={keras.backend.backend()!r}"
        )


def _check_class_values(model, class_values):
    classes = model.outputs[0].shape[-1]
    if class_values is not None and len(class_values) != classes:
        raise ValueError(
            f"`class_values` needs one value per output class ({classes}). "
            f"Received: class_values={list(class_values)}"
        )


def _outputs(tf, probabilities, class_values):
    outputs = {
        "probabilities": probabilities,
        "predicted_class": tf.argmax(probabilities, axis=-1),
    }
    if class_values is not None:
        outputs["rating"] = expected_rating(probabilities, class_values)
    return outputs


def export_text_model(model, vectorizer, path, class_values=None):
    """Writes a SavedModel whose `serve` maps raw UTF-8 strings to predictions.

    Args:
        model: A Keras model from bag-of-words features to class
            probabilities (softmax outputs), or from term ids if it holds a
            `sparserect.layers.BagOfWordsDense` layer (then the served graph
            passes the ids of `vectorizer.to_tf_module(output="ids")`).
        vectorizer: The fitted `sparserect.datasets.BinaryBagOfWords` that made
            the model's training features.
        path: Folder to write the SavedModel to.
        class_values: Optional value of each class, e.g. the star ratings
            `(1, 2, 4, 5)`; the served `rating` is their expectation under the
            predicted probabilities (the paper's predicted rating).

    Returns:
        `path`. The signature `serve(texts: string[batch])` returns
        `probabilities` (float32 `[batch, classes]`), `predicted_class`
        (int64) and, with `class_values`, `rating` (float32).
    """
    _require_tensorflow_backend()
    _check_class_values(model, class_values)
    ids_layer = next((layer for layer in model.layers if isinstance(layer, BagOfWordsDense)), None)
    features = ids_layer.vocabulary_size if ids_layer else model.inputs[0].shape[-1]
    if features != len(vectorizer.vocabulary):
        raise ValueError(
            f"The model takes {features} features but the vectorizer has "
            f"{len(vectorizer.vocabulary)} terms. Received: "
            f"vectorizer.max_terms={vectorizer.max_terms}"
        )
    import tensorflow as tf

    featurizer = vectorizer.to_tf_module(output="ids" if ids_layer else "dense")

    def serve(texts):
        texts = tf.strings.unicode_transcode(
            texts, "UTF-8", "UTF-8", errors="replace"
        )
        probabilities = model(featurizer(texts), training=False)
        return _outputs(tf, probabilities, class_values)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.track(featurizer)
    archive.add_endpoint(
        "serve", serve, input_signature=[tf.TensorSpec([None], tf.string)]
    )
    archive.write_out(str(path), verbose=False)
    return path


def export_image_model(model, path, value_range=(0.0, 1.0), class_values=None):
    """Writes a SavedModel whose `serve` takes uint8 images.

    Pixels 0..255 are mapped linearly onto `value_range`, the range the model
    was trained on (`(0, 1)` for MNIST and CIFAR-10, `(-1, 1)` for NORB).

    Args:
        model: A Keras model from images to class probabilities.
        path: Folder to write the SavedModel to.
        value_range: `(low, high)` that 0 and 255 map to.
        class_values: Optional value of each class (see `export_text_model`).

    Returns:
        `path`. The signature `serve(images: uint8[batch, *input_shape])`
        returns `probabilities`, `predicted_class` and, with
        `class_values`, `rating`.
    """
    _require_tensorflow_backend()
    _check_class_values(model, class_values)
    low, high = (float(v) for v in value_range)
    if not low < high:
        raise ValueError(
            f"`value_range` must be (low, high) with low < high. "
            f"Received: value_range={value_range}"
        )
    import tensorflow as tf

    def serve(images):
        x = tf.cast(images, tf.float32) * ((high - low) / 255.0) + low
        return _outputs(tf, model(x, training=False), class_values)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serve",
        serve,
        input_signature=[tf.TensorSpec([None, *model.inputs[0].shape[1:]], tf.uint8)],
    )
    archive.write_out(str(path), verbose=False)
    return path
