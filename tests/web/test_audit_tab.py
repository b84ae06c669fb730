"""The Audit tab in a real browser: upload a claim export with planted patterns, read the report, download it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from advisor.audit.synthetic import clean_panel, planted_panel

pytestmark = pytest.mark.browser


def _upload(page: Page, path: Path) -> None:
    page.goto("/")
    page.get_by_role("tab", name="Audit").click()
    page.set_input_files("#audit-file", str(path))
    page.get_by_role("button", name="Run audit").click()


def test_audit_tab_finds_planted_patterns(page: Page, tmp_path: Path, artifacts) -> None:  # noqa: ANN001
    cf, planted = planted_panel()
    path = tmp_path / "claims.csv"
    path.write_bytes(cf.to_bytes(delimiter=";"))
    _upload(page, path)
    root = page.locator("#audit-root")
    expect(root.get_by_role("heading", name="Summary")).to_be_visible(timeout=60_000)
    expect(root.locator(".audit-chart")).to_be_visible()
    flagged = root.locator(".audit-pattern.audit-flagged")
    assert flagged.count() >= len(planted) - 1
    text = root.inner_text()
    for subject in ("DR25", "PTTPI", "PTESI"):
        assert subject in text
    page.screenshot(path=str(artifacts / "audit.png"), full_page=True)
    with page.expect_download() as download:
        root.get_by_role("button", name="Download HTML report").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "<svg" in report and "DR25" in report


def test_audit_tab_clean_file_flags_nothing(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "clean.csv"
    path.write_bytes(clean_panel().to_bytes())
    _upload(page, path)
    root = page.locator("#audit-root")
    expect(root.get_by_role("heading", name="Summary")).to_be_visible(timeout=60_000)
    assert root.locator(".audit-pattern.audit-flagged").count() == 0


def test_audit_tab_shows_missing_column_error(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("claim,patient,code\n1,p1,64493\n", encoding="utf-8")
    _upload(page, path)
    expect(page.locator("#audit-root [role=alert]")).to_contain_text("provider", timeout=30_000)
