"""Readings and verdicts round 21 (written blind, put straight into dev) found wrong, kept right. Each case is reworded
from what a coder wrote, with the claim or verdict a coder expects and the rule it rests on; none was copied from the
reader's output."""

from __future__ import annotations

import pytest

from advisor.rules.catalog import Catalog

from .helpers import answer, canon


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # whether this case meets the LCD is a coverage question, not a look-up of the LCD's number
    ("medicare, first lumbar RFA. two diagnostic MBBs, 85% and 90% relief. does she meet the LCD for the RFA?",
     ["64635"], "yes", "Medicare facet LCD: two blocks of 80%"),
    # an ablation named beside the blocks it follows is its own procedure
    ("medicare, first lumbar RFA, the two MBBs gave 85% and 40% relief. ok to do it?", ["64635"], "no",
     "Medicare facet LCD: two blocks of 80%"),
    # a modifier the question says the add-on does not take
    ("b/l L3-4 and L4-5 facet joint injections, cigna. the 64494 doesn't take modifier 51, correct?",
     ["64493-50", "64494-50"], "yes", "CPT: add-on codes are exempt from 51"),
    ("b/l L3-4 and L4-5 facet joint injections, cigna. bill 64494 without the 50?", ["64493-50", "64494-50"], "no",
     "MPFS bilateral indicator 1"),
])
def test_round_21(question: str, lines: list[str], verdict: str | None, source: str, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (canon(*got), said) == (canon(*lines), verdict), source


def test_a_later_result_of_the_second_block(catalog: Catalog) -> None:
    """'what if the second one was 85% instead?': the second block's relief, not the RFA's place in a series."""
    got, said, _ = answer("what if the second one was 90% instead, ok then?", catalog,
                          ("medicare, first lumbar RFA, the two MBBs gave 85% and 50% relief. ok to do it?",))
    assert (got, said) == (["64635"], "yes")


def test_managing_medications_is_a_separate_problem(catalog: Catalog) -> None:
    got, _, _ = answer("which line gets the 25? R knee injection no imaging, and separately the doc managed his "
                       "diabetic neuropathy meds, documented as a 99213", catalog)
    assert canon(*got) == canon("99213-25", "20610-RT")
