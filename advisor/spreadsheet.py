"""Cells that open as text in a spreadsheet: the one defence against CSV formula injection, for every CSV we write
(the feedback export, the audit's findings CSV).

A spreadsheet runs a cell as a formula when it starts with = + - @ (OWASP, "CSV Injection"), and some also after
leading spaces, after invisible characters, or with the full-width forms (U+FF1D and its kin) that NFKC folds to
ASCII. So the start of the cell is normalised first (NFKC, zero-width characters removed, leading spaces skipped) and
the cell is prefixed with an apostrophe when that normalised start is a formula character. The value itself is left
as written.
"""

from __future__ import annotations

import unicodedata

FORMULA_START = ("=", "+", "-", "@")
CONTROL_START = ("\t", "\r", "\n")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad"))
_HEAD = 64  # only the start decides, so only the start is normalised (bounded work on any cell)


def safe_cell(text: str) -> str:
    """`text`, prefixed with ' when a spreadsheet would read it as a formula."""
    head = unicodedata.normalize("NFKC", text[:_HEAD]).translate(_INVISIBLE)
    if head.startswith(CONTROL_START) or head.lstrip().startswith(FORMULA_START):
        return "'" + text
    return text
