"""A genicular block or RFA with a branch left untreated: the knee's line takes 52 (rule GENICULAR-52; the three-branch
reading of the CPT changes is unconfirmed, so the finding says so), and only when the question says so."""

from __future__ import annotations

import pytest

from advisor.claims import format_line
from advisor.reader.followup import read_question
from advisor.rules.catalog import curated_catalog
from advisor.rules.model import Encounter, Facts, Procedure
from advisor.rules.recommend import recommend


@pytest.mark.parametrize(("family", "reduced", "expected"), [
    ("genicular_block", True, ["64454-52-RT"]),
    ("genicular_rfa", True, ["64624-52-RT"]),
    ("genicular_block", None, ["64454-RT"]),  # all three branches unless the question says otherwise
])
def test_a_knee_with_a_branch_left_untreated_takes_52(family: str, reduced: bool | None,
                                                      expected: list[str]) -> None:
    rec = recommend(Encounter(procedures=[Procedure(family=family, laterality="right")],
                              facts=Facts(payer="commercial", branches_reduced=reduced)), curated_catalog())
    assert sorted(format_line(ln) for ln in rec.claim) == expected
    flagged = [f for f in rec.findings if f.rule == "GENICULAR-52"]
    assert bool(flagged) == bool(reduced)
    assert all(f.confidence == "unconfirmed" for f in flagged)


@pytest.mark.parametrize(("question", "reduced"), [
    ("L genicular block, only got the superolateral and inferomedial branches (hardware). codes?", True),
    ("R knee genicular RFA: superomedial branch was not ablated because of a skin lesion. codes?", True),
    ("genicular block of the left knee, 2 of 3 branches only. codes?", True),
    ("L genicular block: superolateral, superomedial and inferomedial branches under fluoro. codes?", None),
])
def test_the_reader_says_when_a_branch_was_left_out(question: str, reduced: bool | None) -> None:
    assert read_question(question, curated_catalog()).facts.get("branches_reduced") is reduced
