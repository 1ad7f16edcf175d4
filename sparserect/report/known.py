"""Why a cell is known not to reproduce: one line each, and the anchor of the evidence.

The keys are configuration names (`<dataset>-<activation>[-pretrained]`);
the anchors are sections of `docs/decisions.md`.
"""

KNOWN_REASONS = {
    "mnist-rectifier": (
        "every setting tried, and a plain-Keras control, stay above the paper's error",
        "decisions.md#mnist-rectifier",
    ),
    "mnist-softplus": (
        "with the paper's 0.001 penalty the softplus network ends far above the paper's "
        "error; a smaller one did better in earlier runs",
        "decisions.md#departures",
    ),
    "mnist-tanh-pretrained": (
        "pre-training the tanh stack does not bring fine-tuning down to the paper's error",
        "decisions.md#mnist-tanh-pretrained",
    ),
}


def reason(cell, automatic, docs_prefix=""):
    """The reason shown beside a cell that is not reproduced, with a link where one is known.

    Args:
        cell: The cell's configuration name.
        automatic: The line to show when no reason is registered.
        docs_prefix: The path from the Markdown file to the docs folder
            (`""` inside docs/, `"docs/"` in README.md).
    """
    if cell not in KNOWN_REASONS:
        return automatic
    line, link = KNOWN_REASONS[cell]
    return f"{line} ([evidence]({docs_prefix}{link}))"
