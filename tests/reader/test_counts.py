"""Counts the codes depend on: distinct muscles (trigger points), joints (one line per joint and side), spinal levels
(joints for facet codes, foramina for transforaminal codes, nerves for intercostal blocks).

Rules:
- 20552 = 1-2 muscles, 20553 = 3 or more; count muscles, not injections; left and right of one muscle are two
  muscles (AAPC, as in knowledge/trigger-point-injections.md; shared domain notes, verified claim 13).
- One unit of 20600-20611 per joint, however many aspirations or injections; a joint and its bursae are one joint
  (NCCI Ch. IV as cited; verified claims 9 and 10).
- Facet codes count joints, not nerves (CMS A58350); n consecutive medial branches block n-1 joints.
- Transforaminal codes count levels, one per foramen (a nerve root exits through one foramen): 64483 + 64484.
"""

from __future__ import annotations

import pytest

from .helpers import canon, only

# --- muscles -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question,muscles", [
    ("trigger points bilateral trapezius and bilateral rhomboids", 4),
    ("TPI into the left and right trapezius", 2),
    ("Trigger points in trapezius, rhomboid and levator scapulae on the left", 3),
    ("6 trigger point injections, all in the left trapezius", 1),
    ("TPI x4 muscles, cpt?", 4),
    ("trigger pt injctions in 3 mucles", 3),
    ("TPIs in 2 lumbar paraspinal muscles", 2),
    ("TPIs: three muscles in the shoulder girdle and one in the low back, code?", 4),
])
def test_distinct_muscles(reader, question: str, muscles: int) -> None:
    frame = only(reader(question))
    assert frame.family == "trigger_point" and frame.muscles == muscles


@pytest.mark.parametrize("question,code", [
    ("trigger points bilateral trapezius and bilateral rhomboids", "20553"),
    ("TPIs: three muscles in the shoulder girdle and one in the low back, code?", "20553"),
    ("6 trigger point injections, all in the left trapezius", "20552"),
    ("TPI into the left and right trapezius", "20552"),
])
def test_muscle_count_picks_the_code(claim_of, question: str, code: str) -> None:
    """One trigger point code per session, never modifier 50 and never two units."""
    assert claim_of(question) == [code]


def test_named_and_stated_muscles_disagree(reader) -> None:
    """'3 muscles' but two named: the reader asks how many instead of choosing."""
    reading = reader("TPIs in 3 muscles: left trapezius and left levator scapulae, code?")
    assert reading.kind == "clarify"
    assert any("muscles" in q for q in reading.questions)


# --- joints --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question", [
    "Aspirated and then injected the right knee",
    "Injected the glenohumeral joint and the subacromial bursa of the same right shoulder",
    "Right knee injection and the pes anserine bursa of the right knee",
])
def test_one_joint_however_many_sticks(reader, claim_of, question: str) -> None:
    frame = only(reader(question))
    assert len(frame.joints) == 1
    assert claim_of(question, sides=False) == ["20610"]



@pytest.mark.parametrize("question,expected", [
    ("Injected two joints: the left knee and the left shoulder, no imaging", ["20610-LT", "20610-LT-XS"]),
    ("Injected three joints: both knees and the right shoulder, landmark", ["20610-50", "20610-RT-XS"]),
    ("Left knee and left shoulder injections, no imaging", ["20610-LT", "20610-LT-XS"]),
    ("Right knee and left shoulder injected today, landmark", ["20610-RT", "20610-LT"]),
    ("Left knee and right shoulder injected today, landmark", ["20610-LT", "20610-RT"]),
    ("both knees injected, no imaging", ["20610-50"]),
])
def test_joints_counted_as_named(reader, claim_of, question: str, expected: list[str]) -> None:
    """Two major joints: 20610 per joint; same side, so the second takes XS (no anatomic modifier tells them apart,
    CMS X{EPSU}); both knees are one line 20610-50 (MPFS bilateral indicator 1, First Coast)."""
    reading = reader(question)
    assert reading.kind == "claim" and not reading.conflicts
    assert claim_of(reading) == canon(*expected)


def test_joint_size_classes(reader) -> None:
    """Knee/shoulder/hip major, wrist/elbow/ankle intermediate, fingers and toes small (CPT examples, anatomy.yaml)."""
    sizes = {j.name: j.size for j in only(reader("Injected the left wrist, the right ankle and a PIP joint")).joints}
    assert sizes == {"wrist": "intermediate", "ankle": "intermediate", "finger": "small"}


# --- levels --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question,levels", [
    ("Bilateral L4-5 and L5-S1 facet injections under fluoro", 2),
    ("bilat facit injction L3-4, L4-5, L5-S1", 3),
    ("MBB L3-4 L4-5 R, cpt?", 2),
    ("Facet injections L1-2 through L5-S1 on the right, 5 levels", 5),
    ("facet injections L4-S1 on the right", 2),
    ("l4/5 and l5/s1 facet injections, left", 2),
    ("lumbar facet injections at both levels on the right", 2),
    ("MBB of the right L3, L4 and L5 medial branches", 2),
    ("left L4 and L5 medial branch blocks", 1),
])
def test_facet_levels_are_joints(reader, question: str, levels: int) -> None:
    assert only(reader(question)).levels == levels


def test_bilateral_level_is_one_level(reader) -> None:
    """A bilateral facet level is one level (A57787); 'two joints' at one bilateral level is both sides of it."""
    reading = reader("bilateral L4-5 facet injection, two joints")
    assert only(reading).levels == 1 and not reading.conflicts


def test_nerves_are_not_levels_for_facet_codes(reader, claim_of) -> None:
    reading = reader("Right L4-5 facet injection, that's two nerves")
    assert only(reading).levels == 1
    assert claim_of(reading, sides=False) == ["64493"]


@pytest.mark.parametrize("question", [
    "TFESI at the right L4 and L5 nerve roots under fluoro",
    "right L4 and L5 roots transforaminal injection",
])
def test_nerve_roots_are_foramina_for_transforaminal_codes(reader, claim_of, question: str) -> None:
    """Two roots = two foramina = two transforaminal levels: 64483 + 64484."""
    assert only(reader(question)).levels == 2
    assert claim_of(question, sides=False) == canon("64483", "64484")


def test_intercostal_nerves_count_one_each(reader, claim_of) -> None:
    """Intercostal blocks are per nerve: three nerves = 64420 + 64421 x2 (knowledge/peripheral-nerve-blocks.md)."""
    reading = reader("intercostal nerve blocks right T6, T7 and T8 under ultrasound")
    assert only(reading).levels == 3
    assert "64421 x2" in claim_of(reading, sides=False)


def test_stated_and_named_levels_disagree(reader) -> None:
    """One more 'level' than the joints named is the nerves counted (blind rounds 10-13 coders bill the joints
    named); a count the named joints cannot explain is asked."""
    reading = reader("3 levels of facet injections: L4-5 and L5-S1, right side")
    assert reading.kind == "claim" and only(reading).levels == 2
    reading = reader("5 levels of facet injections: L4-5 and L5-S1, right side")
    assert reading.kind == "clarify" and any("levels" in q for q in reading.questions)
