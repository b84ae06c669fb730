"""The engine with imported CMS tables: date of service, indicators 0/1/9, MAI 1/2/3, any code, named versions."""

from __future__ import annotations

from datetime import date

import pytest

from advisor.claims import format_line, parse_line
from advisor.data import db
from advisor.data.tables import ImportedCatalog, ImportedTables
from advisor.rules.catalog import load_curated
from advisor.rules.engine import check
from advisor.rules.model import Facts
from advisor.services import build_catalog

DOS = date(2026, 5, 4)


@pytest.fixture
def loaded(cms):
    db.import_paths([cms.ptp_text(), cms.mue(), cms.rvu()], cms.db, progress=False)
    return build_catalog(cms.settings)


def run(catalog, lines, **facts):
    facts.setdefault("date_of_service", DOS)
    result = check([parse_line(x) for x in lines], Facts(**facts), catalog)
    return result, [f for f in result.findings if f.rule in ("PTP", "MUE")]


def test_without_imported_data_the_curated_tables_serve(cms):
    catalog = build_catalog(cms.settings)
    assert not isinstance(catalog, ImportedCatalog)
    _, found = run(catalog, ["20610", "20552"])
    assert found and "curated table" in found[0].message


def test_ptp_finding_names_the_imported_version(loaded):
    assert isinstance(loaded, ImportedCatalog)
    result, found = run(loaded, ["64635", "64493"])
    assert [f.rule for f in found] == ["PTP"]
    assert "NCCI PTP edit 64635/64493 (modifier indicator 1; CMS PTP v32.1r0 table)" in found[0].message
    assert found[0].confidence == "confirmed"
    assert any("CMS NCCI practitioner PTP edits v32.1r0" in s for s in found[0].sources)
    assert [format_line(x) for x in result.claim] == ["64635"]


def test_indicator_0_is_never_bypassed(loaded):
    _, found = run(loaded, ["64493", "27096-XS"], distinct_sites=True)
    assert found[0].severity == "error" and "Indicator 0 cannot be bypassed" in found[0].message


def test_indicator_1_bypassed_with_xs(loaded):
    result, found = run(loaded, ["20610", "20553-XS"], distinct_sites=True)
    assert not found  # bypassed, distinct sites stated
    result, found = run(loaded, ["20610", "20553"], distinct_sites=True)
    assert found[0].severity == "warning" and [format_line(x) for x in result.claim] == ["20610", "20553-XS"]


def test_indicator_9_does_not_fire(loaded):
    _, found = run(loaded, ["64493", "64490"])
    assert not [f for f in found if f.rule == "PTP"]


@pytest.mark.parametrize(("dos", "fires"), [
    (date(2024, 12, 31), True),   # last day before deletion: still in effect
    (date(2025, 1, 1), False),    # deleted before the date of service
    (date(2016, 12, 31), False),  # not yet effective
])
def test_deletion_and_effective_dates(loaded, dos, fires):
    _, found = run(loaded, ["64493", "62323"], date_of_service=dos)
    assert bool([f for f in found if f.rule == "PTP"]) is fires


def test_edit_effective_after_the_date_does_not_fire(loaded):
    # 64493/64483 takes effect 2026-04-01.
    assert run(loaded, ["64493", "64483"], date_of_service=date(2026, 3, 31))[1] == []
    assert run(loaded, ["64493", "64483"], date_of_service=date(2026, 4, 1))[1]


def test_no_date_of_service_means_today(loaded):
    tables = loaded.tables
    assert tables.ptp("64493", "62323") is None  # deleted 2024-12-31, before today
    assert tables.ptp("64635", "64493").col1 == "64635"
    _, found = run(loaded, ["64493", "62323"], date_of_service=None)
    assert not found


def test_codes_outside_the_curated_catalog(loaded):
    # 20550 is not in the curated catalog; 64450 is (peripheral nerve blocks), but with no curated MUE or PTP values,
    # so both edits below can only come from the imported tables.
    assert load_curated().code("20550") is None and load_curated().code("64450").mue is None
    result, found = run(loaded, ["64450", "20550"])
    assert found and found[0].rule == "PTP" and "64450/20550" in found[0].message
    result, found = run(loaded, ["64450 x3"])
    assert [f.rule for f in found] == ["MUE"]
    assert "MUE of 1 (CMS MUE 2026-01-01)" in found[0].message and "MAI 2" in found[0].message


def test_curated_pair_absent_from_loaded_table_does_not_fire(loaded):
    # 20610/20552 is a curated pair; the imported table covers both codes and has no such edit.
    _, found = run(loaded, ["20610", "20552"])
    assert not [f for f in found if f.rule == "PTP"]


def test_em_in_column_2_is_left_to_the_em_rules(loaded):
    result, found = run(loaded, ["99213-25", "64493"], separate_problem=True)
    assert not found and [format_line(x) for x in result.claim] == ["99213-25", "64493"]


def test_mai_1_2_3(loaded):
    _, found = run(loaded, ["20550 x2"])  # MAI 1: per line (20550 is not in the curated catalog)
    assert "exceeds its MUE of 1 (CMS MUE 2026-01-01)" in found[0].message and "MAI 1" in found[0].message
    _, found = run(loaded, ["20550-RT", "20550-LT"])  # MAI 1: separate lines pass
    assert not [f for f in found if f.rule == "MUE"]
    _, found = run(loaded, ["64450-RT", "64450-LT"])  # MAI 2: date of service, lines summed
    assert [f for f in found if f.rule == "MUE" and "MAI 2" in f.message]
    _, found = run(loaded, ["64635", "64636 x3"])  # MAI 3: imported MUE 2 (curated says 4)
    mue = [f for f in found if f.rule == "MUE"]
    assert mue and "MAI 3" in mue[0].message and "MUE of 2" in mue[0].message and mue[0].confidence == "confirmed"


def test_mpfs_indicators_override_curated(loaded, cms):
    view = loaded.for_check(["64493"], DOS)
    info = view.code("64493")
    assert info.global_days == "010" and info.prov("global").confidence == "confirmed"
    assert info.prov("global").sources == ["cms-rvu-2026-a"]
    assert view.tables.mpfs("64493").global_days == "010"  # the row without a modifier, not the -26 row
    assert view.cite(info.prov("global").sources)[0].startswith("CMS MPFS relative value file (PPRRVU) 2026 A")
    assert load_curated().code("64493").global_days == "000"


def test_version_by_date_of_service(cms):
    older = cms.ptp_text("ccipra-v320r0-f1.txt", rows=[("64635", "64493", "20120101", "*", "0", "Older rule")])
    db.import_paths([older, cms.ptp_text()], cms.db, progress=False)
    catalog = build_catalog(cms.settings)
    _, found = run(catalog, ["64635", "64493"], date_of_service=date(2026, 2, 1))
    assert "CMS PTP v32.0r0" in found[0].message and "modifier indicator 0" in found[0].message
    _, found = run(catalog, ["64635", "64493"], date_of_service=date(2026, 4, 1))
    assert "CMS PTP v32.1r0" in found[0].message and "modifier indicator 1" in found[0].message


def test_catalog_reloads_after_removal(cms):
    db.import_paths([cms.ptp_text()], cms.db, progress=False)
    assert isinstance(build_catalog(cms.settings), ImportedCatalog)
    db.remove(cms.db, "v32.1r0")
    assert not isinstance(build_catalog(cms.settings), ImportedCatalog)


def test_preload_is_one_query_per_check(loaded, monkeypatch):
    tables: ImportedTables = loaded.tables
    calls = []
    original = ImportedTables.ptp_among
    monkeypatch.setattr(ImportedTables, "ptp_among", lambda self, *a, **k: calls.append(a) or original(self, *a, **k))
    run(loaded, ["64635", "64493", "20610", "20553-XS", "64450"], distinct_sites=True)
    assert len(calls) == 1 and tables is loaded.tables
