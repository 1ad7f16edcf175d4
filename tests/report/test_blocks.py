"""Generated blocks inside hand-written Markdown."""

import pytest

from sparserect.report import fill_blocks

TEXT = (
    "# Guide\n\nBefore.\n\n<!-- sparserect report: demo -->\nstale\n<!-- /sparserect report -->\n"
    "\nAfter.\n"
)


def test_a_block_is_replaced_and_the_rest_kept():
    new, changed = fill_blocks(TEXT, lambda name: f"| {name} |\n", known={"demo"}, source="g.md")
    assert changed == ["demo"]
    assert new == TEXT.replace("stale\n", "| demo |\n")
    again, changed = fill_blocks(new, lambda name: f"| {name} |\n", known={"demo"}, source="g.md")
    assert again == new and changed == []


def test_an_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"g.md: unknown report block.*Received: name='demo'"):
        fill_blocks(TEXT, str, known={"table1-mnist"}, source="g.md")


def test_an_unclosed_block_is_a_clear_error():
    text = "<!-- sparserect report: demo -->\nno end\n"
    with pytest.raises(ValueError, match="needs one `<!-- /sparserect report -->`"):
        fill_blocks(text, str, known={"demo"}, source="g.md")


def test_an_empty_block_on_one_line_is_filled():
    text = "<!-- sparserect report: demo --><!-- /sparserect report -->\n"
    new, changed = fill_blocks(text, lambda name: "| x |\n", known={"demo"}, source="g.md")
    assert changed == ["demo"]
    assert new == "<!-- sparserect report: demo -->\n| x |\n<!-- /sparserect report -->\n"
