"""Readings and verdicts blind round 14 found wrong, kept right. Each case is reworded from what a coder wrote, with the
claim or verdict a coder expects and the rule it rests on; none was copied from the reader's output."""

from __future__ import annotations

import pytest

from advisor.rules.catalog import Catalog

from .helpers import answer, canon


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # a site named as the problem's ("for a new knee problem") is not where the named procedure was done
    ("same day as her L5-S1 ILESI under fluoro she raised a separate new shoulder problem, exam and plan in its own "
     "note. E/M with 25 ok?", ["62323"], "yes", "NCCI Policy Manual ch. 1 E/M: 25 for a significant, separate problem"),
    # an E/M with 25 asked about without its code is judged on the 25, not on a code the question never gave
    ("pt had a right L5-S1 RFA today and also a new complaint of left hip pain that the doc worked up separately. "
     "can we bill an E/M w 25?", ["64635-RT"], "yes", "modifier 25: separately identifiable service, documented"),
    # "MBB #2 only 60%" gives the second block's place in its series, not an earlier RFA
    ("bilateral L4-5 RFA, medicare, first one ever. MBB #1 gave 90% relief, MBB #2 only 60%. ok to bill 64635-50?",
     ["64635-50"], "no", "facet LCD (memo/checklist): two diagnostic blocks each with at least 80% relief"),
    # a block reported with its relief is an earlier one; the RFA asked about is planned and judged as if done
    ("medicare, L4-5 MBB #1 gave 85%, MBB #2 gave 90% relief. can we go ahead and schedule the RFA?", ["64635"],
     "yes", "facet LCD: two diagnostic blocks each with at least 80% relief"),
    ("medicare. MBB #1 gave 90%, MBB #2 only 50% relief. can we proceed to RFA at L4-5?", ["64635"], "no",
     "facet LCD: two diagnostic blocks each with at least 80% relief"),
    # the coder of an ASC asks about the ASC's own claim
    ("I'm the facility coder at an ASC. medicare, left SIJ injection therapeutic under fluoro: can we put 27096 on "
     "our claim?", ["G0260-LT"], "no", "CMS OPPS/ASC: G0260 on facility claims, 27096 on the physician's"),
    ("Facility (ASC) claim: bilateral SI joint injections under fluoroscopy, medicare, therapeutic. codes?",
     ["G0260-LT", "G0260-RT"], None, "facility claims: G0260 per side with RT/LT"),
])
def test_round_14(question: str, lines: list[str], verdict: str | None, source: str, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (got, said) == (canon(*lines, sides=True) if lines else [], verdict), source


@pytest.mark.parametrize(("question", "lines", "source"), [
    # op-note steps with no procedure word of their own are steps of the one procedure the note names
    ("Procedure: left cervical medial branch blocks, left C4, C5 and C6 medial branches for the C4-5 and C5-6 facets. "
     "Prone, prepped. Under lateral fluoroscopy needles placed at the articular pillars of C4, C5 and C6. 0.5 mL "
     "bupivacaine at each level. Aetna. codes?", ["64490-LT", "64491-LT"], "CPT 64490 + 64491: two cervical joints"),
    ("Procedure note: right stellate ganglion block for CRPS of the right hand. Supine, C6 tubercle palpated, "
     "paratracheal approach, negative aspiration, 8 mL bupivacaine injected in increments. Horner's at 10 min. code?",
     ["64510-RT"], "CPT 64510: stellate ganglion block"),
    # "w/o ... radiculopathy" is no radicular pain; a vital's value, a year and other patients' no-shows are not counts
    ("PROCEDURE NOTE. Medicare. Dx: lumbar spondylosis w/o myelopathy or radiculopathy. Bilateral L3-4 and L4-5 "
     "medial branch blocks, diagnostic block #1, under fluoroscopy, bupivacaine at each site. No radicular "
     "symptoms. Codes?", ["64493-50-KX", "64494-50-KX"], "facet LCD: KX on diagnostic blocks; two levels bilateral"),
    ("Cigna. caudal ESI, hx of L5-S1 fusion 2017. Sacral hiatus found under fluoro, Tuohy placed, epidurogram, "
     "steroid injected. HR dropped to 48 briefly, resolved. 3 no-shows this morning. code?", ["62323"],
     "CPT 62323: caudal epidural with imaging"),
])
def test_round_14_notes(question: str, lines: list[str], source: str, catalog: Catalog) -> None:
    got, _, kind = answer(question, catalog)
    assert (got, kind) == (canon(*lines, sides=True), "claim"), source


def test_a_follow_up_asking_to_schedule_the_rfa_judges_the_rfa_on_the_blocks(catalog: Catalog) -> None:
    history = ("right L4-5 MBB for medicare, diagnostic block #1, codes?", "MBB #2 done two weeks later, same level")
    _, verdict, _ = answer("the 2nd block gave only 50% relief (the first was 85%). can we schedule the RFA?", catalog,
                           history)
    assert verdict == "no"  # facet LCD: each diagnostic block at least 80%


@pytest.mark.parametrize(("question", "asks"), [
    # no level named or counted for a procedure billed per level: one level would be a guess
    ("bilateral lumbar medial branch block today under fluoroscopy, Aetna. codes?", "facet joints"),
    # no side for a procedure billed with 50 when done on both sides: one line or a bilateral one is a guess
    ("L3-4 and L4-5 medial branch blocks under fluoro, BCBS - what goes on the claim?", "Which side"),
    ("SIJ injection under fluoroscopy today, therapeutic, Cigna. code?", "Which side"),
])
def test_a_deciding_fact_left_out_is_asked_for(question: str, asks: str, catalog: Catalog) -> None:
    from advisor.reader.followup import read_question

    reading = read_question(question, catalog)
    assert reading.kind == "clarify" and any(asks in q for q in reading.questions), reading.questions


@pytest.mark.parametrize(("question", "lines"), [
    ("R sided RFA L4-5 and L5-S1, UHC. codes?", ["64635-RT", "64636-RT"]),  # 'R sided' is the right side
    ("lumbar transforaminal injection at L5-S1 on the rigth, Cigna", ["64483-RT"]),  # a common misspelling
])
def test_a_side_written_loosely_is_read(question: str, lines: list[str], catalog: Catalog) -> None:
    got, _, kind = answer(question, catalog)
    assert (got, kind) == (canon(*lines), "claim")


@pytest.mark.parametrize(("question", "history", "lines", "source"), [
    # sent home before anything was started: nothing to bill
    ("she was on the schedule for a C6-7 ILESI under fluoro but her platelets were low so we sent her home before "
     "anything was started. claim?", (), [], "nothing performed, nothing billed"),
    # prepped and in the room, then called off before any anesthetic: the facility's 73, nothing for the physician
    ("HOPD facility claim, Aetna. Scheduled L L4-5 TFESI; pt prepped, positioned prone in the procedure room, then "
     "the doc called it off for a BP of 220/120. No local, no needle. facility codes?", (), ["64483-73-LT"],
     "CMS 100-04 ch. 4 section 20.6.4: 73 after prep, before anesthesia"),
    ("and the doctor's professional claim?", ("HOPD facility claim, Aetna. Scheduled L L4-5 TFESI; pt prepped, "
     "positioned prone in the procedure room, then the doc called it off for a BP of 220/120. No local, no needle. "
     "facility codes?",), [], "CPT modifier 53 note: not for a procedure cancelled before it started"),
    # a refusal after the consent talk calls the planned procedure off; the visit stands
    ("TPIs were planned today but she declined after the consent discussion. the visit was a 99214 (exam, med "
     "change). what do i bill?", (), ["99214"], "nothing performed; the E/M needs no 25 without a procedure"),
    # a level planned and not done leaves the other levels done
    ("Cigna. L L3-4 TFESI done, L L4-5 was planned but not done bc of pain. codes?", (), ["64483-LT"],
     "CPT 64483: one lumbar level done"),
    # a bare number after 'no wait' restates the count named before it
    ("TPIs in four muscles - no wait, just two: L trap and L rhomboid. code?", (), ["20552"],
     "CPT 20552: one or two muscles"),
])
def test_round_14_not_done(question: str, history: tuple[str, ...], lines: list[str], source: str,
                           catalog: Catalog) -> None:
    got, _, _ = answer(question, catalog, history)
    assert got == canon(*lines), source


@pytest.mark.parametrize(("question", "history", "lines", "verdict", "source"), [
    # ultrasound without a saved image or a report is the unguided code, and 76942 never goes with it
    ("doc used ultrasound for a L knee injection but didnt save any images or write a report. 20611 + 76942?", (),
     ["20610-LT"], "no", "CPT 20611: real-time US, a permanent recorded image and a report"),
    ("update - turns out the images never actually saved and there's no report in the chart. what's the code now?",
     ("R knee injection under ultrasound, image saved and report dictated, Aetna. code?",), ["20610-RT"], None,
     "CPT 20611 needs the saved image and the report"),
    # 'no fluoro, no CT, nothing' lists guidance not used; the injection was done
    ("L5-S1 interlaminar epidural done blind - loss of resistance only, no fluoro, no CT, nothing. BCBS. code?", (),
     ["62322"], None, "CPT 62322: interlaminar lumbar epidural without imaging"),
])
def test_round_14_imaging(question: str, history: tuple[str, ...], lines: list[str], verdict: str | None, source: str,
                          catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog, history)
    assert (got, said) == (canon(*lines), verdict), source


@pytest.mark.parametrize(("question", "kind"), [
    ("does 64520 have imaging guidance built into the code?", "lookup"),
    ("total hip arthroplasty L, the surgeon wants 57 on yesterday's E/M. correct?", "out_of_scope"),
    ("therapy clinic billed 97110 x2 + 97140 x1 for 38 min. does that pass the 8 minute rule?", "out_of_scope"),
    ("how many mg of kenalog should the doc use for a shoulder injection?", "out_of_scope"),
    ("can you draft a letter to a patient about her unpaid balance?", "out_of_scope"),
])
def test_round_14_kinds(question: str, kind: str, catalog: Catalog) -> None:
    from advisor.reader.followup import read_question

    assert read_question(question, catalog).kind == kind


def test_the_25_asked_of_the_visit_line_is_put_on_the_visit_not_the_procedure(catalog: Catalog) -> None:
    # 'the 25 goes on the E/M line, not on the 27096, right?' asks where 25 is written: yes, on the visit (was: 25
    # put on 27096, a confident No); whether the visit is billable is said beside it (round 20 asks this as a Yes)
    _, verdict, _ = answer("quick check - the 25 goes on the E/M line, not on the 64483, right?", catalog)
    assert verdict == "yes"
    _, verdict, _ = answer("E/M same day as the TFESI: the 25 goes on the 64483, right?", catalog)
    assert verdict == "no"  # NCCI Policy Manual ch. 1: 25 is an E/M modifier


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # the other claim's modifiers, named as what the hospital bills, are not proposed for the physician's claim
    ("physician claim, case done in the HOPD, Medicare: bilateral shoulder injections, no imaging. The hospital bills "
     "RT/LT lines. For the doctor's claim is 20610-50 right?", ["20610-50"], "yes",
     "MPFS bilateral indicator 1: one line with 50 on the physician claim"),
    # a different procedure ruled out ('so no RFA') does not call off the injections done
    ("Medicare, bilateral L3-4 and L4-5 therapeutic facet injections today; two dx blocks each >80%, 50% relief for 4 "
     "months after the last one, pacemaker so no RFA (documented). does 64494 get the 50 too?",
     ["64493-50", "64494-50"], "yes", "MPFS bilateral indicator 1 on 64494 too"),
    # a second encounter the same day bypasses the edit with XE on a Medicare claim (CMS X{EPSU} guidance)
    ("medicare. L knee injection at 9am; she came back at 3pm, separate visit, for TPIs in the L trap and L rhomboid. "
     "XE on the 20552?", ["20610-LT", "20552-XE"], "yes", "CMS MLN X{EPSU}: XE for a separate encounter"),
])
def test_round_14_other_claims_and_encounters(question: str, lines: list[str], verdict: str | None, source: str,
                                              catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (got, said) == (canon(*lines), verdict), source
