"""Dates of service as people type them: the one parser the API, the audit, the MCP tools and the CLI share.

Accepted: ISO `2026-03-14` (also `2026/03/14` and the CMS files' `20260314`), US month-first `03/14/2026`,
`3/14/2026`, `03-14-2026` and `03/14/26` (a two-digit year is 20YY, or 19YY from 69, as claim exports mean it), and
day-first with dots `14.03.2026` (the dotted form is day-first by convention). Refused with a message naming the
forms: an impossible date (`02/30/2026`), a slashed date whose first number cannot be a month (`14/03/2026`: written
day first, so ambiguous in a US system; asked to be rewritten rather than guessed), anything else.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

FORMS = "use YYYY-MM-DD (2026-03-14) or the US form MM/DD/YYYY (03/14/2026)"
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_US = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})")
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def _year(text: str) -> int:
    return int(text) if len(text) == 4 else (2000 if int(text) < 69 else 1900) + int(text)


def parse_date(text: str, what: str = "date") -> date:
    """The date `text` names; ValueError with a message saying what to write when it is not one."""
    value = str(text).strip()
    if " " in value or "T" in value:  # "2026-03-14 00:00:00", "2026-03-14T00:00:00" (spreadsheet exports)
        value = re.split(r"[ T]", value, maxsplit=1)[0]
    if m := _ISO.fullmatch(value) or _COMPACT.fullmatch(value):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _US.fullmatch(value):
        mo, d, y = int(m[1]), int(m[3]), _year(m[4])
        if mo > 12 and d <= 12:
            raise ValueError(f"{what} {text!r} is written day first, which a US date never is (month first): write "
                             f"{d:02d}/{mo:02d}/{y} or {y}-{d:02d}-{mo:02d}")
    elif m := _DOTTED.fullmatch(value):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    else:
        raise ValueError(f"{what} {text!r} is not a date: {FORMS}")
    try:
        return date(y, mo, d)
    except ValueError as exc:
        raise ValueError(f"{what} {text!r} is not a real date ({exc}): {FORMS}") from None


def coerce_date(value: Any) -> Any:
    """Pydantic before-validator: strings through parse_date, dates (and anything else) as they are."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return parse_date(value)
    return value


DateInput = Annotated[date, BeforeValidator(coerce_date)]
"""A request field or query parameter holding a date of service in any accepted form (a 422 names the forms)."""

__all__ = ["FORMS", "DateInput", "coerce_date", "parse_date"]
