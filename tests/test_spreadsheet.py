"""Formula escaping normalises first (issue 15): full-width signs, zero-width and leading spaces do not slip through."""

from __future__ import annotations

import pytest

from advisor.spreadsheet import safe_cell


@pytest.mark.parametrize("text", [
    "=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1",
    "\uff1dHYPERLINK(\"http://x\")",  # full-width equals sign
    "\u200b=1+1", "\ufeff=1", "\u2060@x",  # zero-width space, BOM, word joiner
    "  =1", "\uff0b1", "\uff201",  # leading spaces, full-width plus and at
])
def test_formulas_are_prefixed_and_kept(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["64493-50", "PT000123", "", "Medicare", "good answer = yes", "\u00e9l\u00e8ve"])
def test_plain_text_is_left_alone(text: str) -> None:
    assert safe_cell(text) == text
