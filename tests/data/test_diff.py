"""Reconciliation of the curated catalog with the imported tables."""

from __future__ import annotations

from typer.testing import CliRunner

from advisor.data import db
from advisor.data.diff import diff
from advisor.data.tables import ImportedTables
from advisor.rules.catalog import load_curated


def test_diff_lists_disagreements(cms):
    db.import_paths([cms.ptp_text(), cms.mue(), cms.rvu()], cms.db, progress=False)
    rows = {(d.kind, d.field, d.codes): d for d in diff(load_curated(), ImportedTables(cms.db))}
    assert rows[("differs", "mue", "64636")].imported == "2" and rows[("differs", "mue", "64636")].curated == "4"
    assert rows[("differs", "mue", "20610")].table == "CMS MUE 2026-01-01"
    assert rows[("differs", "global", "64493")].imported == "010"
    assert ("confirm", "mue", "64493") in rows  # agrees, curated mark is 'secondary'
    assert ("missing_in_cms", "mue", "62323") in rows
    assert ("missing_in_cms", "ptp", "20610/20552") in rows
    assert ("confirm", "ptp", "64635/64493") in rows
    assert ("missing_in_curated", "ptp", "27096/20552") in rows
    assert ("missing_in_curated", "ptp", "64493/64490") not in rows  # indicator 9
    assert ("differs", "ptp", "64493/62323") not in rows  # deleted before today: missing, not differing
    assert ("missing_in_cms", "ptp", "64493/62323") in rows


def test_diff_cli(cms, monkeypatch):
    from advisor.cli import app
    from advisor.settings import get_settings

    monkeypatch.setenv("ADVISOR_RULES_DB_PATH", str(cms.db))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(app, ["data", "diff"]).exit_code == 2  # nothing imported yet
        runner.invoke(app, ["data", "import", str(cms.mue())])
        result = runner.invoke(app, ["data", "diff", "--no-confirm"])
        assert result.exit_code == 0, result.output
        assert "64636" in result.output and "CMS MUE 2026-01-01: 2" in result.output
        assert "0 confirm" in result.output
    finally:
        get_settings.cache_clear()
