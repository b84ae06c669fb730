"""Fixtures for the CMS table tests: a private rules database and writers for the published layouts."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from cms_files import write_mue, write_ptp_text, write_ptp_xlsx, write_rvu, write_zip

from advisor.settings import Settings


@pytest.fixture
def cms(tmp_path: Path) -> SimpleNamespace:
    """Writers plus a private settings object whose rules database lives under tmp_path."""
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    settings = Settings(data_dir=tmp_path / "data", embedder="fake")
    return SimpleNamespace(
        dir=downloads, settings=settings, db=settings.resolved_rules_db,
        ptp_text=lambda name="ccipra-v321r0-f1.txt", **kw: write_ptp_text(downloads / name, **kw),
        ptp_xlsx=lambda name="ccipra-v321r0-f1.xlsx", **kw: write_ptp_xlsx(downloads / name, **kw),
        zip=lambda name, members: write_zip(downloads / name, members),
        mue=lambda name="MCR_MUE_PractitionerServices_Eff_01-01-2026.csv", **kw: write_mue(downloads / name, **kw),
        rvu=lambda name="PPRRVU26_JAN.csv", **kw: write_rvu(downloads / name, **kw),
    )
