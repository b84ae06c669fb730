"""Panel patterns on generated claim files: every planted pattern is found, clean files raise none."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from advisor.audit.patterns import AuditOptions, rolling_counts
from advisor.audit.service import AuditResult, run_audit
from advisor.audit.synthetic import START, ClaimFile, clean_panel, planted_panel
from advisor.rules.catalog import curated_catalog
from advisor.settings import Settings

SETTINGS = Settings(embedder="fake")


def audit(cf: ClaimFile, **options: object) -> AuditResult:
    return run_audit(cf.to_bytes(), SETTINGS, options=AuditOptions(**options))


def flags(result: AuditResult, pid: str) -> list[str]:
    return [f.subject for p in result.patterns if p.id == pid for f in p.flags]


@pytest.fixture(scope="module")
def planted() -> tuple[AuditResult, dict[str, str]]:
    cf, subjects = planted_panel()
    return run_audit(cf.to_bytes(), SETTINGS), subjects


@pytest.mark.parametrize("pid", ["MOD25-RATE", "TPI-CADENCE", "LCD-SESSIONS", "LEVELS", "US-20611", "MOD59-XS",
                                 "BILATERAL-RTLT", "ADDON-ALONE", "EM-IN-GLOBAL"])
def test_planted_pattern_is_found_and_only_there(planted, pid: str) -> None:  # noqa: ANN001
    result, subjects = planted
    found = flags(result, pid)
    assert len(found) == 1 and found[0].startswith(subjects[pid]), found
    pattern = next(p for p in result.patterns if p.id == pid)
    assert pattern.flagged and pattern.references and pattern.flags[0].claims


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_clean_panel_has_no_pattern_and_no_errors(seed: int) -> None:
    result = audit(clean_panel(seed=seed, providers=4, patients=60))
    assert [p.id for p in result.patterns if p.flagged] == []
    assert result.summary.claims_with_errors == 0 and result.row_errors == []


def test_mod25_numbers_and_reference(planted) -> None:  # noqa: ANN001
    result, _ = planted
    pattern = next(p for p in result.patterns if p.id == "MOD25-RATE")
    flag = pattern.flags[0]
    assert flag.numbers["injection_days"] == 20 and flag.numbers["em25_days"] == 19
    assert flag.numbers["mod25_rate"] == 0.95 and flag.numbers["em_with_25_share"] == 1.0
    assert any("OEI-07-03-00470" in r for r in pattern.references)
    assert {r["provider"] for r in pattern.table} >= {"DR25", "DR00"}


def test_mod25_threshold_is_configurable() -> None:
    cf, _ = planted_panel()
    assert flags(audit(cf, mod25_threshold=0.96), "MOD25-RATE") == []
    assert flags(audit(cf, mod25_threshold=0.1), "MOD25-RATE")[0] == "provider DR00"  # 25 on 17% of its days


def test_mod25_needs_enough_days() -> None:
    cf = ClaimFile()
    for k in range(3):
        cf.add(f"P{k}", "DRX", START + timedelta(days=k), ["99213-25", "20552"])
    assert flags(audit(cf), "MOD25-RATE") == []
    assert flags(audit(cf, mod25_min_days=3), "MOD25-RATE") == ["provider DRX"]


def test_tpi_four_sessions_a_year_even_when_spaced() -> None:
    cf = ClaimFile()
    for k in range(4):
        cf.add("PT", "DR", START + timedelta(days=80 * k), ["20552"])
    result = audit(cf)
    flag = next(p for p in result.patterns if p.id == "TPI-CADENCE").flags[0]
    assert flag.numbers["max_sessions_12m"] == 4 and flag.numbers["short_gaps"] == 0


def test_tpi_three_sessions_spaced_are_fine_and_the_window_rolls() -> None:
    cf = ClaimFile()
    for k in range(6):  # every 130 days: never more than 3 in 365 days
        cf.add("PT", "DR", START + timedelta(days=130 * k), ["20553"])
    assert flags(audit(cf), "TPI-CADENCE") == []


def test_sessions_count_per_region_and_family() -> None:
    cf = ClaimFile()
    for k in range(4):  # 4 lumbar + 4 cervical ESI: within limits per region
        cf.add("PT", "DR", START + timedelta(days=60 * k), ["62323"])
        cf.add("PT", "DR", START + timedelta(days=60 * k + 1), ["64479"])
    for k in range(3):  # 3 RFA sessions in a year: over the limit of 2
        cf.add("PR", "DR", START + timedelta(days=100 * k), ["64635-50"])
    for k in range(3):  # 3 diagnostic SI sessions (KX): over 2; therapeutic ones counted apart
        cf.add("PS", "DR", START + timedelta(days=30 * k), ["27096-KX"])
    cf.add("PS", "DR", START + timedelta(days=200), ["27096"])
    result = audit(cf)
    assert sorted(flags(result, "LCD-SESSIONS")) == [
        "patient PR, rfa, lumbar/sacral", "patient PS, si diagnostic, sacral"]


def test_same_day_lines_are_one_session_and_commercial_is_not_counted() -> None:
    cf = ClaimFile()
    for k in range(5):
        cf.add("PT", "DR", START + timedelta(days=50 * k), ["64483", "64484"])
        cf.add("PT", "DR", START + timedelta(days=50 * k), ["62323"])  # a second claim the same day
    cf.add("PC", "DR", START, ["62323"], payer="Aetna")
    for k in range(1, 6):
        cf.add("PC", "DR", START + timedelta(days=40 * k), ["62323"], payer="Aetna")
    result = audit(cf)
    assert flags(result, "LCD-SESSIONS") == ["patient PT, esi, lumbar/sacral"]
    flag = next(p for p in result.patterns if p.id == "LCD-SESSIONS").flags[0]
    assert flag.numbers["max_sessions_12m"] == 5
    assert flags(audit(cf, lcd_medicare_only=False), "LCD-SESSIONS") == [
        "patient PC, esi, lumbar/sacral", "patient PT, esi, lumbar/sacral"]


def test_levels_bilateral_two_tf_levels_is_fine() -> None:
    cf = ClaimFile()
    cf.add("P1", "DR", START, ["64483-RT", "64484-RT", "64483-LT", "64484-LT"], pos="24")
    cf.add("P2", "DR", START, ["64493-50", "64494-50"])
    assert flags(audit(cf), "LEVELS") == []


def test_levels_follow_each_familys_level_limit() -> None:
    """families.yaml gives facet RFA the facet level limit, so a third joint on one side is flagged like a third
    facet level; two joints on each side are not."""
    cf = ClaimFile()
    cf.add("P1", "DR", START, ["64635-50", "64636-50"])
    assert flags(audit(cf), "LEVELS") == []
    cf.add("P2", "DR", START, ["64635-RT", "64636-RT x2"])
    result = audit(cf)
    assert flags(result, "LEVELS") == ["provider DR"]
    levels = next(p for p in result.patterns if p.id == "LEVELS")
    assert "facet radiofrequency ablation > 2 levels" in levels.flags[0].message


def test_session_keys_come_from_the_registry() -> None:
    """64451 counts toward the diagnostic SI limit with or without KX (families.yaml `sessions: si_diagnostic`)."""
    cf = ClaimFile()
    for k in range(3):
        cf.add("PS", "DR", START + timedelta(days=30 * k), ["64451-50"])
    assert flags(audit(cf), "LCD-SESSIONS") == ["patient PS, si diagnostic, sacral"]


def test_a_family_without_a_session_limit_in_the_registry_is_not_counted() -> None:
    cf = ClaimFile()
    for k in range(3):
        cf.add("PR", "DR", START + timedelta(days=100 * k), ["64635-50"])
    catalog = curated_catalog()
    registry = catalog.registry
    rfa = registry.families["facet_rfa"].model_copy(update={"sessions": None})
    edited = catalog.model_copy(update={"registry": registry.model_copy(
        update={"families": {**registry.families, "facet_rfa": rfa}})})
    assert flags(audit(cf), "LCD-SESSIONS") == ["patient PR, rfa, lumbar/sacral"]
    assert flags(run_audit(cf.to_bytes(), SETTINGS, catalog=edited), "LCD-SESSIONS") == []


def test_bilateral_rtlt_in_asc_or_commercial_is_not_flagged() -> None:
    cf = ClaimFile()
    cf.add("P1", "DR", START, ["G0260-RT", "G0260-LT"], claim_type="asc")
    cf.add("P2", "DR", START, ["20610-RT", "20610-LT"], payer="BCBS")
    assert flags(audit(cf), "BILATERAL-RTLT") == []
    cf.add("P3", "DR", START, ["20610-RT", "20610-LT"])
    assert flags(audit(cf), "BILATERAL-RTLT") == ["provider DR"]


@pytest.mark.parametrize("days,flagged", [(0, False), (1, True), (10, True), (11, False)])
def test_em_inside_010_global(days: int, flagged: bool) -> None:
    cf = ClaimFile()
    cf.add("P1", "DR", START, ["64633"])
    cf.add("P1", "DR", START + timedelta(days=days), ["99213"])
    cf.add("P1", "OTHER", START + timedelta(days=3), ["99213"])  # another provider: not this global
    assert flags(audit(cf), "EM-IN-GLOBAL") == (["provider DR"] if flagged else [])


def test_20611_share_review() -> None:
    cf = ClaimFile()
    for k in range(12):
        cf.add(f"P{k}", "DRUS", START + timedelta(days=k), ["20611-RT"])
    result = audit(cf)
    flag = next(p for p in result.patterns if p.id == "US-20611").flags[0]
    assert flag.level == "review" and flag.numbers["share_20611"] == 1.0


def test_rolling_counts() -> None:
    d = [date(2024, 1, 1), date(2024, 6, 1), date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 2)]
    assert rolling_counts(d) == [1, 2, 3, 3, 4]  # 2024-01-01 leaves the window on 2025-01-01
    assert rolling_counts([date(2024, 1, 1), date(2025, 1, 1)]) == [1, 1]
    assert rolling_counts([date(2024, 2, 29), date(2025, 2, 28)]) == [1, 2]
