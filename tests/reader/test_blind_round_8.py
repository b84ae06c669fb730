"""Readings and verdicts blind round 8 found wrong, kept right. Each case is reworded from what a coder wrote, with the
claim or verdict a coder expects and the rule it rests on; none was copied from the reader's output."""

from __future__ import annotations

import pytest

from advisor.rules.catalog import Catalog

from .helpers import answer


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # a level corrected before the procedure is named
    ("L L4-5 - sorry, L5-S1 - TFESI under fluoro, just the one level, Cigna. codes?", ["64483-LT"], None,
     "CPT: 64483 is the first lumbar transforaminal level, imaging included"),
    # pain scores are not counts
    ("MCR, 2nd diagnostic MBB L L4-5, the first gave 90% relief (NRS 7 -> 1). codes?", ["64493-LT-KX"], None,
     "L38803 (Noridian Q&A): KX on the diagnostic blocks"),
    # op-note sentences restate the procedure
    ("OP NOTE: Left L4-5 transforaminal ESI. Needle advanced under fluoro into Kambin's triangle at L L4-5; contrast "
     "outlined the L4 root. 80 mg triamcinolone. Cigna. code?", ["64483-LT"], None,
     "CPT: 64483 includes the imaging; the note's second sentence is the same injection"),
    ("Left L4-5 and L5-S1 facet RFA. Probes placed along the L3 and L4 medial branches and the L5 dorsal ramus. "
     "Sensory stim at 50 Hz concordant, motor at 2 Hz negative. Lesions 85 C for 90 s. Aetna. codes?",
     ["64635-LT", "64636-LT"], None, "A58350: count joints, not nerves; 50 Hz is a stimulation frequency"),
    ("Planned bilat L4-5 and L5-S1 MBB. L4-5 done on both sides; L5-S1 aborted after a vasovagal episode, not "
     "performed. Aetna. what do I bill", ["64493-50"], None, "a level not performed is not billed"),
    ("Procedure: 3-level left lumbar MBB. Targets: L3 MB, L4 MB, L5 dorsal ramus (for the L4-5 and L5-S1 joints). "
     "Aetna. codes?", ["64493-LT", "64494-LT"], None, "A58350: three nerves block two joints"),
    # sides and lists
    ("R and L knees injected, no US, Aetna", ["20610-50"], None, "MPFS BILAT SURG 1 for 20610: one line with 50"),
    ("L knee injected, no US. The R side was not done.", ["20610-LT"], None, "only the left knee was injected"),
    # the visit's sentence does not take the procedure's levels
    ("Medicare. Doc wants 99213-57 on the visit the same day as the L L4-5 + L5-S1 RFA. Visit was only for consent. "
     "OK?", ["64635-LT", "64636-LT"], "no", "NCCI Ch. I: the decision for a minor procedure is in the procedure"),
    # a code put up for checking
    ("C7-T1 ILESI under fluoro - 62321 is the right code?", ["62321"], "yes", "CPT: 62321 cervical/thoracic with "
     "imaging"),
    ("99213 + 64493 today, separate problem worked up. Biller says the 25 goes on the 64493 - right?",
     ["64493", "99213-25"], "no", "modifier 25 belongs on the E/M"),
    # SI provocative tests (NGS SI LCD)
    ("MCR, only two positive provocative tests documented. Left diagnostic SI injection under fluoro - ok?",
     ["27096-LT-KX"], "no", "L39455: at least three positive provocative tests"),
    # an earlier procedure named by its code on a visit day
    ("Pt had a left L4-5 RFA last March elsewhere. Today only a visit to go over results, nothing done. Should I bill "
     "64635-LT?", [], "no", "a procedure not done today is not billed today"),
    ("consented for a L knee injection, she changed her mind before anything was done. bill 20610-53?", [], "no",
     "nothing was performed"),
    # an ablation and the blocks before it
    ("Medicare, L L4-5 facet RFA. Only ONE diagnostic MBB was done (85% relief), the 2nd block was skipped. Can we "
     "bill it?", ["64635-LT"], "no", "L38803: RFA after two diagnostic blocks"),
    ("bilat L4-5 facet RFA, MCR, after two 85%+ MBBs, office - codes?", ["64635-50"], None,
     "L38803: two blocks of at least 80%"),
    # imaging not used
    ("Caudal via the sacral hiatus by landmarks, the C-arm was down. Aetna. code?", ["62322"], None,
     "CPT: 62322 is the lumbar/caudal code without imaging"),
])
def test_round_8_readings(question: str, lines: list[str], verdict: str | None, source: str,
                          catalog: Catalog) -> None:
    got_lines, got_verdict, _ = answer(question, catalog)
    assert got_lines == sorted(lines), source
    assert got_verdict == verdict, source


def test_part_of_the_plan_not_done_is_asked_not_billed(catalog: Catalog) -> None:
    lines, _, kind = answer("Plan was TPIs into 3 muscles but after the trapezius she felt faint and the rest were "
                             "not done. what do I bill?", catalog)
    assert kind == "clarify" and lines == []


@pytest.mark.parametrize(("history", "question", "lines", "verdict"), [
    (("99213 with the L5-S1 ILESI today, pt only came for the injection - bill 25?",),
     "what if she also brought up new R knee pain and the doc examined it and ordered an x-ray - can I bill the 25 "
     "then?", ["62323", "99213-25"], "yes"),
    (("MCR first diagnostic MBB bilat L4-5 done 4/2 with KX",),
     "second one is 4/16 but the first gave only 40% relief. still bill w/ KX?", ["64493-50"], "no"),
    (("Dr. K did bilateral L4-5 facet injections in our ASC today, Aetna, therapeutic. what goes on the 1500?",),
     "and what about the ASC's own claim for the same case?", ["64493-LT", "64493-RT"], None),
    (("bilat L3-4 L4-5 L5-S1 facet inj, Aetna, codes?",),
     "same case but Medicare - will all three levels pay?", ["64493-50", "64494-50", "64495-50"], "no"),
])
def test_round_8_follow_ups(history: tuple[str, ...], question: str, lines: list[str], verdict: str | None,
                            catalog: Catalog) -> None:
    got_lines, got_verdict, _ = answer(question, catalog, history)
    assert got_lines == sorted(lines)
    assert got_verdict == verdict
