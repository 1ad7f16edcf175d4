"""`sparserect export`: a trained `.keras` model as a SavedModel that serves raw inputs."""


def _run(args):
    import keras

    from sparserect import export

    model = keras.saving.load_model(args.model)
    input_shape = tuple(model.inputs[0].shape)
    if not args.vocabulary and len(input_shape) < 3:
        # A text model takes a vector of features: served as "images" of one
        # row, it would take uint8 numbers where its clients send text.
        raise ValueError(
            f"The model takes vectors of {input_shape[-1]} features, not images: "
            "export a text model with --vocabulary FILE (its vectorizer, saved by "
            "BinaryBagOfWords.save); an image model of flat pixel vectors is "
            "exported from Python with sparserect.export.export_image_model. "
            f"Received: input_shape={input_shape}"
        )
    if args.vocabulary:
        from sparserect.datasets import BinaryBagOfWords

        export.export_text_model(
            model, BinaryBagOfWords.load(args.vocabulary), args.output, args.class_values
        )
        print(f"Wrote {args.output}: serve() takes raw UTF-8 strings.")
        print("Load it with: import tensorflow as tf, tensorflow_text; tf.saved_model.load(...)")
    else:
        export.export_image_model(model, args.output, args.value_range, args.class_values)
        print(f"Wrote {args.output}: serve() takes uint8 images.")
    return 0


def register(subparsers):
    """Adds `sparserect export`."""
    parser = subparsers.add_parser(
        "export",
        help="write a SavedModel that serves raw text or uint8 images",
        description=(
            "Exports a .keras model as a SavedModel. With --vocabulary (a "
            "vectorizer saved by BinaryBagOfWords.save) its serve() takes raw "
            "UTF-8 strings and tokenises them in the graph with tensorflow-text; "
            "without, it takes uint8 images, for a model whose input is an image "
            "(height, width[, channels]). Needs the TensorFlow backend."
        ),
    )
    parser.add_argument("model", help="the trained model (.keras)")
    parser.add_argument("output", help="folder to write the SavedModel to")
    parser.add_argument("--vocabulary", help="text models: the vectorizer's JSON file")
    parser.add_argument(
        "--class-values", type=float, nargs="+", metavar="VALUE",
        help="value of each class, e.g. 1 2 4 5: serve() then also returns their expectation as 'rating'",
    )
    parser.add_argument(
        "--value-range", type=float, nargs=2, default=(0.0, 1.0), metavar=("LOW", "HIGH"),
        help="image models: the range pixels 0..255 map to (default: 0 1; NORB: -1 1)",
    )
    parser.set_defaults(func=_run)
