"""Readings and verdicts blind round 18 found wrong, kept right. Each case is reworded from what a coder wrote, with the
claim or verdict a coder expects and the rule it rests on; none was copied from the reader's output."""

from __future__ import annotations

import pytest

from advisor.reader.followup import read_question
from advisor.rules.catalog import Catalog

from .helpers import answer, canon


@pytest.mark.parametrize(("question", "lines", "verdict", "source"), [
    # 25 belongs on the E/M line, never on the procedure's
    ("the modifier 25 - should it go on the 20553 line?", ["20553"], "no", "CPT modifier 25: E/M services only"),
    # seen by the group more than three years ago: new again, so the new-patient codes are right
    ("nobody in our group has seen him in 5 yrs. ok to use the new patient codes today?", [], "yes",
     "CMS IOM 100-04 ch. 12 §30.6.7: three years"),
    # the block decided on today is done next week: today's claim is the new-patient visit
    ("new patient eval for neck pain today, doc decided on R C5-6 C6-7 MBB, booked for next week. bill 99203 today?",
     ["99203"], "yes", "nothing billed before it is done; no 25 without a procedure"),
    # the code on the superbill is replaced by the one the question puts forward
    ("R C5-6 facet injection under fluoro. charge sheet says 64493-RT, shouldnt it be 64490-RT?", ["64490-RT"], "yes",
     "CPT 64490: cervical or thoracic"),
    # a single level named as the add-on code: the primary is the code
    ("only L4-5 was done - can i bill it as 64494 since it's the second level on the superbill?", ["64493"], "no",
     "CPT add-on convention: 64494 needs 64493"),
])
def test_round_18(question: str, lines: list[str], verdict: str | None, source: str, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (canon(*got), said) == (canon(*lines), verdict), source


@pytest.mark.parametrize(("question", "lines"), [
    # results of earlier blocks name their purpose; today's is the one said with the procedure
    ("HOPD claim for b/l SI joint injections under fluoro, medicare, therapeutic - both diagnostic blocks were "
     "positive (85%, 90%). what goes on the facility claim", ["G0260-LT", "G0260-RT"]),
    # "ASC (facility) billing": the facility's claim, two lines for the two sides
    ("ASC (facility) billing, cigna. both shoulders injected, no imaging. how should the center code it",
     ["20610-LT", "20610-RT"]),
    # started, then stopped for the patient's safety: the physician's 53
    ("L L5-S1 TFESI, needle placed at the foramen, pt vasovagal before contrast, procedure aborted. pro fee claim?",
     ["64483-53-LT"]),
    ("physician claim, aetna. Procedure note: L L4-5 TFESI. Under fluoro the needle was advanced to the L L4-5 "
     "foramen. Before any contrast was given the pt became diaphoretic and bradycardic. Needle removed, procedure "
     "terminated for pt safety. No injectate delivered. how do I bill the doc's side?", ["64483-53-LT"]),
    # the earlier operation dates itself, not the block
    ("L ilioinguinal nerve block s/p inguinal hernia repair, landmark technique, aetna", ["64425-LT"]),
    # "last gave 60%": the last one's result; "3rd therapeutic one in 12 months" counts sessions, not a look-up
    ("R SIJ injection under fluoro, therapeutic. Medicare. This is her 2nd therapeutic one in 12 months, last gave 70% "
     "relief x 5 months. code?", ["27096-RT"]),
    # "a 25g 1.5 in needle" is a needle's length, not a count of muscles
    ("Procedure: trigger point injections. Using a 27g 1.5 in needle, trigger points were found in the right "
     "trapezius (2), right rhomboid (1) and right levator scapulae (1). What do I code?", ["20553"]),
    # "wait, only 2": the count corrected
    ("TPIs in 3 muscles - wait, only 2. R trap and R levator done.", ["20552"]),
    # "split between the two": the two levels named
    ("Right L4-5 + L5-S1 transforaminals w/ fluoro, medicare, therapeutic, 80 mg depo split between the two. codes?",
     ["64483-RT", "64484-RT"]),
    # a contrast agent's strength is not a count
    ("aetna. Caudal ESI under fluoroscopy. Epidurogram with 3 mL Isovue-M 300 showed good spread. codes?", ["62323"]),
])
def test_round_18_claims(question: str, lines: list[str], catalog: Catalog) -> None:
    got, _, _ = answer(question, catalog)
    assert canon(*got) == canon(*lines)


def test_a_side_called_off_keeps_the_side_done_whole(catalog: Catalog) -> None:
    """'left side NOT done (doc aborted that side)': the stop is the left side's; the right was done in full."""
    got, _, _ = answer("b/l L5-S1 TFESI planned; left side NOT done (doc aborted that side before any steroid). Right "
                       "side completed. BCBS. codes?", catalog)
    assert canon(*got) == canon("64483-RT")


@pytest.mark.parametrize(("history", "question", "lines", "verdict"), [
    # "same code?" asks yes or no about the code the last turn gave
    (("R SIJ diagnostic injection #1 under fluoro, medicare - code?",),
     "she got 85% relief. 2nd diagnostic one next week, same code?", ["27096-KX-RT"], "yes"),
    # the blocks counted with their relief are earlier; the RFA asked about is today's
    (("pt had b/l L3-4 L4-5 MBB x2 with 85% and 90% relief, medicare. can we do RFA?",),
     "ok, codes for the RFA then, same levels", ["64635-50", "64636-50"], None),
])
def test_round_18_follow_ups(history: tuple[str, ...], question: str, lines: list[str], verdict: str | None,
                             catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog, history)
    assert (canon(*got), said) == (canon(*lines), verdict)


def test_a_planned_stop_word_on_a_not_started_procedure_stays_called_off(catalog: Catalog) -> None:
    """'aborted before the needle': cancelled before it began, nothing billed."""
    got, _, _ = answer("R L4-5 TFESI, aborted before the needle, pt too anxious. what do I bill?", catalog)
    assert got == []


def test_the_new_patient_codes_name_a_visit(catalog: Catalog) -> None:
    reading = read_question("last time anyone here saw her was 2 yrs ago. ok to use the new pt codes today?", catalog)
    assert reading.em is not None and reading.question_type == "yes_no"


def test_enough_to_call_it_positive_asks_the_relief_threshold(catalog: Catalog) -> None:
    """The relief said is held against the LCD's threshold (a look-up of the relief field)."""
    reading = read_question("diagnostic SI joint block gave 80% relief. enough to call it positive for medicare?",
                            catalog)
    assert reading.lookup is not None and reading.lookup.fields == ["relief"]
    assert reading.facts["prior_relief_percent"] == 80


@pytest.mark.parametrize(("question", "lines", "verdict"), [
    # "Update:" opens a sentence of news even without a full stop before it: the procedure was not done
    ("R trap and R levator TPIs, cigna Update: the patient left before the procedure, so it was not done.", [], None),
    # nothing was done: the codes the question puts forward for it are not billed, whatever they are
    ("L stellate ganglion block, landmark at C6. coder put 64450. ok? Update: the patient left before the procedure, "
     "so it was not done.", [], "no"),
    ("R knee injection under US, image saved and report dictated. can I add 76942? Update: the patient left before "
     "the procedure, so it was not done.", [], "no"),
    # a level's second number spelled out
    ("cervical RFA, right C4-five joint only, aetna", ["64633-RT"], None),
])
def test_perturbations_kept(question: str, lines: list[str], verdict: str | None, catalog: Catalog) -> None:
    got, said, _ = answer(question, catalog)
    assert (canon(*got), said) == (canon(*lines), verdict)


def test_billing_both_of_one_procedure_asks_for_two_units(catalog: Catalog) -> None:
    """'also do a C6-7 interlaminar ... and bill both?': one interlaminar code per session, not two."""
    got, said, _ = answer("can the doc also do a C6-7 interlaminar at the same visit and bill both?", catalog,
                          ("C5-6 interlaminar ESI w fluoro for a medicare pt, code?",))
    assert (got, said) == (["62321"], "no")
    got, said, _ = answer("R L4-5 and R L5-S1 TFESI under fluoro, aetna - can I bill both?", catalog)
    assert (canon(*got), said) == (canon("64483-RT", "64484-RT"), "yes")  # two levels: two lines, both billed


def test_a_later_sentence_calling_the_procedure_off_reaches_a_corrected_question(catalog: Catalog) -> None:
    """'L knee ... sorry, correction, the RIGHT knee. codes? Update: the patient left before the procedure': the
    correction restates the knee and the update calls the whole procedure off; 'it was not diagnostic' does not."""
    got, _, _ = answer("R shoulder inj w/o US... sorry, correction, it was the LEFT shoulder, not the right. codes? "
                       "Update: the patient left before the procedure, so it was not done.", catalog)
    assert got == []
    got, _, _ = answer("sorry it was not diagnostic, it was therapeutic", catalog,
                       ("L L5-S1 MBB under fluoro, medicare, codes?",))
    assert canon(*got) == canon("64493-LT")
