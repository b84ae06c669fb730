"""recommend(): claim lines built from a description of the encounter, then checked like any claim."""

from __future__ import annotations

import pytest

from advisor.claims import format_line
from advisor.rules.catalog import curated_catalog
from advisor.rules.model import EMVisit, Encounter, Facts, Procedure
from advisor.rules.recommend import recommend


def lines(encounter: Encounter) -> list[str]:
    return sorted(format_line(ln) for ln in recommend(encounter, curated_catalog()).claim)


@pytest.mark.parametrize(("procedure", "facts", "expected", "source"), [
    (Procedure(family="facet_injection", region="lumbar", levels=2, laterality="bilateral", diagnostic=True), {},
     ["64493-50-KX", "64494-50-KX"], "CMS A57787: bilateral level is one level with 50; A57826: KX"),
    (Procedure(family="facet_injection", region="lumbar", levels=4, laterality="left"), {},
     ["64493-LT", "64494-LT", "64495-LT"], "AAPC: 64495 once for levels 3 and up"),
    (Procedure(family="facet_rfa", region="lumbar", levels=3, laterality="right"), {},
     ["64635-RT", "64636-RT x2"], "CMS A58350: per joint"),
    (Procedure(family="tfesi", region="lumbar", levels=1, laterality="bilateral"), {}, ["64483-50"],
     "CPT: 64479-64484 unilateral, 50 for bilateral"),
    (Procedure(family="epidural_il", region="cervical", imaging="none"), {}, ["62320"], "CPT 62320 (no imaging)"),
    (Procedure(family="si_joint", laterality="bilateral"), {"setting": "asc"}, ["G0260-LT", "G0260-RT"],
     "CMS A59243/A59244: ASC bills G0260 on RT and LT lines"),
    (Procedure(family="joint", joint="knee", imaging="ultrasound"),
     {"ultrasound": {"real_time": True, "permanent_image": False, "report": True}}, ["20610"],
     "CPT Assistant Nov 2015: no saved image, 20610"),
    (Procedure(family="trigger_point", muscles=4), {}, ["20553"], "AAPC: 3+ muscles"),
    (Procedure(family="sympathetic_block", target="lumbar_sympathetic_chain", laterality="left",
               imaging="fluoroscopy"), {}, ["64520-LT", "77003"],
     "CMS AOC_V2026Q2-MCR: 64520 is a primary code of 77003, not of 77002"),
    (Procedure(family="sympathetic_block", target="stellate_ganglion", laterality="right", imaging="fluoroscopy"),
     {}, ["64510-RT", "77003"], "CMS AOC_V2026Q2-MCR: 64510 is a primary code of 77003"),
    (Procedure(family="peripheral_nerve_block", target="greater_occipital_nerve", laterality="left",
               imaging="fluoroscopy"), {}, ["64405-LT", "77002"], "CMS AOC_V2026Q2-MCR: 64405 with 77002"),
    (Procedure(family="joint", joint="sacroiliac"), {}, ["27096"], "Former LCD L31359: never 20610 for the SI joint"),
])
def test_recommend_builds_the_claim(procedure: Procedure, facts: dict, expected: list[str], source: str) -> None:
    assert source
    assert lines(Encounter(procedures=[procedure], facts=Facts(**facts))) == expected


@pytest.mark.parametrize(("right", "left", "expected"), [
    (1, 2, ["64483-50", "64484-LT"]),          # bilateral L5-S1, left L4-5 too
    (2, 2, ["64483-50", "64484-50"]),
    (0, 1, ["64483-LT"]),
    (3, 1, ["64483-50", "64484-RT x2"]),
])
def test_levels_per_side_make_bilateral_and_one_sided_lines(right: int, left: int, expected: list[str]) -> None:
    proc = Procedure(family="tfesi", region="lumbar", levels=max(right, left), levels_right=right, levels_left=left)
    assert lines(Encounter(procedures=[proc])) == expected


def test_levels_count_whatever_their_side() -> None:
    """Right L4-5 and left L5-S1 are two levels: the first-level code on one side, the add-on on the other (CPT
    counts vertebral levels, not sides; HIAcode 2025 'laterality does not factor into the number of levels')."""
    proc = Procedure(family="facet_injection", region="lumbar", levels=2, levels_right=1, levels_left=1)
    assert lines(Encounter(procedures=[proc], facts=Facts(payer="commercial"))) == ["64493-RT", "64494-LT"]


def test_facet_levels_per_side_keep_the_third_level_code_once() -> None:
    proc = Procedure(family="facet_injection", region="lumbar", levels=3, levels_right=3, levels_left=1)
    assert lines(Encounter(procedures=[proc], facts=Facts(payer="commercial"))) == [
        "64493-50", "64494-RT", "64495-RT"]


def test_two_joints_same_side_and_opposite_sides() -> None:
    same = Encounter(procedures=[Procedure(family="joint", joint="knee", laterality="right"),
                                 Procedure(family="joint", joint="shoulder", laterality="right")])
    assert lines(same) == ["20610-RT", "20610-RT-XS"]
    opposite = Encounter(procedures=[Procedure(family="joint", joint="knee", laterality="left"),
                                     Procedure(family="joint", joint="shoulder", laterality="right")])
    assert lines(opposite) == ["20610-LT", "20610-RT"]


def test_em_with_a_separate_problem_takes_25_and_without_is_dropped() -> None:
    proc = Procedure(family="tfesi", region="lumbar")
    with_problem = Encounter(procedures=[proc], em=EMVisit(code="99214", separate_problem=True))
    assert lines(with_problem) == ["64483", "99214-25"]
    without = Encounter(procedures=[proc], em=EMVisit(code="99214", separate_problem=False))
    assert lines(without) == ["64483"]
