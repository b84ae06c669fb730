"""Readings and verdicts blind round 16 found wrong, kept right. Each case is reworded from what a coder wrote, with the
claim or verdict a coder expects and the rule it rests on; none was copied from the reader's output."""

from __future__ import annotations

import pytest

from advisor.answer.lookup import answer_lookup
from advisor.answer.verdict import lookup_verdict
from advisor.reader.followup import read_question
from advisor.rules.catalog import Catalog

from .helpers import answer, canon


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # an earlier visit to the same group and specialty within three years makes the patient established
    ("she saw dr lee (our group, same specialty) in 2025. now in 2026 she sees dr cho in the same practice for the "
     "first time. 99204 as a new patient?", ["99214"], "no", "CMS IOM 100-04 ch. 12 §30.6.7: new vs established"),
    # only two weeks of symptoms: the epidural LCD wants four
    ("medicare, 2 weeks of new right leg sciatica. ok to do a R L4-5 TFESI now?", ["64483-RT"], "no",
     "Medicare epidural LCD: radicular pain for at least 4 weeks"),
    # a question about the 50 on the add-on: yes, and the lines carry the KX of a Medicare diagnostic block
    ("medicare, first diagnostic MBB bilateral L3-4 and L4-5. the 64493 gets 50 - does the add-on 64494 get 50 "
     "too?", ["64493-50-KX", "64494-50-KX"], "yes", "CPT modifier 50 on each bilateral line; Medicare LCD KX"),
    # the whole claim put up for checking without KX stays a No
    ("medicare, second diagnostic MBB bilateral L4-5 after 90% relief from the first. 64493-50, good?",
     ["64493-50-KX"], "no", "Medicare facet LCD: KX on a diagnostic block"),
    # the stored images are what 20611 rests on
    ("US guided L knee injection but the machine wasn't storing images today, nothing saved. 20611 still?",
     ["20610-LT"], "no", "CPT 20611: permanent recorded images and a report"),
    # the ordinal opening the aside names the earlier block, not today's
    ("BCBS: 99214 + bilateral L4-5 L5-S1 MBB (diagnostic #2, first gave 85%). she also had new right hip pain worked "
     "up, separate A&P. full claim?", ["99214-25", "64493-50", "64494-50"], None,
     "modifier 25 for a separately identifiable problem; the blocks are today's"),
    # blocks listed with their results before an RFA: the second fell short of 80%
    ("medicare pt had 2 MBBs, first 90%, second only 60%. ok to go ahead with the RFA?", ["64635"], "no",
     "Medicare facet LCD: two diagnostic blocks each with at least 80% relief"),
    # 6 points in one muscle are one muscle
    ("6 trigger points injected, all in the right rhomboid. 20553 because it's more than 3?", ["20552"], "no",
     "CPT 20552/20553 count muscles, not injections"),
    # three units for three spots along one nerve: one nerve, one unit
    ("R GON block - injected at 3 spots along the nerve and 2 more higher up. 3 units of 64405?", ["64405-RT"], "no",
     "CPT 64405: per nerve"),
    # a visit for the scheduled injection with nothing else addressed: no separate E/M
    ("est pt scheduled for her 3 month shoulder injection, no other complaints. doc wants 99213-25 + 20610. ok?",
     ["20610"], "no", "NCCI Policy Manual ch. 1: a visit for the procedure's decision is included"),
])
def test_round_16(question: str, lines: list[str], verdict: str | None, source: str, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (got, said) == (canon(*lines) if lines else [], verdict), source


@pytest.mark.parametrize(("question", "lines"), [
    ("HOPD. Planned R L4-5 TFESI. Lidocaine skin wheal given, needle advanced, then HR dropped to 35 and the case was "
     "aborted before contrast. facility coding?", ["64483-74-RT"]),  # 74: stopped after anesthesia began
    ("surgery center claim (facility, not the doc) - bilat L4-5 intra-articular facet injections, Aetna, "
     "therapeutic", ["64493-LT", "64493-RT"]),  # 'not the doc' says whose claim, not that nothing was done
    ("planned b/l knee injections but after the L knee he felt faint so we didn't do the right. what do i bill",
     ["20610-LT"]),  # the side not done
    ("Pt prone with a pillow under the hips. Under fluoroscopy two 22g spinal needles advanced to the right L4-5 and "
     "L5-S1 foramina. Dexamethasone injected. Cigna. codes?", ["64483-RT", "64484-RT"]),  # needles and gauge
    ("aspirated 20cc from the R knee, then injected kenalog 40 through the same needle. 1 or 2 codes?",
     ["20610-RT"]),  # one code for the aspiration and the injection
    ("L lesser occipital nerve block only (the GON was not done), no imaging", ["64450-LT"]),  # one target not done
    ("TPI x4: 2 in L gluteus medius, 2 in L piriformis", ["20552"]),  # sticks into two muscles
    ("tpi's to three musles rt side - trap, lev scap, rhomboid. aetna", ["20553"]),  # 'lev scap', 'musles'
    ("bilateral injection of the nerves innervating the SI joint (L5 dorsal ramus + S1-S3 lateral branches) under "
     "fluoro, Aetna. codes", ["64451-50"]),  # the nerves are the target, the SIJ only where they go
    ("TPI was planned for the R trap today but pt declined after talking with the doc. visit was a chronic neck pain "
     "f/u with refills, documented as 99213. what do we bill?", ["99213"]),  # the planned TPI was declined
    ("HOPD facility claim, L L5-S1 TFESI w/ fluoro, Cigna. snowing today, 4 pts no-showed lol. lines?",
     ["64483-LT"]),  # other patients' appointments call nothing off
    ("left GON block, multiple injections fanning along the nuchal ridge (5 sticks). units?", ["64405-LT"]),
    ("Left MBB: L3 MB, L4 MB and L5 dorsal ramus, for the L4-5 and L5-S1 facets, Aetna. biller counted 3 nerves as 3 "
     "levels - what should it be?", ["64493-LT", "64494-LT"]),  # the nerves block two joints
    ("single shot lumbar epidural, no imaging, catheter pulled the same day. charted as 'epidural catheter'. "
     "code?", ["62322"]),  # a single injection through a catheter removed the same day
    ("planned b/l knee injections but the R knee had a rash so only the L knee was injected, no imaging. codes?",
     ["20610-LT"]),  # 'only the L knee was injected': the right was not done
    ("R knee inj (no imaging) plus TPIs to the L trapezius and L rhomboid same visit, medicare. 20552 is getting "
     "bundled - what do I append?", ["20552-XS", "20610-RT"]),  # the claim's modifier, not the edit table
])
def test_round_16_claims(question: str, lines: list[str], catalog: Catalog) -> None:
    got, _, kind = answer(question, catalog)
    assert (got, kind) == (canon(*lines), "claim")


@pytest.mark.parametrize(("history", "question", "lines", "verdict"), [
    # the visit was only about what led to the injection: no 25
    (("99213-25 with left L5-S1 TFESI today, pt has a new knee problem worked up separately - ok?",),
     "what if the visit was only about the back pain that led to the injection?", ["64483-LT"], "no"),
    # a post-op check inside the RFA's 010-day global (the blocks before it have none)
    (("bilateral L4-5 RFA medicare, 2 prior MBBs 85% and 90%, codes?",),
     "and she comes back on day 7 for a wound check, no new issue. can i bill a 99212?", [], "no"),
    # a replaced payer asked about: Medicare's XS becomes a commercial 59; a bilateral knee line stays as it was
    (("Medicare: L knee injection and TPIs to the R trapezius and R rhomboid, how do I code?",),
     "wait, her primary is actually Aetna, not Medicare. does that change anything?", ["20552-59", "20610-LT"], "yes"),
    (("bilat knee injections, no imaging, Medicare - codes?",),
     "oops, the patient is Cigna commercial, not medicare. does the claim change?", ["20610-50"], "no"),
])
def test_round_16_follow_ups(history: tuple[str, ...], question: str, lines: list[str], verdict: str,
                             catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog, history)
    assert (got, said) == (canon(*lines), verdict)


@pytest.mark.parametrize(("question", "kind"), [
    ("what's the icd10 for type 2 diabetes with neuropathy", "out_of_scope"),
    ("can you help me negotiate our contract with Aetna? they offer 105% of medicare", "out_of_scope"),
    ("she also got a flu shot at the visit after the TFESI - what's the vaccine admin code?", "out_of_scope"),
    ("occipital nerve stimulator permanent implant, bilateral leads - surgeon's codes?", "unsupported"),
    ("nerve block for his knee pain, under fluoro, codes?", "clarify"),  # genicular nerves or the joint?
    ("lumbar interlaminar ESI at L4-5 today, code pls", "clarify"),  # the imaging decides 62322 or 62323
    ("US guided R shoulder injection today, 40 kenalog. code?", "clarify"),  # 20611 needs a saved image and report
    ("R shoulder injection under US, pic saved + report, code?", "claim"),
    ("L knee inj under ultrasound - 20611 or 20610?", "clarify"),  # the choice is what the image and report decide
    ("pt told to resume PT after the L knee injection today, no imaging. code?", "claim"),  # not writing a resume
])
def test_round_16_kinds(question: str, kind: str, catalog: Catalog) -> None:
    assert read_question(question, catalog).kind == kind


@pytest.mark.parametrize(("relief", "verdict"), [(80, "yes"), (60, "no")])
def test_a_relief_is_judged_against_the_lcd_threshold(relief: int, verdict: str, catalog: Catalog) -> None:
    """'The diagnostic SIJ block gave 80%: enough to count as positive?' compares the relief with lcd.yaml `relief`."""
    needed = int(catalog.relief["si_diagnostic"].value)
    assert (relief >= needed) == (verdict == "yes")  # the cases sit on either side of the threshold
    reading = read_question(f"medicare: the diagnostic SIJ block gave {relief}% relief. is that enough to count as "
                            "positive?", catalog)
    assert reading.kind == "lookup" and reading.lookup is not None
    assert lookup_verdict(reading, answer_lookup(reading, reading.lookup, catalog)) == verdict


def test_two_procedure_words_read_as_one_still_compare(catalog: Catalog) -> None:
    """'Is a caudal coded differently from an interlaminar ESI?': one family, the same codes, so No."""
    _, said, _ = answer("is a caudal ESI coded differently from an interlaminar ESI?", catalog)
    assert said == "no"

