"""Readings and verdicts round 20 (written blind, put straight into dev) found wrong, kept right. Each case is reworded
from what a coder wrote, with the claim or verdict a coder expects and the rule it rests on; none was copied from the
reader's output."""

from __future__ import annotations

import pytest

from advisor.reader.followup import read_question
from advisor.rules.catalog import Catalog

from .helpers import answer, canon


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # neither discontinued modifier: the case was cancelled before the patient went back
    ("HOPD: pt checked in for R L5-S1 TFESI, BP 230/125 in pre-op holding, cancelled before she went back to the "
     "room. can the hospital bill it with 73 or 74?", [], "no", "CMS IOM 100-04 ch. 4 §20.6.4: 73 once prepared"),
    # the facility's modifier for a procedure stopped after the needle went in is 74, not 53
    ("ASC claim on an aborted right L5-S1 TFESI (needle was placed, then stopped for a vasovagal) - 53 on the facility "
     "claim right?", ["64483-74"], "no", "modifiers.yaml: 53 physician, 73/74 facility"),
    # where 25 goes, whatever the visit supports
    ("the 25 goes on the visit line and not on the 20552, correct?", ["20552"], "yes", "CPT modifier 25: E/M only"),
    # an X modifier is a 59 narrowed
    ("R knee injection + TPIs in the R gluteus medius (separate area) same visit, cigna. would XS work instead of 59 "
     "on the trigger point line?", ["20552-XS", "20610-RT"], "yes", "NCCI Policy Manual ch. I §E: XE/XS/XP/XU"),
    # "27096 already includes the fluoro" is about the code, not a date
    ("L SIJ injection under fluoro - 27096 already includes the fluoro so no 77003, correct?", ["27096-LT"], "yes",
     "CPT 27096: imaging included"),
    # the question puts forward that it is not covered
    ("SI joint injection done landmark only, no imaging, on a medicare pt - that's not covered, right?", ["20552"],
     "yes", "Medicare SI LCD: image guidance required"),
    # the add-on asked about beside its primary
    ("the add-on 64484 goes out without modifier 51, correct?", ["64483", "64484"], "yes",
     "CPT add-on codes are exempt from 51"),
    # "4 already done": four sessions before this one
    ("mcr pt, this would be her 5th cervical ESI in the last 12 months (4 already done since last spring). will "
     "medicare cover it?", ["62321"], "no", "Medicare ESI LCD: four sessions per region in 12 months"),
    # "both diagnostic MBBs gave 80%": two blocks of 80%
    ("medicare: both diagnostic MBBs gave exactly 85% relief. does that meet the requirement for the first RFA?",
     ["64635"], "yes", "Medicare facet LCD: two blocks of 80%"),
])
def test_round_20(question: str, lines: list[str], verdict: str | None, source: str, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (canon(*got), said) == (canon(*lines), verdict), source


@pytest.mark.parametrize(("question", "lines"), [
    # started (needle in), then pulled out before anything was injected
    ("office: started the shoulder injection, needle in the joint, pt had a vasovagal and we pulled out before "
     "injecting anything. codes", ["20610-53"]),
    # a correction opened by 'correction,' takes a muscle back
    ("TPIs in R trap, R levator and R rhomboid -- correction, the levator was NOT injected. codes", ["20552"]),
    # the muscles listed under a label after the procedure sentence are its muscles
    ("PROCEDURE NOTE: Trigger point injections. Muscles: R trapezius (2 sites), R rhomboid (2 sites), R levator "
     "scapulae (1 site). 1 mL per site. -- what do i bill", ["20553"]),
    # the partner saw him last year: established
    ("pt was seen last year by dr lee (my partner, same group and specialty), sees me today. full workup of a new "
     "right shoulder problem plus the left L5-S1 TFESI he was scheduled for. 99204-25 or 99214-25?",
     ["99214-25", "64483-LT"]),
    # "caudle" and "w/o any imaging"
    ("caudle epidural steroid injection done w/o any imaging, pt has aetna. code?", ["62322"]),
    # an intra-articular injection at a spinal level is a facet joint injection
    ("cigna. Plan was bilateral L5-S1 facet joint injections. Left L5-S1 intra-articular injection completed under "
     "fluoroscopy. Right side was not performed. codes?", ["64493-LT"]),
    # the SI joint's nerves, listed after the procedure
    ("aetna. Procedure: Right sacroiliac joint nerve block - L5 dorsal ramus and S1, S2, S3 lateral branches, "
     "fluoroscopic guidance. codes?", ["64451-RT"]),
    # the RFA stopped after the first cannula: the first level, stopped
    ("office procedure: left L3-4 and L4-5 RFA planned. first cannula placed at L3-4, then pt became bradycardic, doc "
     "stopped before any lesion was made. physician claim?", ["64635-53-LT"]),
])
def test_round_20_claims(question: str, lines: list[str], catalog: Catalog) -> None:
    got, _, _ = answer(question, catalog)
    assert canon(*got) == canon(*lines)


@pytest.mark.parametrize(("history", "question", "lines", "verdict"), [
    # "and if she'd already had four this year?": four sessions before
    (("medicare pt, two lumbar ESIs so far this year with good relief, can we do another?",),
     "and if she'd already had four this year?", ["62323"], "no"),
    # the follow-up says the procedure was stopped after it began
    (("left L4-5 TFESI codes",), "update: it got stopped after the needle was in, pt had a vasovagal, nothing injected. "
     "office procedure", ["64483-53-LT"], None),
])
def test_round_20_follow_ups(history: tuple[str, ...], question: str, lines: list[str], verdict: str | None,
                             catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog, history)
    assert (canon(*got), said) == (canon(*lines), verdict)


@pytest.mark.parametrize(("question", "kind"), [
    ("our cardiology group did an RF ablation for afib, how do i code the ablation?", "out_of_scope"),
    ("can I bill 62323 for a racz epidural adhesiolysis?", "unsupported"),  # not an epidural steroid injection
    ("Left L4-5 TFESI. charge ticket has 64483 and 77003, codes?", "claim"),
])
def test_round_20_kinds(question: str, kind: str, catalog: Catalog) -> None:
    assert read_question(question, catalog).kind == kind


def test_a_charge_ticket_is_not_an_instruction_to_charge(catalog: Catalog) -> None:
    assert read_question("Left L4-5 TFESI. charge ticket has 64483 and 77003, codes?", catalog).question_type == "wh"


def test_a_choice_between_codes_gets_no_verdict(catalog: Catalog) -> None:
    """Neither option right: the claim says what is (a verdict is kept for a choice between discontinued modifiers)."""
    _, said, _ = answer("four trigger point muscles: 2 in the neck and 2 in the low back. bill 20552 x2 or 20552 + "
                        "20553?", catalog)
    assert said is None


@pytest.mark.parametrize(("question", "lines"), [
    # clause order changed: the RFA after the blocks' results is its own procedure, not more words of the blocks
    ("Medicare, the two MBBs done earlier gave 85% and 90%. bilat RFA L4-5, L5-S1 - two joints each side. codes?",
     ["64635-50", "64636-50"]),
    # levels said first, the procedure corrected after: the levels' region is the procedure's
    ("left L5-S1, aetna, therapeutic. not a facet injection, it was a TFESI. fix the codes?", ["64483-LT"]),
    ("right L4-5 only, aetna. not MBB - it was an RFA. what's the code then", ["64635-RT"]),
])
def test_reordered_clauses(question: str, lines: list[str], catalog: Catalog) -> None:
    got, _, _ = answer(question, catalog)
    assert canon(*got) == canon(*lines)


@pytest.mark.parametrize(("history", "question", "lines", "verdict"), [
    # a follow-up opened by small talk is still a follow-up, and asks what it asks
    (("R L4-5 TFESI under fluoro, aetna, codes?",),
     "The patient is a 72 year old retired nurse who drove herself in. it was the left side", ["64483-LT"], None),
    (("L5-S1 ILESI under fluoro, aetna, codes?",),
     "The patient is a 72 year old retired nurse who drove herself in. and if the doc did it without fluoro?",
     ["62322"], None),
    # a correction sentence is not small talk
    (("bilat L4-5 L5-S1 MBB #1 today, medicare, codes?",),
     "sorry, correction on that one - it was the left side only. what are the codes then?",
     ["64493-LT-KX", "64494-LT-KX"], None),
])
def test_small_talk_before_a_follow_up(history: tuple[str, ...], question: str, lines: list[str],
                                       verdict: str | None, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog, history)
    assert (canon(*got), said) == (canon(*lines), verdict)
