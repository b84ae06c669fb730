"""Readings and verdicts blind rounds 5 and 6 found wrong, kept right. Each case is what a coder wrote, what a coder expects
(the claim, the verdict or a fact) and the rule the expectation rests on; none was copied from the reader's output."""

from __future__ import annotations

import pytest

from advisor.answer.verdict import decide
from advisor.claims import format_line
from advisor.reader.encounter import to_encounter
from advisor.reader.followup import read_question
from advisor.rules.catalog import Catalog

from .helpers import canon


def _answer(question: str, catalog: Catalog) -> tuple[list[str], str | None]:
    reading = read_question(question, catalog)
    decision = decide(reading, to_encounter(reading, catalog, None, "medicare"), catalog)
    return sorted(format_line(ln) for ln in decision.claim), decision.verdict


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    ("knee injection was planned but pt refused after consent, doc spent 10 min discussing. bill 20610?", [], "no",
     "a refused procedure is not a service rendered"),
    ("pt no-showed for the genicular RFA, nothing goes out on the claim for today, correct?", [], "yes",
     "no service, no claim"),
    ("the MBB for tomorrow got cancelled. can I bill it?", [], "no", "a planned, cancelled procedure is not billed"),
    ("injected both shoulders, wait no - only the left shoulder, right was planned but pt declined. no imaging. "
     "codes?", ["20610-LT"], None, "the correction replaces what was said first"),
    ("TFESI left L4-5, Medicare - sorry, I meant left L3-4, L4-5 AND L5-S1, three levels all on the left. Can I bill "
     "all three to Medicare?", ["64483-LT", "64484-LT x2"], "no", "A58745: at most 2 transforaminal levels"),
    ("pt declined sedation, L4-5 ILESI done w/ fluoro, Medicare, radicular pain for 3 months. bill 62323?",
     ["62323"], "yes", "declined sedation is no sedation (NGS sedation note does not apply)"),
    ("Medicare, new radicular pain x 2 wks, doc did L5-S1 ILESI w/ fluoro today. Will it pass the LCD?", ["62323"],
     "no", "L33906: pain for at least 4 weeks"),
    ("MCR: doc did a C7-T1 interlaminar AND an L5-S1 interlaminar ESI, both w/ fluoro, same session. Can I bill "
     "both?", ["62321", "62323"], "no", "A58745: one spinal region per ESI session"),
    ("2nd diagnostic MBB, Medicare, bilat L4-5. First block only gave 60% relief. Can I bill it 64493-50-KX?",
     ["64493-50"], "no", "CGS: 80% relief for the second block; KX attests the requirements are met"),
    ("trigger point injections x6 into the right trapezius only (six needle sticks, one muscle). 20553?",
     ["20552"], "no", "AAPC: trigger point codes count muscles, not injections"),
    ("three muscles injected w/ trigger points (R trap, R levator, R splenius capitis) -> 20553 once, no 50. correct?",
     ["20553"], "yes", "CPT 20553: three or more muscles; Find-A-Code: no 50"),
    ("can I add 76942 to 20611 for the US guidance on the hip inj?", ["20611"], "no",
     "CPT: 20611 includes the ultrasound guidance"),
])
def test_blind_round5_answers(catalog, question: str, lines: list[str], verdict: str | None, source: str) -> None:
    assert source
    got_lines, got_verdict = _answer(question, catalog)
    assert got_lines == sorted(lines)
    assert got_verdict == verdict


@pytest.mark.parametrize(("question", "fact", "value"), [
    ("Medicare pt, L5 radiculopathy 8 wks, TFESI left L4-5 and L5-S1 with fluoro", "pain_weeks", 8),
    ("chronic LBP for 6 months, bilateral L4-5 MBB, Medicare", "pain_weeks", 26),
    ("repeat RFA, the last one gave 70% relief lasting 7 months", "pain_weeks", None),
    ("Medicare, TPI session number 4 in the last 12 months, 20553", "prior_sessions", {"tpi": 3}),
])
def test_blind_round5_facts(catalog, question: str, fact: str, value: object) -> None:
    facts = to_encounter(read_question(question, catalog), catalog, None, "medicare").facts
    assert getattr(facts, fact) == value


def test_an_lcd_number_is_not_read_as_a_code(catalog) -> None:
    """L39656 is the trigger point LCD, not HCPCS L3965 followed by a 6."""
    reading = read_question("TPI 3 muscles, pt is in a MAC with L39656. 20553 covered?", catalog)
    assert [ln.code for ln in reading.lines] == ["20553"]
    assert reading.confident


def test_claim_alone_asks_for_the_claim(catalog) -> None:
    """'..., Medicare. claim?' asks what to bill: no verdict to a question that proposes nothing."""
    reading = read_question("bilat L4-5 MBB under fluoro, MCR, first diagnostic block, criteria met. claim?", catalog)
    assert reading.question_type == "wh"
    assert canon(*_answer("bilat L4-5 MBB under fluoro, MCR, first diagnostic block. claim?", catalog)[0]) == \
        canon("64493-50-KX")


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    ("TPI 2 muscles (neck) and L knee 20610 same visit, Medicare: 20610-LT, 20552-XS?", ["20552-XS", "20610-LT"],
     "yes", "NCCI PTP 20610/20552 (modifier indicator 1), XS for the separate site (KZA)"),
    ("left SIJ therapeutic injection for a Medicare pt. Last one, 4 months ago, only gave about 30% relief. ok to "
     "bill?", ["27096-LT"], "no", "NGS SI LCD: a repeat therapeutic SI injection needs 50% improvement"),
    ("does medicare pay for sedation with MBBs?", [], "no", "NGS: sedation is not routine for facet interventions; "
     "a general question gets no claim lines"),
    ("Day 6 after bilat L4-5 RFA (64635-50), Medicare pt back for post-procedure check of soreness at the needle "
     "sites. Can we bill a 99213?", [], "no", "CMS global surgery: routine postoperative visits are included"),
])
def test_blind_round5_more_answers(catalog, question: str, lines: list[str], verdict: str, source: str) -> None:
    assert source
    assert _answer(question, catalog) == (sorted(lines), verdict)


def test_a_general_question_is_marked_general(catalog) -> None:
    assert read_question("are MBBs covered by Medicare?", catalog).general
    assert not read_question("bilat L4-5 MBB today, covered by Medicare?", catalog).general


@pytest.mark.parametrize(("question", "verdict"), [
    ("Medicare patient, fourth trigger point session this year. Will it be covered?", "conditional"),
    ("Medicare pt under LCD L39656, fourth trigger point session this year. Will it be covered?", "no"),
])
def test_the_trigger_point_cap_depends_on_the_lcd(catalog, question: str, verdict: str) -> None:
    """facts.md: the 3-session cap is in L37913, L39656, L36859 and L34211, not in every contractor's article."""
    assert _answer(question, catalog)[1] == verdict


@pytest.mark.parametrize(("question", "lines"), [
    ("right C5-6 and right L4-5 facet injections same session, commercial, codes?", ["64490-RT", "64493-RT"]),
    ("right C5-6, C6-7 and right L4-5 facet injections same session, commercial, codes?",
     ["64490-RT", "64491-RT", "64493-RT"]),
    ("bilateral MBB at T12-L1 and L1-2 (first block), commercial. what do I bill?", ["64490-50", "64493-50"]),
])
def test_levels_in_two_regions_take_each_regions_codes(catalog, question: str, lines: list[str]) -> None:
    """CPT: each facet add-on is reported with its own region's primary (notes under 64491/64494), so a session
    with cervical/thoracic and lumbar levels has one primary per region, never a lumbar add-on after 64490."""
    assert _answer(question, catalog)[0] == sorted(lines)


@pytest.mark.parametrize(("question", "qtype"), [
    ("pt was scheduled for R GON block today but called out sick, rescheduled next wk. anything to bill?", "wh"),
    ("doc also injected her R knee for a new OA flare. biller put 59 on the 99213 - right modifier?", "yes_no"),
    ("hip joint inj w/ fluoro. we billed 20610 and 77003, denied for 77003. why?", "yes_no"),
])
def test_question_types(catalog, question: str, qtype: str) -> None:
    assert read_question(question, catalog).question_type == qtype


def test_no_rt_lt_sets_both_aside(catalog) -> None:
    """'no RT/LT and no 50' rules out all three modifiers; the proposal is the bare line."""
    assert _answer("bilat TPI upper traps - one line 20552, no RT/LT and no 50. correct?", catalog) == \
        (["20552"], "yes")


@pytest.mark.parametrize(("question", "lines", "verdict"), [
    ("GNB R knee done today, RFA planned in 2 wks if it works. bill both now?", ["64454-RT"], "no"),
    ("Medicare denied 20553 x2 for MUE. Resubmit as two lines, 20553 and 20553-59?", ["20553"], "no"),
    ("medicare denied 20552 as bundled with 20610 (NCCI). TPIs were R trap + R rhomboid, inj was the R knee. how do I "
     "fix the claim?", ["20552-XS", "20610-RT"], None),
])
def test_denials_and_plans_are_claim_questions(catalog, question: str, lines: list[str], verdict: str | None) -> None:
    """A denial to fix or a resubmission is a claim to check, not a table look-up; a planned procedure is never part
    of today's 'bill both'. Sources: NCCI PTP 20610/20552 (KZA); A59480 (one TPI code, one unit); MUE table."""
    assert _answer(question, catalog) == (sorted(lines), verdict)


@pytest.mark.parametrize(("question", "lines"), [
    # a procedure called off, whatever word does it (no service rendered, nothing billed)
    ("pt showed up for R L5-S1 TFESI but BP was 212/118 in pre-op, doc cancelled before she went back - no needle, "
     "no sedation. anything to bill for the injection?", []),
    ("pt showed up for the L4-5 ILESI but BP was 212/118, injection cancelled before anything was started. what "
     "should go out?", []),
    ("f/u visit only. she had a R SI jt injection in march with 80% relief, nothing done today. what procedure code "
     "goes on today's claim?", []),
    # the visit is not the procedure; 'same day as' names the procedure of the day
    ("aetna pt, pre-procedure visit same day as L C6-7 transforaminal, no other issue. can we still bill 99212-25?",
     ["64479-LT"]),
    # claim questions, not look-ups
    ("caudal ESI thru the sacral hiatus, fluoroscopic guidance, MCR. the charge sheet says 62321. what's the right "
     "code?", ["62323"]),
    ("there was a separate problem (new neck pain) documented along w/ the 62323 today. to get the E/M past the edit "
     "do I use XU or 25 on the 99214? what's the final claim", ["62323", "99214-25"]),
    ("doc did 2 muscles in the neck and then 3 in the lumbar area at the same visit. biller put 20552 + 20553. what's "
     "the correct coding?", ["20553"]),
    ("64635 x2 went out for a bilateral L5-S1 RFA on the MCR claim and got an MUE denial. how should it be billed?",
     ["64635-50"]),
    ("procedure was a single lumbar TF at L5-S1 with a separate new problem worked up, 99213. how should these two "
     "lines actually look?", ["64483", "99213-25"]),
])
def test_blind_round6_claims(catalog, question: str, lines: list[str]) -> None:
    """Blind round 6 readings kept right (CMS: a service not rendered is not billed; 62323 is the caudal/lumbar ILESI
    with imaging; 20553 counts muscles once; RFA bilateral is 64635-50 on the physician claim; NCCI Ch. I: 25 on the
    E/M, never XU)."""
    assert _answer(question, catalog)[0] == sorted(lines)


def test_a_follow_up_that_takes_the_fluoro_back_codes_without_imaging(catalog) -> None:
    from advisor.reader.followup import merge
    from advisor.reader.reader import read

    first = read("ILESI L4-5 w/ fluoro - codes", catalog)
    then = merge(first, read("wait no, fluoro wasn't used, LOR technique only", catalog), catalog)
    decision = decide(then, to_encounter(then, catalog, None, "medicare"), catalog)
    assert [format_line(ln) for ln in decision.claim] == ["62322"]


def test_patient_identifiers_are_no_coding_facts(catalog) -> None:
    """An MRN is not a code with units and a date of birth is not the procedure date: the identifiers are read past
    (advisor.privacy.redact finds them), the coding facts stay."""
    question = ("Pt John Smith, DOB 03/14/1956, MRN 4471923, Medicare. bilat L4-5 MBB today under fluoro, first "
                "diagnostic block. codes?")
    reading = read_question(question, catalog)
    assert reading.confident and "procedure_date" not in reading.facts
    assert _answer(question, catalog)[0] == ["64493-50-KX"]
