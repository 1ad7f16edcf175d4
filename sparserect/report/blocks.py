"""Generated blocks inside hand-written Markdown.

A block is the text between `<!-- sparserect report: NAME -->` and
`<!-- /sparserect report -->`; `fill_blocks` replaces it with the generated
section `NAME`, keeping everything outside the markers as written.
"""

import re

BLOCK = re.compile(
    r"<!-- sparserect report: (?P<name>[A-Za-z0-9_.-]+) -->(?P<body>.*?)"
    r"<!-- /sparserect report -->",
    re.DOTALL,
)
OPENING = re.compile(r"<!-- sparserect report: (?P<name>[^ ]*) -->")


def fill_blocks(text, render, *, known, source):
    """Returns `(new text, names of the blocks whose content changed)`.

    Example:

    >>> text = "# Notes\\n<!-- sparserect report: demo -->\\nold\\n<!-- /sparserect report -->\\n"
    >>> fill_blocks(text, lambda name: "| a |\\n", known=["demo"], source="notes.md")[1]
    ['demo']

    Args:
        text: The Markdown file's text.
        render: `render(name)` returns the block's generated Markdown.
        known: The block names that can be generated.
        source: The file's name, for error messages.
    """
    opened = [match.group("name") for match in OPENING.finditer(text)]
    closed = [match.group("name") for match in BLOCK.finditer(text)]
    if opened != closed or text.count("<!-- /sparserect report -->") != len(closed):
        raise ValueError(
            f"{source}: each `<!-- sparserect report: NAME -->` needs one "
            f"`<!-- /sparserect report -->` after it, with no block inside another. "
            f"Received: blocks={opened!r}"
        )
    unknown = [name for name in opened if name not in known]
    if unknown:
        raise ValueError(
            f"{source}: unknown report block; the names are {', '.join(sorted(known))}. "
            f"Received: name={unknown[0]!r}"
        )
    changed = []

    def replace(match):
        name = match.group("name")
        block = (
            f"<!-- sparserect report: {name} -->\n{render(name).rstrip()}\n"
            "<!-- /sparserect report -->"
        )
        if block != match.group(0):
            changed.append(name)
        return block

    return BLOCK.sub(replace, text), changed
