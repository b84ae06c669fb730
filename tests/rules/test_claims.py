"""The claim-line parser: good lines round-trip, bad lines name the line and the fault."""

from __future__ import annotations

import pytest

from advisor.claims import coerce_lines, format_line, parse_line, split_lines
from advisor.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("99213-25", "99213-25"), ("64493-50", "64493-50"), ("64636 x2", "64636 x2"), ("g0260-rt", "G0260-RT"),
     ("0216T", "0216T"), ("64493-50-KX", "64493-50-KX"), ("64484 X3", "64484 x3"), ("20553 2 units", "20553 x2"),
     ("  64493  ", "64493")],
)
def test_parses(text: str, canonical: str) -> None:
    assert format_line(parse_line(text)) == canonical


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("6449X", "not a CPT/HCPCS code"), ("64493--50", "empty modifier"), ("64493 x0", "units must be between"),
     ("64493 x1000", "units must be between"), ("644\x0093", "control characters"), ("64493-5", "two-character"),
     ("64493-50-50", "repeated"), ("", "empty"), ("hello world", "not a claim line")],
)
def test_rejects_with_a_message(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_line(text, "line 3")
    assert fragment in err.value.message
    assert err.value.message.startswith("line 3")


def test_claim_size_limits() -> None:
    with pytest.raises(InvalidInput, match="no lines"):
        coerce_lines([])
    with pytest.raises(InvalidInput, match="at most 100"):
        coerce_lines(["64493"] * 101)
    with pytest.raises(InvalidInput, match="line 2"):
        coerce_lines(["64493", {"code": "64494", "units": 0}])


def test_split_pasted_text() -> None:
    assert split_lines("99213-25, 64493-50;64494-50\n20610") == ["99213-25", "64493-50", "64494-50", "20610"]
