"""A procedure started and then stopped for the patient's safety: the intended first code with 53 on the physician
claim, 73/74 on the facility claim (Noridian modifier 53 and 74 pages); rule MOD-DISCONTINUED fixes the wrong one."""

from __future__ import annotations

import pytest

from advisor.claims import format_line, parse_line
from advisor.modifiers import discontinued
from advisor.rules.catalog import curated_catalog
from advisor.rules.engine import check
from advisor.rules.model import Encounter, Facts, Procedure
from advisor.rules.recommend import recommend

TFESI = Procedure(family="tfesi", region="lumbar", levels=2, laterality="right", imaging="fluoroscopy",
                  stopped="after_anesthesia")


def lines(procedure: Procedure, **facts: object) -> list[str]:
    return sorted(format_line(ln) for ln in recommend(Encounter(procedures=[procedure], facts=Facts(**facts)),
                                                        curated_catalog()).claim)


@pytest.mark.parametrize(("facility", "stopped", "mod"), [
    (False, "after_anesthesia", "53"), (False, "before_anesthesia", "53"), (False, "started", "53"),
    (True, "after_anesthesia", "74"), (True, "before_anesthesia", "73"), (True, "started", "74"),
])
def test_the_modifier_follows_the_claim_type_and_when_it_stopped(facility: bool, stopped: str, mod: str) -> None:
    assert discontinued(facility, stopped) == mod


@pytest.mark.parametrize(("procedure", "facts", "expected"), [
    (TFESI, {}, ["64483-53-RT"]),  # two levels intended: the add-on level was never reached
    (TFESI, {"claim_type": "asc"}, ["64483-74-RT"]),
    (TFESI.model_copy(update={"stopped": "before_anesthesia"}), {"claim_type": "hospital_outpatient"},
     ["64483-73-RT"]),
    (Procedure(family="facet_injection", region="lumbar", levels=2, laterality="bilateral",
               stopped="after_anesthesia"), {"payer": "commercial"}, ["64493-53-50"]),
    (Procedure(family="joint", joint="hip", laterality="left", imaging="fluoroscopy", stopped="after_anesthesia"), {},
     ["20610-53-LT"]),  # the fluoroscopy line is not billed for a stopped injection
    (Procedure(family="sympathetic_block", target="stellate_ganglion", laterality="right", imaging="ct",
               stopped="after_anesthesia"), {}, ["64510-53-RT"]),  # nor the CT guidance line
])
def test_a_stopped_procedure_bills_its_first_code_with_the_modifier(procedure: Procedure, facts: dict,
                                                                    expected: list[str]) -> None:
    assert lines(procedure, **facts) == expected


def test_the_modifier_goes_in_the_first_position() -> None:
    claim = recommend(Encounter(procedures=[TFESI]), curated_catalog()).claim
    assert [ln.modifiers[0] for ln in claim] == ["53"]


@pytest.mark.parametrize(("line", "facts", "fixed"), [
    ("64483-53-RT", {"claim_type": "asc"}, "64483-74-RT"),
    ("64493-73", {}, "64493-53"),
    ("64483-74-LT", {"claim_type": "professional"}, "64483-53-LT"),
])
def test_the_wrong_discontinued_modifier_for_the_claim_is_replaced(line: str, facts: dict, fixed: str) -> None:
    result = check([parse_line(line)], Facts(**facts), curated_catalog())
    assert "MOD-DISCONTINUED" in [f.rule for f in result.findings]
    assert [format_line(ln) for ln in result.claim] == [fixed]


@pytest.mark.parametrize(("line", "facts"), [("64483-53-RT", {}), ("64483-74-RT", {"claim_type": "asc"})])
def test_the_right_modifier_for_the_claim_is_left_alone(line: str, facts: dict) -> None:
    result = check([parse_line(line)], Facts(**facts), curated_catalog())
    assert "MOD-DISCONTINUED" not in [f.rule for f in result.findings]
    assert [format_line(ln) for ln in result.claim] == [line]


def test_no_discontinued_modifier_on_an_e_m_line() -> None:
    result = check([parse_line("99213-53")], Facts(), curated_catalog())
    assert [f.rule for f in result.findings if f.rule == "MOD-DISCONTINUED"]
    assert [format_line(ln) for ln in result.claim] == ["99213"]
