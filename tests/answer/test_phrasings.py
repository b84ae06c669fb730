"""More of coders' wording: indications, documentation, sides, joints, units and modifiers proposed in words,
follow-ups that add or move a procedure, and the verdicts the rules engine gives them."""

from __future__ import annotations

import pytest

from advisor.answer.model import AskRequest
from advisor.answer.pipeline import AnswerPipeline
from advisor.answer.proposal import stated_units
from advisor.claims import format_line
from tests.answer.test_understand import read


def ask(pipeline: AnswerPipeline, question: str, history: tuple[str, ...] = (), payer: str | None = None):
    conversation = None
    for earlier in history:
        conversation = pipeline.ask(AskRequest(question=earlier, conversation_id=conversation, payer=payer)).conversation_id
    return pipeline.ask(AskRequest(question=question, conversation_id=conversation, payer=payer))


def lines(answer, keep_sides: bool = False) -> list[str]:
    out = []
    for ln in answer.claim:
        mods = [m for m in ln.modifiers if keep_sides or m not in ("RT", "LT")]
        out.append(format_line(ln.model_copy(update={"modifiers": tuple(mods)})))
    return sorted(out)


# --- understanding -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question,radicular", [
    ("MBB for a pt with L5 radiculopathy, Medicare covered?", True),
    ("TFESI for sciatica down the left leg", True),
    ("pain radiating down the leg, L4-5 ESI", True),
    ("lumbar ESI for axial back pain", False),
    ("interlaminar ESI, no radiculopathy documented", False),
    ("caudal epidural for low back pain only", False),
    ("facet injection L4-5 under fluoro", None),
])
def test_radicular_or_axial_pain(question: str, radicular: bool | None) -> None:
    assert read(question).encounter.facts.radicular is radicular


@pytest.mark.parametrize("question,distinct", [
    ("TPI and knee injection have different dx codes - only a different diagnosis, can I use 59?", False),
    ("Trigger points and the knee shot were for different diagnoses. Is that enough for XS?", False),
    ("knee injection and TPI at a different site, XS?", True),
    ("trigger points in the same area as the injection, 59?", False),
    ("knee injection plus trigger points, 59?", None),
])
def test_distinct_sites(question: str, distinct: bool | None) -> None:
    assert read(question).encounter.facts.distinct_sites is distinct


@pytest.mark.parametrize("question,side", [
    ("Left L5-S1 RFA; the doc wrote 64636. Is that the right code?", "left"),
    ("L4-5 facet on the left, is this right?", "left"),
    ("right L4-5 MBB, did I get it right?", "right"),
])
def test_right_meaning_correct_is_not_a_side(question: str, side: str) -> None:
    assert read(question).encounter.procedures[0].laterality == side


@pytest.mark.parametrize("question,image,report", [
    ("US guided knee injection, image stored but no written interpretation/report", True, False),
    ("knee inj w/ US, pic saved, report in chart", True, True),
    ("shoulder injection under ultrasound, didn't dictate a report", None, False),
    ("hip injection with US guidance, doc did not save an image", False, None),
])
def test_ultrasound_documentation(question: str, image: bool | None, report: bool | None) -> None:
    u = read(question)
    assert u.encounter.procedures[0].imaging == "ultrasound"
    assert (u.mentions.us_permanent_image, u.mentions.us_report) == (image, report)


@pytest.mark.parametrize("question,family,imaging", [
    ("Cervical interlaminar ESI done without any imaging guidance", "ilesi", "none"),
    ("Lumbar epidural injection through a catheter that was removed right after, fluoro", "ilesi", "fluoroscopy"),
    ("single shot through a lumbar epidural catheter, fluoro", "ilesi", "fluoroscopy"),
    ("lumbar epidural catheter placed under fluoro, infusion, removed after 3 days", "epidural_catheter", "fluoroscopy"),
    ("bilateral blocks of the nerves innervating the SI joints under fluoro", "si_nerve_block", "fluoroscopy"),
    ("Injected the muscles surrounding the SI joint (piriformis, glute med, QL), not the joint itself", "trigger_point", None),
    ("GTB injection under US, image saved and report", "joint", "ultrasound"),
    ("Used US for the left knee injection", "joint", "ultrasound"),
])
def test_procedure_family_from_wording(question: str, family: str, imaging: str | None) -> None:
    procs = read(question).encounter.procedures
    assert [p.family for p in procs] == [family]
    assert procs[0].imaging == imaging


def test_muscle_count_with_words_between() -> None:
    assert read("TPIs in 2 lumbar paraspinal muscles").encounter.procedures[0].muscles == 2


@pytest.mark.parametrize("question,modifier", [
    ("Bilateral knee injections under fluoro. Does 77002 get 50 as well?", "50"),
    ("Does the E/M take 50 too?", "50"),
    ("Does a different diagnosis justify 59?", "59"),
])
def test_modifiers_named_after_verbs(question: str, modifier: str) -> None:
    assert modifier in read(question).mentions.modifiers


@pytest.mark.parametrize("question,units", [
    ("Epidural catheter in for 4 days, do we bill 62327 every day?", 4),
    ("Is each day's catheter management another 62327?", 2),
    ("20553 once per muscle?", 3),
    ("Knee joint and its bursa injected, 2 units?", 2),
    ("One unit per injection for trigger points, 6 injections?", 6),
    ("Right L4-5 facet, what do I bill?", None),
])
def test_units_proposed_in_words(question: str, units: int | None) -> None:
    u = read(question)
    from advisor.answer.lexicon import load_lexicon

    assert stated_units(load_lexicon().normalize(question), u) == units


# --- decisions -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question,expected", [
    ("Right knee and left shoulder injected today, landmark. Lines?", ["20610-LT", "20610-RT"]),
    ("L knee + R hip injections, no imaging, codes?", ["20610-LT", "20610-RT"]),
    ("Left knee and left shoulder injections, no imaging. Codes?", ["20610-LT", "20610-LT-XS"]),
    ("both knees injected, no imaging. Codes?", ["20610-50"]),
])
def test_different_joints_get_their_own_lines(pipeline: AnswerPipeline, question: str, expected: list[str]) -> None:
    assert lines(ask(pipeline, question), keep_sides=True) == sorted(expected)


@pytest.mark.parametrize("question,verdict", [
    ("Left L4-5 RFA only; the doctor coded 64636. Correct?", "no"),
    ("Bilateral knee injections with fluoroscopy. Should 77002 get 50 too?", "no"),
    ("New shoulder problem worked up, plus a left L5-S1 facet injection. We put the 25 on 64493. OK?", "no"),
    ("Lumbar epidural catheter under fluoro, infusion for 2 days. Bill 62327 each day?", "no"),
    ("Injected the left knee and the pes anserine bursa of that knee. Bill 2 units?", "no"),
    ("Can I bill 20553 for each muscle?", "no"),
    ("Are medial branch blocks coded differently from intra-articular facet injections?", "no"),
    ("Do add-on codes take modifier 51?", "no"),
    ("Facet injection L4-5 for lumbar radiculopathy, Medicare. Covered?", "no"),
    ("Medicare: lumbar ESI for axial back pain only. Covered?", "no"),
    ("Will Medicare cover a 2nd lumbar ESI this year?", "conditional"),
    ("Does this right L5-S1 facet injection need KX?", "conditional"),
    ("Can I bill 20611 for the ultrasound-guided shoulder injection today?", "conditional"),
    ("Ultrasound-guided knee injection, image saved and report written. Can I bill 20611?", "yes"),
])
def test_verdicts_on_proposals(pipeline: AnswerPipeline, question: str, verdict: str) -> None:
    assert ask(pipeline, question).verdict == verdict


# --- follow-ups ----------------------------------------------------------------------------------------------------

def test_follow_up_adds_a_second_joint(pipeline: AnswerPipeline) -> None:
    answer = ask(pipeline, "the doc also injected the left shoulder, how do I add it?",
                 history=("Left knee injection, landmark, code?",))
    assert lines(answer) == ["20610", "20610-XS"]


def test_follow_up_guidance_code_keeps_the_procedure(pipeline: AnswerPipeline) -> None:
    answer = ask(pipeline, "can I add 77003 for the fluoroscopy?", history=("left L5-S1 facet injection, code?",))
    assert lines(answer) == ["64493"] and answer.verdict == "no"


def test_follow_up_em_keeps_the_procedure(pipeline: AnswerPipeline) -> None:
    answer = ask(pipeline, "He only came for the planned injections. Can I bill 99214-25 as well?",
                 history=("Trigger points in 3 muscles: trapezius, rhomboid and levator, code?",))
    assert lines(answer) == ["20553"] and answer.verdict == "no"


def test_follow_up_later_visit_is_in_the_global_period(pipeline: AnswerPipeline) -> None:
    answer = ask(pipeline, "patient is back 5 days later just for a wound check, can I bill a visit?",
                 history=("RFA left L4-5 and L5-S1, codes?",))
    assert answer.verdict == "no" and answer.claim == []


@pytest.mark.parametrize("history,question,expected", [
    (("Knee injection under ultrasound, image saved and report, code?",), "what if no image was saved?", ["20610"]),
    (("Shoulder injection with fluoroscopy, code?",), "what if they used US instead, image saved and a report?",
     ["20611"]),
])
def test_follow_up_changes_the_imaging(pipeline: AnswerPipeline, history: tuple[str, ...], question: str,
                                       expected: list[str]) -> None:
    assert lines(ask(pipeline, question, history=history)) == expected


@pytest.mark.parametrize("question,technique", [
    ("Pulsed RF of the L4-5 and L5-S1 medial branches, does Medicare pay 64635?", "pulsed"),
    ("PRF lumbar facets bilateral, codes?", "pulsed"),
    ("cryoablation of the lumbar medial branches", "cryo"),
    ("cooled RF ablation L4-5 right", "thermal"),
    ("lumbar facet RFA L4-5 L5-S1", None),
])
def test_ablation_technique_is_read(question: str, technique: str | None) -> None:
    assert read(question).mentions.ablation == technique


def test_pulsed_rf_is_not_covered_by_medicare(pipeline: AnswerPipeline) -> None:
    answer = ask(pipeline, "Pulsed radiofrequency of the right L4-5 facet joint for a Medicare patient, is it covered?")
    assert answer.verdict == "no"
    assert "LCD-NONCOVERED" in {f.rule for f in answer.findings}


@pytest.mark.parametrize("question", [
    "Is 99204 with 25 ok for a new pt who got a knee injection after we decided on it at the visit?",
    "New patient, doc decided on the injection during the visit and did a knee injection, bill 99203-25?",
])
def test_decision_for_the_injection_alone_does_not_support_25(pipeline: AnswerPipeline, question: str) -> None:
    answer = ask(pipeline, question)
    assert answer.verdict == "no"
    assert not any(ln.code.startswith("992") for ln in answer.claim)


@pytest.mark.parametrize("question,expected", [
    ("Bilateral L5-S1 TFESI and L4-5 left TFESI same day, codes?", ["64483-50", "64484"]),
    ("right L4-5 and bilateral L5-S1 facet injections under fluoro, therapeutic", ["64493-50", "64494"]),
    ("TFESI L4-5 and L5-S1 bilateral", ["64483-50", "64484-50"]),
])
def test_sides_given_per_level_are_counted_per_side(pipeline: AnswerPipeline, question: str,
                                                    expected: list[str]) -> None:
    assert lines(ask(pipeline, question)) == sorted(expected)
