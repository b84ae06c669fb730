"""Admins manage the CMS tables every answer rests on, over HTTP (as `advisor data import|status|remove`): an
upload of the published MUE file is imported, listed, read by the code page, and removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.conftest import Team
from tests.data.cms_files import write_mue

pytestmark = pytest.mark.slow
MUE_FILE = "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"


def test_an_admin_imports_lists_and_removes_a_cms_table(team_factory, tmp_path: Path) -> None:
    team: Team = team_factory({"ada": "admin", "leo": "lead"})
    path = write_mue(tmp_path / MUE_FILE)
    with team.client("ada") as admin, team.client("leo") as lead:
        files = {"files": (MUE_FILE, path.read_bytes(), "text/csv")}
        assert lead.post("/api/data/import", files=files).status_code == 403
        done = admin.post("/api/data/import", files=files)
        assert done.status_code == 200, done.text
        assert [(r["table"], r["status"], r["where"]) for r in done.json()] == [
            ("CMS MUE 2026-01-01", "loaded", MUE_FILE)]
        assert [t["table"] for t in admin.get("/api/data").json()] == ["CMS MUE 2026-01-01"]
        units = admin.get("/api/codes/64636/units").json()
        assert "2026-01-01" in str(units)  # the code page reads the imported table
        again = admin.post("/api/data/import", files=files).json()
        assert again[0]["status"] == "unchanged"
        assert admin.delete("/api/data/2026-01-01").json() == {"removed": ["CMS MUE 2026-01-01"]}
        assert admin.get("/api/data").json() == []
        bad = admin.post("/api/data/import", files={"files": ("notes.txt", b"hello\n", "text/plain")})
        assert bad.status_code == 422 and bad.json()["message"].startswith("notes.txt: unknown layout")
