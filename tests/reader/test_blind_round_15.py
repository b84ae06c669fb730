"""Readings and verdicts blind round 15 found wrong, kept right. Each case is reworded from what a coder wrote, with the
claim or verdict a coder expects and the rule it rests on; none was copied from the reader's output."""

from __future__ import annotations

import pytest

from advisor.answer.lookup import answer_lookup
from advisor.reader.followup import read_question
from advisor.rules.catalog import Catalog

from .helpers import answer, canon


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # a procedure ordered for later is not billed on today's claim, whatever the authorization needs
    ("the physician ordered a right L5-S1 TFESI for next week. can we add it to today's visit claim now so the auth "
     "matches?", [], "no", "a service is billed for the date it is performed"),
    # the same code asked for twice, one per part of one joint's procedure
    ("L shoulder: aspirated fluid and then injected steroid through the same needle. 20610 for the aspiration and "
     "20610 for the injection?", ["20610-LT"], "no", "NCCI ch. 4 / MAC articles: one unit per joint per session"),
    # the side stopped before it was started was not done
    ("planned bilateral L4-5 MBB, Aetna; the right side was done and the patient asked to stop before the left was "
     "started. bill 64493-50?", ["64493-RT"], "no", "CPT modifier 50: both sides done"),
    # the decision to inject, the only complaint: no separate E/M
    ("new patient, her only complaint is neck spasm; the doctor evaluated her, decided on trigger points and "
     "injected 3 muscles. 99203-25 + 20553?", ["20553"], "no",
     "NCCI Policy Manual ch. 1: the decision to perform a minor procedure is included in it"),
    # a therapeutic facet injection needs the reason RFA is not possible; the RFA named in that reason was not done
    ("medicare, repeat therapeutic IA facet injection R L5-S1; the two diagnostic blocks gave 90% and 85%, the last "
     "IA gave 60% for 4 months, but the note never says why RFA isn't an option. ok?", ["64493-RT"], "no",
     "CGS facet LCD: documentation of why the patient cannot have RFA"),
    # the summary 'cervical and lumbar epidurals' names the two procedures that follow
    ("medicare: wants cervical and lumbar epidurals at one visit - C6-7 ILESI and R L4-5 TFESI. ok to bill both?",
     ["62321", "64483-RT"], "no", "Medicare ESI billing articles: one spinal region per session"),
    # the last RFA more than two years ago: the diagnostic blocks are repeated first
    ("medicare - R L4-5 RFA done about 3 yrs ago with good relief; pain is back. ok to redo the RFA without "
     "repeating the MBBs?", ["64635-RT"], "no", "facet LCD memo/checklist: blocks repeated after 2 years"),
    # two earlier RFAs in the rolling year (months written short) make this the third
    ("medicare pt had R L5-S1 RFA in Jan and L L5-S1 RFA in Apr; doc wants to redo the right side in Sept. ok?",
     ["64635-RT"], "no", "facet LCD: at most two RFA sessions per region in a rolling 12 months"),
    # a facility stop modifier is judged on how the case ended, not on whether sedation is covered
    ("ASC: moderate sedation was given for a L L5-S1 TFESI, then the patient desaturated and the case was stopped "
     "before the needle. modifier 74 on the facility claim?", ["64483-74-LT"], "yes",
     "CMS 100-04 ch. 4 section 20.6.4: 74 after anesthesia (sedation included) has begun"),
    # 'so doc injected' opens a clause of its own: the knee was injected, not only mentioned
    ("est pt seen for neck pain med refill and a PT order (separate note); she also mentioned L knee OA flare so doc "
     "injected the L knee, no imaging. 99213-25 + 20610?", ["99213-25", "20610-LT"], "yes",
     "modifier 25: a separately identifiable visit for another problem"),
    # the 4th session dated by a month is the one asked about, with the muscles listed after it
    ("L39656 applies. TPIs were done in Jan, Apr, and Jul, and the doc wants a 4th in Oct (trap, levator, "
     "rhomboid). covered?", ["20553"], "no", "L39656: no more than 3 trigger point sessions in 12 months"),
    # known gap: after a semicolon the muscles of 'a 4th session' are not read as that session's
    pytest.param("L39656 applies. TPIs were done in Jan, Apr and Jul; doc wants a 4th session in Oct (trap, levator, "
                 "rhomboid). covered?", ["20553"], "no", "L39656: no more than 3 trigger point sessions",
                 marks=pytest.mark.xfail(strict=True, reason="muscles listed in a sentence of their own after ';'")),
])
def test_round_15(question: str, lines: list[str], verdict: str | None, source: str, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (got, said) == (canon(*lines) if lines else [], verdict), source


def test_either_modifier_asked_instead_of_25_is_judged(catalog: Catalog) -> None:
    """'59 or XU instead of 25?' asks whether either will do: neither goes on an E/M line."""
    _, verdict, kind = answer("can I use XU or 59 on the 99213 instead of 25 with today's R knee injection?", catalog)
    assert (verdict, kind) == ("no", "claim")  # NCCI Policy Manual ch. 1: 59/X modifiers are not for E/M services


def test_a_visit_for_a_planned_procedure_later_is_still_billable(catalog: Catalog) -> None:
    """Only the planned procedure is kept off today's claim, not a visit the question asks about on its own."""
    _, verdict, _ = answer("new low back pain worked up today, separate problem, 99214. the RFA is planned for next "
                           "week. can I bill the 99214 today?", catalog)
    assert verdict == "yes"


@pytest.mark.parametrize(("question", "lines"), [
    ("right facet injections from L2-3 all the way down to L5-S1, four levels, Cigna. codes?",
     ["64493-RT", "64494-RT", "64495-RT"]),  # every joint of the range, the third and further levels once
    ("L facet injections L1-2 thru L5-S1 (5 levels), Aetna. units of 64495 for levels 3-5?",
     ["64493-LT", "64494-LT", "64495-LT"]),  # 'levels 3-5' are positions among the levels named
    ("ASC facility claim, medicare, left therapeutic SI joint injection under fluoro (the last one gave 60% relief). "
     "facility codes?", ["G0260-LT"]),  # the aside reports the earlier injection; today's is billed
    ("HOPD claim: L4-5 ILESI with fluoro; patient taken back to the room and positioned prone, then before any local "
     "or sedation the case was cancelled for chest pain. hospital's codes?", ["62323-73"]),  # 73: no anesthesia yet
    ("bilateral SIJ injections planned; left not done (patient had a vasovagal reaction after the right one). right "
     "side under fluoro, therapeutic, Cigna. code?", ["27096-RT"]),  # what the patient 'had' is no earlier procedure
])
def test_round_15_claims(question: str, lines: list[str], catalog: Catalog) -> None:
    got, _, kind = answer(question, catalog)
    assert (got, kind) == (canon(*lines), "claim")


@pytest.mark.parametrize(("history", "question", "lines", "verdict"), [
    # a follow-up that lowers an earlier result asks whether the claim still holds; KX leaves every line of it
    (("medicare, 2nd diagnostic MBB bilateral L3-4 L4-5 today, the first gave 90%. codes?",),
     "and if the first one had only given 60%?", ["64493-50", "64494-50"], "no"),
    (("pt had a R knee injection and the doc also worked up new low back pain, BCBS. 99213-25 + 20610?",),
     "ok but what if it wasn't really addressed and the visit was only the pre-procedure check?", ["20610-RT"], "no"),
    (("repeat RFA L L4-5 L5-S1, medicare. last RFA gave 80% relief for 9 months",),
     "what if that relief only lasted 4 months?", ["64635-LT", "64636-LT"], "no"),
    # a level the follow-up says was not done ('wasnt', written without the apostrophe) leaves the others
    (("right L2-3, L3-4, L4-5 MBB, Aetna. codes?",), "wait L2-3 wasnt done, only the lower two",
     ["64493-RT", "64494-RT"], None),
    # 'X not Y' takes back Y and keeps X
    (("L4-5 TFESI left, Cigna",), "sorry, it was C6-7 not L4-5", ["64479-LT"], None),
])
def test_round_15_follow_ups(history: tuple[str, ...], question: str, lines: list[str], verdict: str,
                             catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog, history)
    assert (got, said) == (canon(*lines), verdict)


def test_a_relief_threshold_is_looked_up_from_the_lcd_table(catalog: Catalog) -> None:
    reading = read_question("what % relief does medicare want from a diagnostic SI joint block?", catalog)
    assert reading.kind == "lookup" and reading.lookup is not None
    facts = answer_lookup(reading, reading.lookup, catalog)
    assert [(f.subject, f.value) for f in facts] == [("si_diagnostic", f"{catalog.relief['si_diagnostic'].value}%")]


@pytest.mark.parametrize("question", [
    "pt's on duloxetine 60 daily, what's the max daily dose the doc can go to?",
])
def test_dosing_is_out_of_scope(question: str, catalog: Catalog) -> None:
    assert read_question(question, catalog).kind == "out_of_scope"
