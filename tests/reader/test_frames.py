"""The grammar: one frame per procedure, with its status (done, negated, planned, historical, mentioned) and its own
attributes, and levels counted per side when the sides differ by level.

Only procedures done today are billed; a procedure that was not done, is planned, was done on another date or is only
mentioned (examined, discussed, ordered) is no service of this claim (the issue behind the reader: "mentioned is read
as done"; CMS bills services rendered on the date of service).
"""

from __future__ import annotations

import pytest

from .helpers import by_family, canon, only

# --- negation ------------------------------------------------------------------------------------------------------


def test_negation_scope_ends_at_the_clause(reader, claim_of) -> None:
    """'not a facet injection, it was a TFESI': the negation covers the facet injection only; the TFESI at right
    L5-S1 is today's service: 64483 (lumbar transforaminal, first level)."""
    reading = reader("It was not a facet injection, it was a TFESI at right L5-S1. Code?")
    assert by_family(reading) == {"facet_injection": "negated", "tfesi": "done"}
    tfesi = only(reading)
    assert (tfesi.level_names, tfesi.laterality) == (["L5-S1"], "right")
    assert claim_of(reading, sides=False) == canon("64483")


@pytest.mark.parametrize("question,family", [
    ("Did not do the TFESI. Patient refused.", "tfesi"),
    ("The facet RFA was cancelled.", "facet_rfa"),
    ("The patient declined the knee injection.", "joint"),
    ("The knee injection was cancelled today.", "joint"),
    ("No trigger point injections were given.", "trigger_point"),
])
def test_negated_procedures_are_not_billed(reader, claim_of, question: str, family: str) -> None:
    reading = reader(question)
    assert by_family(reading) == {family: "negated"}
    assert reading.done_frames() == [] and claim_of(reading) == []


def test_patient_left_before_the_procedure(reader, claim_of) -> None:
    reading = reader("Right L5-S1 TFESI was scheduled but the patient left before the procedure.")
    assert reading.done_frames() == [] and claim_of(reading) == []


def test_negated_procedure_beside_a_done_one(reader, claim_of) -> None:
    """The declined knee injection is no line; the trigger points in two muscles are 20552 (1-2 muscles)."""
    reading = reader("The patient declined the knee injection; we only did trigger points in the right trapezius and "
                     "rhomboid.")
    assert by_family(reading) == {"joint": "negated", "trigger_point": "done"}
    assert claim_of(reading) == canon("20552")


def test_negated_guidance_is_not_the_guidance(reader) -> None:
    """'not under fluoro': the injection was not fluoroscopically guided (a landmark knee injection is 20610 alone)."""
    frame = only(reader("Right knee injection, not under fluoro, landmark guided."))
    assert frame.imaging == "none"


# --- planned, historical, mentioned ---------------------------------------------------------------------------------

def test_planned_procedure_is_not_billed(reader, claim_of) -> None:
    """The RFA planned for next month is no service today; today's right L4-5 MBB is 64493 (a medial branch block is
    diagnostic: KX under Medicare, LCD billing articles A57826/A58350)."""
    reading = reader("Right L4-5 MBB today; RFA planned for next month if the block works.")
    mbb = only(reading)
    assert mbb.family == "facet_injection" and not any(f.family == "facet_rfa" and f.status == "done"
                                                       for f in reading.frames)
    assert claim_of(reading, sides=False) == canon("64493-KX")


def test_other_side_scheduled_for_later(reader, claim_of) -> None:
    """'Right knee today, left knee next week': one major joint today, 20610 on the right."""
    reading = reader("Right knee injection today, left knee is scheduled for next week.")
    assert [f.status for f in reading.frames if f.family == "joint"] == ["done", "planned"]
    assert claim_of(reading) == canon("20610-RT")


@pytest.mark.parametrize("question", [
    "We'll do the RFA next week; today only the left L4-5 and L5-S1 MBBs.",
    "we'll do the RFA next week, today only the left L4-5 and L5-S1 MBBs",
    "RFA planned next week, today left L4-5 and L5-S1 MBBs",
    "Today left L4-5 and L5-S1 MBBs, RFA planned for next week",
])
def test_planned_procedure_keeps_its_own_attributes(reader, claim_of, question: str) -> None:
    """The levels and side belong to today's MBBs (left L4-5 and L5-S1: 64493 + 64494, each left, KX as diagnostic
    blocks under Medicare, LCD articles A57826/A58350), not to the RFA planned for next week."""
    reading = reader(question)
    mbb = only(reading)
    assert mbb.family == "facet_injection"
    assert (mbb.level_names, mbb.laterality) == (["L4-5", "L5-S1"], "left")
    assert claim_of(reading) == canon("64493-LT-KX", "64494-LT-KX")


def test_earlier_procedure_is_historical(reader, claim_of) -> None:
    """Last week's TFESI is history (a prior ESI session); today's right L4-5 facet injection is 64493."""
    reading = reader("Had a lumbar TFESI last week. Today right L4-5 facet injection under fluoro.")
    assert by_family(reading) == {"tfesi": "historical", "facet_injection": "done"}
    assert reading.facts.get("prior_sessions") == {"esi": 1}
    assert claim_of(reading, sides=False) == canon("64493")


def test_repeat_of_an_earlier_procedure(reader) -> None:
    """'L5-S1 TFESI last month with 80% relief; today a repeat': one historical, one done, the relief is a fact."""
    reading = reader("L5-S1 TFESI was done last month with 80% relief; today a repeat left L5-S1 TFESI.")
    assert sorted(f.status for f in reading.frames if f.family == "tfesi") == ["done", "historical"]
    assert only(reading).laterality == "left"
    assert reading.facts["prior_relief_percent"] == 80


def test_examined_and_ordered_is_only_mentioned(reader, claim_of) -> None:
    """Examining the shoulder and ordering imaging are no shoulder injection; the right knee injection is 20610."""
    reading = reader("The physician examined the shoulder and ordered imaging, then injected the right knee.")
    frame = only(reading)
    assert [j.name for j in frame.joints] == ["knee"]
    assert claim_of(reading) == canon("20610-RT")


def test_discussed_procedure_is_not_done(reader, claim_of) -> None:
    reading = reader("Discussed RFA with the patient; did a bilateral L4-5 MBB today.")
    assert not any(f.family == "facet_rfa" and f.status == "done" for f in reading.frames)
    assert claim_of(reading) == canon("64493-50-KX")


@pytest.mark.parametrize("question,side", [
    ("Right knee pain noted. Left L5-S1 TFESI under fluoro today.", "left"),
    ("Pt with right knee pain, got an L5-S1 TFESI on the left", "left"),
    ("Right knee pain, L5-S1 TFESI under fluoro, code?", None),
    ("L5-S1 TFESI under fluoro for a patient who also complains of right knee pain. Code?", None),
])
def test_a_complaint_side_does_not_side_the_procedure(reader, question: str, side: str | None) -> None:
    """A right knee complaint is no knee injection and says nothing about the side of the lumbar TFESI."""
    reading = reader(question)
    assert by_family(reading) == {"tfesi": "done"}
    assert only(reading).laterality == side


# --- attributes bound to their own procedure ------------------------------------------------------------------------

def test_sides_belong_to_their_procedure(reader) -> None:
    reading = reader("Bilateral L4-5 facet injection and a left knee injection under fluoro")
    frames = {f.family: f for f in reading.done_frames()}
    assert frames["facet_injection"].laterality == "bilateral"
    assert [(j.name, j.laterality) for j in frames["joint"].joints] == [("knee", "left")]


def test_guidance_belongs_to_its_procedure(reader, claim_of) -> None:
    """Ultrasound used for the shoulder does not become the epidural's guidance: a fluoroscopy-guided cervical
    interlaminar ESI is 62321 (62320 is the no-imaging code) and the shoulder with a saved image and report is 20611."""
    reading = reader("Cervical ILESI under fluoro and a right shoulder bursa injection under ultrasound with image "
                     "saved and report, same day")
    frames = {f.family: f for f in reading.done_frames()}
    assert frames["epidural_il"].imaging == "fluoroscopy"
    assert frames["joint"].imaging == "ultrasound"
    assert claim_of(reading, sides=False) == canon("20611", "62321")


def test_unguided_epidural_beside_an_ultrasound_joint(reader, claim_of) -> None:
    """No imaging for the epidural: 62320 (cervical/thoracic, no imaging), whatever the shoulder used."""
    reading = reader("Cervical interlaminar ESI without imaging, and a left shoulder injection under ultrasound with a "
                     "saved image and report.")
    frames = {f.family: f for f in reading.done_frames()}
    assert frames["epidural_il"].imaging == "none"
    assert "62320" in claim_of(reading, sides=False)


# --- sides per level -----------------------------------------------------------------------------------------------

def test_sides_per_level(reader, claim_of) -> None:
    """Right L3-4 and L4-5, left L4-5: L4-5 is bilateral (64483-50, one line), L3-4 is the right side's second level
    (64484 on the right). Transforaminal codes are unilateral; a bilateral level takes modifier 50 (CPT note quoted by
    AAPC; MPFS bilateral indicator 1)."""
    reading = reader("TFESI right L3-4, L4-5 and left L4-5 under fluoro")
    frame = only(reading)
    assert {side: sorted(levels) for side, levels in frame.sides.items()} == {"right": ["L3-4", "L4-5"],
                                                                              "left": ["L4-5"]}
    assert claim_of(reading) == canon("64483-50", "64484-RT")


@pytest.mark.parametrize("question,expected", [
    ("right L4-5 and bilateral L5-S1 facet injections under fluoro, therapeutic", ["64493-50", "64494-RT"]),
    ("Bilateral L5-S1 TFESI and L4-5 left TFESI same day", ["64483-50", "64484-LT"]),
])
def test_levels_counted_per_side(claim_of, question: str, expected: list[str]) -> None:
    """A level done on both sides is the first level with 50; the one-sided level is the side's second level."""
    assert claim_of(question) == canon(*expected)


# --- the procedure family from coders' wording -----------------------------------------------------------------------

@pytest.mark.parametrize("question,family,levels,side", [
    ("Bilateral L4-5 and L5-S1 facet injections under fluoro", "facet_injection", 2, "bilateral"),
    ("bilat facit injction L3-4, L4-5, L5-S1", "facet_injection", 3, "bilateral"),
    ("MBB L3-4 L4-5 R, cpt?", "facet_injection", 2, "right"),
    ("radiofrequncy ablaton L3-4 and L4-5 facets rt", "facet_rfa", 2, "right"),
    ("RFA right L4-5 L5-S1 after two MBBs with 85% relief", "facet_rfa", 2, "right"),
    ("Left L5-S1 TFESI with fluoro", "tfesi", 1, "left"),
    ("transforaminel epidurl L5 S1 bilatteral w/ fluro", "tfesi", 1, "bilateral"),
    ("C6-7 transforaminal injection right side, fluoro guided", "tfesi", 1, "right"),
])
def test_spinal_procedure_from_shorthand(reader, question: str, family: str, levels: int, side: str) -> None:
    """An ablation named with spinal levels and no other target is facet RFA (families.yaml default_for: levels)."""
    frame = only(reader(question))
    assert (frame.family, frame.levels, frame.laterality) == (family, levels, side)


@pytest.mark.parametrize("question,family,imaging", [
    ("Cervical interlaminar ESI done without any imaging guidance", "epidural_il", "none"),
    ("Lumbar epidural injection through a catheter that was removed right after, fluoro", "epidural_il", "fluoroscopy"),
    ("single shot through a lumbar epidural catheter, fluoro", "epidural_il", "fluoroscopy"),
    ("lumbar epidural catheter placed under fluoro, infusion, removed after 3 days", "epidural_catheter", "fluoroscopy"),
    ("bilateral blocks of the nerves innervating the SI joints under fluoro", "si_nerve_block", "fluoroscopy"),
    ("Injected the muscles surrounding the SI joint (piriformis, glute med, QL), not the joint itself", "trigger_point",
     None),
    ("GTB injection under US, image saved and report", "joint", "ultrasound"),
    ("Used US for the left knee injection", "joint", "ultrasound"),
])
def test_procedure_family_from_wording(reader, question: str, family: str, imaging: str | None) -> None:
    """A single injection through a catheter pulled the same day is 62320-62323, a catheter left in for infusion
    62324-62327 (facts.md §1.1); muscles around the SI joint, not the joint, are trigger points (old LCD L31359);
    the greater trochanteric bursa is a major joint/bursa injection."""
    frame = only(reader(question))
    assert (frame.family, frame.imaging) == (family, imaging)


@pytest.mark.parametrize("question,joints", [
    ("Left knee and right shoulder injections same day", [("knee", "major", "left"), ("shoulder", "major", "right")]),
    ("Both wrists injected, no imaging", [("wrist", "intermediate", "bilateral")]),
    ("PIP joint of the index finger injected", [("finger", "small", None)]),
    ("Injected the glenohumeral joint and the subacromial bursa of the same right shoulder",
     [("shoulder", "major", "right")]),
    ("Ankle injection under ultrasound, no stored image", [("ankle", "intermediate", None)]),
])
def test_joint_size_classes_and_sides(catalog, reader, question: str, joints: list[tuple]) -> None:
    """One engine procedure per joint: its CPT size class and its own side (a bursa of a joint is that joint)."""
    from advisor.reader.encounter import to_encounter

    procs = to_encounter(reader(question), catalog, None, "medicare").procedures
    assert [(p.joint, p.joint_size, p.laterality) for p in procs] == joints


@pytest.mark.parametrize("question", [
    "Pulsed RF of the L4-5 and L5-S1 medial branches",
    "cooled RF ablation L4-5 right",
    "PRF lumbar facets bilateral L4-5",
    "Cryoablation of the right L4-5 and L5-S1 medial branches",
])
def test_ablation_of_the_medial_branches_is_facet_rfa(reader, question: str) -> None:
    """Any neurolytic destruction of the facet nerves is 64633-64636 ('chemical, thermal, electrical or
    radiofrequency', facts.md §1.4); whether Medicare covers the technique is a separate fact."""
    assert only(reader(question)).family == "facet_rfa"


def test_purpose_of_earlier_blocks_is_not_todays(reader) -> None:
    """Today's injection is therapeutic; the two earlier blocks were diagnostic (their relief is a fact)."""
    reading = reader("Medicare, therapeutic right L4-5 facet injection after two diagnostic blocks with 85% and 90% "
                     "relief")
    assert only(reading).diagnostic is False
