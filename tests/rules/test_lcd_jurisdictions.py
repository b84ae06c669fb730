"""The Medicare LCD rules at their boundaries, per MAC jurisdiction and per date of service around a revision
(catalog/lcd.yaml + catalog/jurisdictions.yaml), the claim type, and LCD rules as notes for commercial payers."""

from __future__ import annotations

from typing import Any

import pytest

from advisor.claims import format_line
from advisor.errors import InvalidInput
from advisor.rules.catalog import curated_catalog
from advisor.rules.engine import check_request, parse_facts
from advisor.rules.model import CheckResult, ClaimType, Setting


def run(lines: list[str], **facts: Any) -> CheckResult:
    return check_request({"lines": lines, "facts": facts}, curated_catalog())


def warned(result: CheckResult, rule: str) -> bool:
    """The rule reported a problem (warning or error), not only a condition to meet."""
    return any(f.rule == rule and f.severity in ("warning", "error") for f in result.findings)


def of(result: CheckResult, rule: str) -> list[str]:
    return [f.message for f in result.findings if f.rule == rule]


# ------------------------------------------------------------------ boundaries: fires on one side, quiet on the other

@pytest.mark.parametrize(("blocks", "fires"), [([80, 80], False), ([79, 80], True), ([80, 79], True), ([95], True),
                                               ([100, 100], False)])
def test_rfa_needs_two_blocks_each_at_least_80(blocks: list[int], fires: bool) -> None:
    result = run(["64635"], prior_blocks=blocks)
    assert warned(result, "LCD-RFA-BLOCKS") is fires, result.findings


def test_rfa_blocks_unknown_is_a_condition() -> None:
    result = run(["64635"])
    [finding] = [f for f in result.findings if f.rule == "LCD-RFA-BLOCKS"]
    assert finding.severity == "info" and finding.pending == "prior_blocks" and "80%" in finding.message


@pytest.mark.parametrize(("months", "fires"), [(6, False), (5, True), (12, False), (0, True)])
def test_repeat_rfa_relief_must_last_six_months(months: int, fires: bool) -> None:
    result = run(["64635"], prior_sessions={"rfa": 1}, prior_relief_percent=60, relief_months=months)
    assert warned(result, "LCD-RFA-BLOCKS") is fires, result.findings


@pytest.mark.parametrize(("percent", "fires"), [(50, False), (49, True)])
def test_repeat_rfa_relief_at_least_50(percent: int, fires: bool) -> None:
    result = run(["64635"], prior_sessions={"rfa": 1}, prior_relief_percent=percent, relief_months=7)
    assert warned(result, "LCD-RELIEF") is fires, result.findings


@pytest.mark.parametrize(("prior", "fires"), [(1, False), (2, True)])
def test_rfa_session_limit_two_per_year(prior: int, fires: bool) -> None:
    """Two RFA sessions per region per rolling 12 months: the 2nd is covered, the 3rd is not."""
    result = run(["64635"], prior_sessions={"rfa": prior}, prior_relief_percent=70, relief_months=8)
    assert warned(result, "LCD-SESSIONS") is fires, result.findings


@pytest.mark.parametrize(("documented", "severity"), [(False, "warning"), (True, None), (None, "info")])
def test_therapeutic_facet_needs_the_reason_rfa_is_not_possible(documented: bool | None,
                                                                severity: str | None) -> None:
    result = run(["64493"], diagnostic=False, rfa_not_possible=documented)
    found = [f for f in result.findings if f.rule == "LCD-FACET-THERAPEUTIC"]
    assert [f.severity for f in found] == ([severity] if severity else [])


@pytest.mark.parametrize(("tests", "fires"), [(2, True), (3, False), (None, False)])
@pytest.mark.parametrize("code", ["27096", "64451"])
def test_si_procedures_need_three_positive_provocative_tests(code: str, tests: int | None, fires: bool) -> None:
    result = run([code], provocative_tests=tests)
    assert warned(result, "LCD-SI-PROVOCATIVE") is fires
    assert not warned(run([code], provocative_tests=tests, payer="commercial"), "LCD-SI-PROVOCATIVE")


@pytest.mark.parametrize(("code", "unguided"), [("62323", "62322"), ("62321", "62320")])
def test_interlaminar_imaging_code_without_imaging(code: str, unguided: str) -> None:
    result = run([code], imaging="none")
    assert warned(result, "IMAGING-UNGUIDED") and warned(result, "LCD-IMAGING")
    assert [format_line(ln) for ln in result.claim] == [unguided]
    assert not warned(run([code], imaging="fluoroscopy"), "LCD-IMAGING")


@pytest.mark.parametrize(("lines", "fires"), [(["64635", "64636"], False), (["64635", "64636 x2"], True),
                                              (["64635-50", "64636-50"], False), (["64635-50", "64636-50 x2"], True)])
def test_three_rfa_joints_against_the_level_limit(lines: list[str], fires: bool) -> None:
    assert warned(run(lines), "LCD-FACET-LEVELS") is fires


# ------------------------------------------------------------------ per jurisdiction

def test_a_rule_that_differs_gives_different_findings_for_two_macs() -> None:
    """Sedation with an ESI: CGS (J15) denies it since its December 2025 notice; NGS (J6) keeps 'not routine'."""
    cgs = run(["64483"], sedation=True, date_of_service="2026-02-02", mac="CGS")
    ngs = run(["64483"], sedation=True, date_of_service="2026-02-02", mac="J6")
    assert of(cgs, "LCD-SEDATION") != of(ngs, "LCD-SEDATION")
    assert "CGS's jurisdiction (J15)" in of(cgs, "LCD-SEDATION")[0] and "denied" in of(cgs, "LCD-SEDATION")[0]
    assert [f.jurisdiction for f in cgs.findings if f.rule == "LCD-SEDATION"] == ["J15"]
    assert cgs.applied is not None and cgs.applied.jurisdiction == "J15" and cgs.applied.mac_from == "request"


@pytest.mark.parametrize(("a", "b"), [("J6", "JK"), ("JH", "JL"), ("J5", "J8")])
def test_jurisdictions_that_share_a_rule_give_the_same_findings(a: str, b: str) -> None:
    kw: dict[str, Any] = {"sedation": True, "date_of_service": "2026-02-02"}
    first, second = run(["64483"], mac=a, **kw), run(["64483"], mac=b, **kw)
    assert [(f.rule, f.message, f.severity) for f in first.findings] == \
        [(f.rule, f.message, f.severity) for f in second.findings]


def test_noridian_jurisdictions_share_the_facet_session_limit_and_cite_their_lcd() -> None:
    kw: dict[str, Any] = {"diagnostic": True, "prior_sessions": {"facet_diagnostic": 4},
                          "date_of_service": "2026-02-02"}
    je, jf = run(["64493-KX"], mac="CA", **kw), run(["64493-KX"], mac="AZ", **kw)
    assert of(je, "LCD-SESSIONS") == of(jf, "LCD-SESSIONS") and of(je, "LCD-SESSIONS")
    sources = [s for f in je.findings if f.rule == "LCD-SESSIONS" for s in f.sources]
    assert any("Noridian" in s for s in sources)


def test_unknown_mac_names_where_a_jurisdiction_differs() -> None:
    result = run(["64483"], sedation=True, date_of_service="2026-02-02")
    [message] = of(result, "LCD-SEDATION")
    assert "Jurisdictions differ" in message and "CGS's jurisdiction (J15)" in message
    assert result.applied is not None and result.applied.jurisdiction is None and "ADVISOR_MAC" in \
        result.applied.statement


def test_a_known_jurisdiction_cites_its_lcd_and_article_with_section() -> None:
    result = run(["64493"], diagnostic=False, rfa_not_possible=False, mac="OH")
    sources = [s for f in result.findings if f.rule == "LCD-FACET-THERAPEUTIC" for s in f.sources]
    assert any("L38773" in s and "A58364" in s and "Coverage Indications" in s for s in sources), sources


@pytest.mark.parametrize("text", ["J15", "15", "cgs", "OH", "ky", "Jurisdiction 15"])
def test_mac_accepts_jurisdiction_mac_or_state(text: str) -> None:
    assert parse_facts({"mac": text}).mac == "J15"


@pytest.mark.parametrize(("text", "fragment"), [("Noridian", "JE, JF"), ("Atlantis", "unknown MAC")])
def test_bad_mac_is_a_clear_input_error(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment) as exc:
        parse_facts({"mac": text})
    assert exc.value.where == "facts.mac"


# ------------------------------------------------------------------ per date of service around a revision

@pytest.mark.parametrize(("mac", "dos", "revised"), [
    ("JJ", "2024-07-06", False), ("JJ", "2024-07-07", True),  # Palmetto: L38765 revised 2024-07-07
    ("JH", "2024-08-10", False), ("JH", "2024-08-11", True),  # Novitas: L34892 revised 2024-08-11
    ("J5", "2024-07-13", False), ("J5", "2024-07-14", True)])  # L38841 revised 2024-07-14
def test_facet_sedation_follows_each_macs_2024_revision(mac: str, dos: str, revised: bool) -> None:
    """Each MAC revised its facet LCD on its own date: the day before, sedation is still 'not routinely necessary'
    (appealable); from the revision it is not reasonable and necessary for facet injections."""
    [message] = of(run(["64493"], sedation=True, date_of_service=dos, mac=mac), "LCD-SEDATION")
    assert ("not routinely necessary" in message) is not revised, message


def test_novitas_and_palmetto_differ_between_their_revision_dates() -> None:
    palmetto = of(run(["64493"], sedation=True, date_of_service="2024-07-20", mac="JM"), "LCD-SEDATION")
    novitas = of(run(["64493"], sedation=True, date_of_service="2024-07-20", mac="JL"), "LCD-SEDATION")
    assert palmetto != novitas and "L34892" in novitas[0]


@pytest.mark.parametrize(("mac", "lcd", "article"), [("JJ", "L38765", "A58350"), ("JM", "L38765", "A58350"),
                                                     ("JF", "L38803", "A58405"), ("JE", "L38801", "A58403")])
def test_facet_lcd_by_jurisdiction(mac: str, lcd: str, article: str) -> None:
    """Palmetto applies L38765 / A58350 and Noridian JF L38803 / A58405 (their own prior-authorization pages)."""
    result = run(["64493"], diagnostic=False, rfa_not_possible=False, mac=mac)
    sources = [s for f in result.findings if f.rule == "LCD-FACET-THERAPEUTIC" for s in f.sources]
    assert any(lcd in s and article in s for s in sources), sources


@pytest.mark.parametrize(("dos", "fires"), [("2021-04-24", False), ("2021-04-25", True)])
def test_facet_session_limit_before_and_after_the_2021_lcds(dos: str, fires: bool) -> None:
    """Five facet sessions per region before the 2021 LCDs (OIG), four diagnostic since: a 5th diagnostic session
    passes on the day before and fails on the effective date."""
    result = run(["64493-KX"], diagnostic=True, prior_sessions={"facet_diagnostic": 4}, date_of_service=dos)
    assert warned(result, "LCD-SESSIONS") is fires


def test_cgs_sedation_notice_applies_from_its_date_only() -> None:
    before = run(["64483"], sedation=True, date_of_service="2025-11-30", mac="J15")
    after = run(["64483"], sedation=True, date_of_service="2025-12-01", mac="J15")
    assert "is denied" not in of(before, "LCD-SEDATION")[0] and "is denied" in of(after, "LCD-SEDATION")[0]


# ------------------------------------------------------------------ commercial payers: LCD rules as notes

def test_commercial_payer_gets_lcd_rules_as_notes_only() -> None:
    lines = ["64493", "64494", "64495"]
    result = run(lines, payer="commercial", sedation=True, prior_sessions={"facet_diagnostic": 6}, diagnostic=True)
    notes = [f for f in result.findings if f.rule == "LCD-NOTE"]
    assert not {f.rule for f in result.findings} & {"LCD-FACET-LEVELS", "LCD-SEDATION", "LCD-SESSIONS"}
    for rule in ("LCD-FACET-LEVELS", "LCD-SEDATION", "LCD-SESSIONS"):
        assert any(f"Medicare LCD rule {rule}, for reference" in f.message for f in notes), rule
    assert all(f.severity == "info" and f.pending is None and "this payer's own policy decides" in f.message
               for f in notes)
    assert result.status == "clean"
    assert "KX" not in {m for ln in result.claim for m in ln.modifiers}  # notes never change the claim


# ------------------------------------------------------------------ claim type

@pytest.mark.parametrize(("setting", "claim"), [("office", ClaimType.PROFESSIONAL), ("asc", ClaimType.ASC),
                                                ("facility", ClaimType.HOSPITAL_OUTPATIENT)])
def test_setting_maps_to_claim_type(setting: str, claim: ClaimType) -> None:
    facts = parse_facts({"setting": setting})
    assert facts.claim is claim and facts.claim_type is None


@pytest.mark.parametrize(("claim", "setting"), [("professional", Setting.OFFICE), ("asc", Setting.ASC),
                                                ("hospital_outpatient", Setting.FACILITY)])
def test_claim_type_sets_the_older_setting(claim: str, setting: Setting) -> None:
    assert parse_facts({"claim_type": claim}).setting is setting


def test_claim_type_and_setting_that_disagree_are_rejected() -> None:
    with pytest.raises(InvalidInput, match="disagree"):
        parse_facts({"claim_type": "professional", "setting": "asc"})


def test_claim_type_decides_the_si_code() -> None:
    assert [ln.code for ln in run(["27096"], claim_type="asc").claim] == ["G0260"]
    assert [ln.code for ln in run(["27096"], claim_type="professional").claim] == ["27096"]
    assert run(["27096"], claim_type="hospital_outpatient").applied.claim_type is ClaimType.HOSPITAL_OUTPATIENT


def test_an_lcd_number_named_in_the_question_picks_its_jurisdiction() -> None:
    """L38773 is CGS's facet LCD: naming it is naming J15; an LCD two jurisdictions share decides nothing."""
    cgs = run(["64483"], sedation=True, date_of_service="2026-02-02", lcds=["L38773"])
    assert cgs.applied is not None and cgs.applied.jurisdiction == "J15" and cgs.applied.mac_from == "request"
    shared = run(["64483"], sedation=True, date_of_service="2026-02-02", lcds=["L35936"])
    assert shared.applied is not None and shared.applied.jurisdiction is None
