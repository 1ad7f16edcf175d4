"""Training and serving time of the text networks: dense bag-of-words against term ids.

On the Amazon multi-domain reviews (5,000 terms), trains the
5000-1000-1000-1000-5 and 5000-1000-5 rectifier networks with SGD at batch
10 for `--steps` steps, once from the dense 0/1 features (`Dense` first
layer) and once from the active term ids (`BagOfWordsDense` first layer,
each batch cut to the width of its longest row),
starting from the same weights, and extrapolates the seconds per epoch of
the training split. The two models train in turn, `--repeats` times, so
that a change of load affects both alike; the medians are reported. After
training, both models' test predictions must agree (they saw the same
batches in the same order). On the TensorFlow backend it also exports both
one-hidden-layer models as SavedModels and times `serve` on one review at a
time. On the JAX backend, where the gather's gradient is a dense matrix and
SGD rewrites the whole kernel, it also times `ids_row_sgd`: the term-id
model trained on the same batches by `sparserect.sparse_sgd.SparseRowSGD`,
which updates only the active rows (the steps are dispatched one by one
from Python, where `model.fit` compiles its loop). Run from the project's
root:

    python benchmarks/bench_sparse_text.py --data-dir ../shared/data
    KERAS_BACKEND=jax python benchmarks/bench_sparse_text.py --data-dir ../shared/data

Writes `results/benchmarks/sparse_text.json` (`sparse_text_jax.json` on
JAX), with the machine, its load average and the library versions.
"""

import argparse
import json
import os
import pathlib
import platform
import statistics
import tempfile
import time

import keras
import numpy as np

from sparserect import export
from sparserect.datasets import load_amazon
from sparserect.layers import BagOfWordsDense

BATCH = 10
OUTPUTS = 5
# Each batch of term ids is cut to its own longest row, rounded up to a
# power of two from this one (few distinct shapes, so few compilations).
MIN_WIDTH = 32


def term_id_batches(ids, y, batch_size):
    """A `tf.data.Dataset` of `transform_ids` batches, each cut to the width its rows need.

    `transform_ids` pads every row to the longest text of the whole set; the
    columns past a batch's longest row hold only padding, so dropping them
    changes nothing but the work.
    """
    import tensorflow as tf

    ragged = tf.RaggedTensor.from_tensor(ids, padding=-1)

    def pad(batch, labels):
        needed = tf.cast(tf.reduce_max(batch.row_lengths()), tf.float64)
        exponent = tf.math.ceil(tf.math.log(tf.maximum(needed, MIN_WIDTH) / MIN_WIDTH) / tf.math.log(tf.constant(2.0, tf.float64)))
        width = tf.minimum(tf.cast(MIN_WIDTH * 2.0**exponent, tf.int64), ids.shape[1])
        return batch.to_tensor(-1, shape=tf.stack([tf.shape(labels, out_type=tf.int64)[0], width])), labels

    return tf.data.Dataset.from_tensor_slices((ragged, y)).batch(batch_size).map(pad).prefetch(2)


def twin_models(terms, hidden, seed):
    """The rectifier network on dense features and on term ids, equal weights."""
    keras.utils.set_random_seed(seed)
    dense = keras.Sequential(
        [keras.Input((terms,))]
        + [keras.layers.Dense(units, activation="relu") for units in hidden]
        + [keras.layers.Dense(OUTPUTS, activation="softmax")]
    )
    sparse = keras.Sequential(
        [keras.Input((None,), dtype="int32"), BagOfWordsDense(hidden[0], terms, activation="relu")]
        + [keras.layers.Dense(units, activation="relu") for units in hidden[1:]]
        + [keras.layers.Dense(OUTPUTS, activation="softmax")]
    )
    sparse.set_weights(dense.get_weights())
    for model in (dense, sparse):
        # Keras's "auto" leaves XLA off for the term-id model; both get it.
        model.compile(
            optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy", jit_compile=True
        )
    return dense, sparse


def time_training(hidden, data, steps, repeats, seed):
    """Median seconds per `steps` steps of the dense and the term-id model, and their agreement."""
    x, ids, y, x_test, ids_test = data
    dense, sparse = twin_models(x.shape[1], hidden, seed)
    inputs = {"dense": (dense, x), "ids": (sparse, ids)}
    examples = steps * BATCH
    if keras.backend.backend() == "jax":
        from sparserect.sparse_sgd import SparseRowSGD

        _, row_model = twin_models(x.shape[1], hidden, seed)
        trainer = SparseRowSGD(row_model, loss="sparse_categorical_crossentropy", learning_rate=0.01)
        inputs["ids_row_sgd"] = (row_model, ids)

    def fit(name, stop):
        model, features = inputs[name]
        if name == "ids_row_sgd":
            for start in range(0, stop, BATCH):
                loss = trainer.train_on_batch(features[start : start + BATCH], y[start : start + BATCH])
            loss.block_until_ready()
        elif name == "ids":
            model.fit(term_id_batches(features[:stop], y[:stop], BATCH), shuffle=False, verbose=0)
        else:
            model.fit(features[:stop], y[:stop], batch_size=BATCH, shuffle=False, verbose=0)

    for name in inputs:  # Tracing and compilation of every batch shape, not timed.
        fit(name, examples)
    times = {name: [] for name in inputs}
    for _ in range(repeats):
        for name in inputs:
            start = time.perf_counter()
            fit(name, examples)
            times[name].append(time.perf_counter() - start)
    if "ids_row_sgd" in inputs:
        trainer.write_weights()
    reference = dense.predict(x_test, verbose=0)
    differences = {
        name: float(np.abs(model.predict(ids_test, verbose=0) - reference).max())
        for name, (model, _) in inputs.items()
        if name != "dense"
    }
    return {name: statistics.median(values) for name, values in times.items()}, differences, (dense, sparse)


def time_serving(dense, sparse, vectorizer, texts):
    """Median milliseconds of `serve` on one text, dense export against term-id export."""
    import tensorflow as tf

    medians, outputs = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        for name, model in (("dense", dense), ("ids", sparse)):
            path = pathlib.Path(folder) / name
            export.export_text_model(model, vectorizer, path)
            served = tf.saved_model.load(str(path))
            batches = [tf.constant([text]) for text in texts]
            for batch in batches[:10]:
                served.serve(batch)
            times = []
            for batch in batches:
                start = time.perf_counter()
                served.serve(batch)["probabilities"].numpy()
                times.append(time.perf_counter() - start)
            medians[name] = 1000 * statistics.median(times)
            outputs[name] = served.serve(tf.constant(texts))["probabilities"].numpy()
    return medians, float(np.abs(outputs["dense"] - outputs["ids"]).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default="../shared/data")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--served-texts", type=int, default=200)
    parser.add_argument(
        "--output",
        default=None,
        help="default: results/benchmarks/sparse_text.json, sparse_text_jax.json on JAX",
    )
    args = parser.parse_args()

    dataset = load_amazon(args.data_dir, download=False)
    vectorizer = dataset.vectorizer
    train_texts, test_texts = dataset.train.texts, dataset.test.texts
    ids = vectorizer.transform_ids(train_texts)
    ids_test = vectorizer.transform_ids(test_texts)
    data = (dataset.train.x, ids, dataset.train.y, dataset.test.x, ids_test)
    steps_per_epoch = -(-len(train_texts) // BATCH)
    load_before = os.getloadavg()

    networks = {}
    for label, hidden in (("5000-1000-1000-1000-5", (1000, 1000, 1000)), ("5000-1000-5", (1000,))):
        times, differences, models = time_training(hidden, data, args.steps, args.repeats, seed=0)
        networks[label] = {
            "seconds_per_epoch": {name: t * steps_per_epoch / args.steps for name, t in times.items()},
            "speedup": times["dense"] / times["ids"],
            "max_prediction_difference": differences["ids"],
            "load_average": os.getloadavg(),
        }
        if "ids_row_sgd" in times:
            networks[label].update(
                speedup_row_sgd=times["dense"] / times["ids_row_sgd"],
                max_prediction_difference_row_sgd=differences["ids_row_sgd"],
            )
    result = {
        "backend": keras.backend.backend(),
        "batch_size": BATCH,
        "training_examples": len(train_texts),
        "steps_per_epoch": steps_per_epoch,
        "timed_steps": args.steps,
        "repeats": args.repeats,
        "mean_active_terms": float((ids >= 0).sum(axis=1).mean()),
        "max_active_terms": int(ids.shape[1]),
        "networks": networks,
    }
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        latency, difference = time_serving(*models, vectorizer, list(test_texts[: args.served_texts]))
        result["served_batch_1_ms"] = {
            **latency,
            "speedup": latency["dense"] / latency["ids"],
            "max_prediction_difference": difference,
            "network": "5000-1000-5",
            "load_average": os.getloadavg(),
        }
        result["tensorflow"] = tf.__version__
    result.update(
        machine=platform.machine(),
        processor=platform.processor(),
        cpus=os.cpu_count(),
        load_average_before=load_before,
        keras=keras.__version__,
        numpy=np.__version__,
        python=platform.python_version(),
        time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    suffix = "" if keras.backend.backend() == "tensorflow" else f"_{keras.backend.backend()}"
    path = pathlib.Path(args.output or f"results/benchmarks/sparse_text{suffix}.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
