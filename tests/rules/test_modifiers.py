"""Modifier validation (issue #16 item 3): one list in catalog/modifiers.yaml, every bad line reported at once.

`advisor check 64493-XY 99213-2S` used to pass: the claim-line parser only checked that a modifier was two letters
or digits, so 64493-XY was kept and 99213-2S (read as an E/M without 25) was dropped by EM-NEEDS-25.
"""

from __future__ import annotations

import pytest

from advisor.claims import coerce_lines, parse_line
from advisor.errors import InvalidInput
from advisor.modifiers import close_to, in_group, load_modifiers, modifiers
from advisor.reader.tagger import NUMERIC_MODS as READER_MODIFIERS
from advisor.retrieval.text import ALPHA_MODIFIERS, NUMERIC_MODIFIERS
from advisor.rules.catalog import CATALOG_DIR, curated_catalog
from advisor.rules.context import ANATOMIC, X_MODIFIERS


def test_the_rules_groups_come_from_the_list() -> None:
    assert X_MODIFIERS == ("59", "XE", "XS", "XP", "XU")
    assert {"RT", "LT", "F1", "TA", "E4", "LC"} <= set(ANATOMIC) and ANATOMIC == in_group("anatomic")


@pytest.mark.parametrize("other", [READER_MODIFIERS, ALPHA_MODIFIERS, NUMERIC_MODIFIERS])
def test_every_modifier_another_part_recognises_is_valid(other: frozenset[str]) -> None:
    """The reader builds claim lines from the modifiers it tags: one it knows but the list lacks would crash."""
    assert set(other) - set(modifiers()) == set()


def test_every_modifier_cites_known_sources() -> None:
    sources = curated_catalog().sources
    rows = load_modifiers(CATALOG_DIR / "modifiers.yaml")
    assert all(s in sources for m in rows.values() for s in m.src)
    assert all(m.means and len(m.mod) == 2 for m in rows.values())


@pytest.mark.parametrize(("typed", "first"), [("XY", "XE"), ("2S", "25"), ("TR", "RT"), ("K", None)])
def test_close_matches(typed: str, first: str | None) -> None:
    near = close_to(typed)
    assert (near[0] if near else None) == first
    assert len(near) <= 4


def test_an_unknown_modifier_names_the_likely_ones() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_line("64493-XY", "line 1")
    assert "'XY' does not exist" in exc.value.message and "XS" in exc.value.message
    assert "64493-XY" in exc.value.message and exc.value.where == "line 1"


def test_every_bad_line_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        coerce_lines(["64493-XY", "64494", "99213-2S", "6449X"])
    err = exc.value
    assert err.where == "lines" and [d["where"] for d in err.details or []] == ["line 1", "line 3", "line 4"]
    assert "3 claim lines are invalid" in err.message
    assert "did you mean 25" in err.message and "XS" in err.message
    assert err.message.count("Valid modifiers on pain claims") == 1
    assert err.to_dict()["details"] == err.details


def test_one_bad_line_keeps_its_own_where_and_the_valid_list() -> None:
    with pytest.raises(InvalidInput) as exc:
        coerce_lines(["99213-2S", "64493"])
    assert exc.value.where == "line 1" and "Valid modifiers on pain claims" in exc.value.message
    assert "details" not in exc.value.to_dict()


def test_known_modifiers_still_parse() -> None:
    lines = coerce_lines(["99213-25", "64493-50-KX", "20610-RT", "20552-XS", "64483-LT-GA"])
    assert [ln.modifiers for ln in lines] == [("25",), ("50", "KX"), ("RT",), ("XS",), ("LT", "GA")]
