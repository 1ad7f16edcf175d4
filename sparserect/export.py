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


def _check(model, class_values):
    """Raises unless the backend is TensorFlow and `class_values` has one value per class."""
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "Exporting a SavedModel with in-graph preprocessing needs the "
            "TensorFlow backend; run with KERAS_BACKEND=tensorflow. "
            f"Received: backend={keras.backend.backend()!r}"
        )
    classes = model.outputs[0].shape[-1]
    if class_values is not None and len(class_values) != classes:
        raise ValueError(
            f"`class_values` needs one value per output class ({classes}). "
            f"Received: class_values={list(class_values)}"
        )


def _write(model, path, class_values, input_spec, preprocess, tracked=()):
    """Writes a SavedModel whose `serve` maps `input_spec` inputs through `preprocess` and
    `model` to `probabilities`, `predicted_class` and, with `class_values`, `rating`."""
    import tensorflow as tf

    def serve(inputs):
        probabilities = model(preprocess(inputs), training=False)
        outputs = {
            "probabilities": probabilities,
            "predicted_class": tf.argmax(probabilities, axis=-1),
        }
        if class_values is not None:
            outputs["rating"] = expected_rating(probabilities, class_values)
        return outputs

    archive = keras.export.ExportArchive()
    for item in (model, *tracked):
        archive.track(item)
    archive.add_endpoint("serve", serve, input_signature=[input_spec])
    archive.write_out(str(path), verbose=False)
    return path


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
    _check(model, class_values)
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

    def preprocess(texts):
        return featurizer(tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace"))

    return _write(
        model, path, class_values, tf.TensorSpec([None], tf.string), preprocess, (featurizer,)
    )


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
    _check(model, class_values)
    low, high = (float(v) for v in value_range)
    if not low < high:
        raise ValueError(
            f"`value_range` must be (low, high) with low < high. "
            f"Received: value_range={value_range}"
        )
    import tensorflow as tf

    def preprocess(images):
        return tf.cast(images, tf.float32) * ((high - low) / 255.0) + low

    spec = tf.TensorSpec([None, *model.inputs[0].shape[1:]], tf.uint8)
    return _write(model, path, class_values, spec, preprocess)
