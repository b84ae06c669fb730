"""Follow-up turns ("what about bilateral?", "what if it was 4 muscles?") are read against the previous turn: its
procedures and facts carry over; what the follow-up says replaces or adds to them (advisor/reader/followup.py)."""

from __future__ import annotations

import pytest

from advisor.reader.followup import is_follow_up, merge, read_question
from advisor.reader.model import Reading
from advisor.reader.reader import read

from .helpers import canon, only


def conversation(catalog, *turns: str) -> Reading:
    """Each turn merged over the previous one when the reader takes it for a follow-up (as the pipeline does)."""
    reading = read(turns[0], catalog)
    for turn in turns[1:]:
        current = read(turn, catalog)
        assert is_follow_up(current, catalog), turn
        reading = merge(reading, current, catalog)
    return reading


@pytest.mark.parametrize("question", [
    "what about bilateral?",
    "what if it was 4 muscles?",
    "and if it was commercial?",
    "the doc also injected the left shoulder, how do I add it?",
    "can I add 77003 for the fluoroscopy?",
    "patient is back 5 days later just for a wound check, can I bill a visit?",
])
def test_follow_up_is_recognised(catalog, question: str) -> None:
    assert is_follow_up(read(question, catalog), catalog)


@pytest.mark.parametrize("question", [
    "Right L4-5 facet injection under fluoro, code?",
    "What is the MUE for 64636?",
    "Left knee injection and a right SI joint injection under fluoro, codes?",
])
def test_a_question_of_its_own_is_not_a_follow_up(catalog, question: str) -> None:
    assert not is_follow_up(read(question, catalog), catalog)


def test_what_about_bilateral(catalog, claim_of) -> None:
    """One lumbar facet level on both sides is 64493-50 (A57787: a bilateral level is one level, modifier 50)."""
    reading = conversation(catalog, "Right L4-5 facet injection under fluoro, code?", "what about bilateral?")
    assert only(reading).laterality == "bilateral" and only(reading).levels == 1
    assert claim_of(reading) == canon("64493-50")


def test_adding_levels_keeps_the_side(catalog, claim_of) -> None:
    """Three bilateral lumbar levels: 64493-50, 64494-50, 64495-50 (64495 once for the third and further levels)."""
    reading = conversation(catalog, "Right L4-5 facet injection under fluoro, code?", "what about bilateral?",
                           "what about 3 levels, adding L3-4 and L5-S1?")
    assert only(reading).levels == 3
    assert claim_of(reading) == canon("64493-50", "64494-50", "64495-50")


def test_payer_change_keeps_the_procedure(catalog, claim_of) -> None:
    """A diagnostic MBB takes KX for Medicare only (LCD billing articles); commercial: 64493 alone."""
    reading = conversation(catalog, "Diagnostic MBB right L4-5 for Medicare, codes?", "and if it was commercial?")
    assert reading.facts["payer"] == "commercial"
    assert claim_of(reading, sides=False) == canon("64493")


def test_what_if_it_was_4_muscles(catalog, claim_of) -> None:
    """Four muscles is 3 or more: 20553 instead of 20552."""
    reading = conversation(catalog, "Trigger points in 2 muscles, code?", "what if it was 4 muscles?")
    assert only(reading).muscles == 4
    assert claim_of(reading) == ["20553"]


def test_adding_a_level_then_bilateral(catalog, claim_of) -> None:
    reading = conversation(catalog, "Left L5-S1 TFESI with fluoro, codes?", "what if we did L4-5 too?")
    assert only(reading).levels == 2 and only(reading).laterality == "left"
    assert claim_of(reading) == canon("64483-LT", "64484-LT")
    reading = conversation(catalog, "Left L5-S1 TFESI with fluoro, codes?", "what if we did L4-5 too?", "and bilateral?")
    assert claim_of(reading) == canon("64483-50", "64484-50")


def test_adding_a_joint(catalog, claim_of) -> None:
    """A second major joint on the same side: its own 20610 line, XS to tell it apart (knowledge/joint-injections.md)."""
    reading = conversation(catalog, "Left knee injection, landmark, code?",
                           "the doc also injected the left shoulder, how do I add it?")
    assert sorted(j.name for j in only(reading).joints) == ["knee", "shoulder"]
    assert claim_of(reading, sides=False) == canon("20610", "20610-XS")


def test_changing_the_ultrasound_documentation(catalog, claim_of) -> None:
    """Without a saved image, an ultrasound-guided knee injection is 20610, not 20611 (CPT Assistant Nov 2015)."""
    reading = conversation(catalog, "Knee injection under ultrasound, image saved and report, code?",
                           "what if no image was saved?")
    assert reading.facts["us_permanent_image"] is False
    assert claim_of(reading, sides=False) == ["20610"]


def test_later_visit_puts_the_procedure_in_the_past(catalog) -> None:
    """'Back 5 days later': the RFA of the previous turn is an earlier procedure; its 010-day global covers the visit."""
    reading = conversation(catalog, "RFA left L4-5 and L5-S1, codes?",
                           "patient is back 5 days later just for a wound check, can I bill a visit?")
    assert [f.status for f in reading.frames if f.family == "facet_rfa"] == ["historical"]
    assert reading.facts["days_since_global_procedure"] == 5


def test_named_procedure_instead_keeps_levels_and_side(catalog, claim_of) -> None:
    """'facet RFA instead' of right L4-5 and L5-S1 MBBs: 64635 + 64636 on the right."""
    reading = conversation(catalog, "Right L4-5 and L5-S1 MBB under fluoro, codes?", "what about facet RFA instead?")
    assert only(reading).family == "facet_rfa"
    assert claim_of(reading) == canon("64635-RT", "64636-RT")


def test_bare_rfa_instead_keeps_levels_and_side(catalog, claim_of) -> None:
    """'an RFA instead' after lumbar MBBs can only mean facet RFA of the same joints (families.yaml: facet_rfa is the
    default for an ablation with levels)."""
    reading = conversation(catalog, "Right L4-5 and L5-S1 MBB under fluoro, codes?", "what about an RFA instead?")
    assert only(reading).family == "facet_rfa"
    assert claim_of(reading) == canon("64635-RT", "64636-RT")


@pytest.mark.parametrize(("question", "expected"), [
    ("L knee inj w/o US... sorry, correction, it was the RIGHT knee, not the left. codes?", ["20610-RT"]),
    ("R GON block... scratch that, it was bilateral, both sides injected. medicare office. codes?", ["64405-50"]),
    ("trigger point inj, 3 muscles... wait, correction, the note only lists L trap and L levator, so 2 muscles",
     ["20552"]),
    ("b/l L4-5 MBB dx #1, commercial... sorry, correction: it was L4-5 AND L5-S1, and only on the left side",
     ["64493-LT", "64494-LT"]),
])
def test_a_question_that_corrects_itself_keeps_the_correction(catalog, claim_of, question: str,
                                                              expected: list[str]) -> None:
    reading = read_question(question, catalog)
    assert reading.confident, (reading.unplaced, reading.conflicts, reading.questions)
    assert claim_of(reading) == canon(*expected)


def test_a_question_without_a_correction_reads_as_one(catalog) -> None:
    question = "right knee injection without ultrasound, commercial"
    assert read_question(question, catalog).model_dump() == read(question, catalog).model_dump()


def test_a_code_alone_after_a_look_up_asks_the_same_look_up(catalog) -> None:
    reading = conversation(catalog, "what's the MUE on 64636?", "and 64635?")
    assert reading.kind == "lookup"
    assert reading.lookup is not None and reading.lookup.fields == ["mue"] and reading.lookup.codes == ["64635"]


def test_nope_opens_a_correction_of_the_previous_turn(catalog, claim_of) -> None:
    reading = conversation(catalog, "bilateral knee injections, no imaging, commercial. codes?",
                           "nope, sorry - she only came in for the knees, nothing else was addressed. final claim?")
    assert reading.confident and claim_of(reading) == ["20610-50"]
