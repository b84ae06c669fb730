"""Static checks on web/audit.js (the browser test is the web engineer's, see /work/team/audit-web.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[2] / "web" / "audit.js"


def test_audit_js_is_csp_safe() -> None:
    text = JS.read_text(encoding="utf-8")
    assert "audit-root" in text and "/api/audit" in text and "window.PainAudit" in text
    for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function", "document.write",
                   ".style.", "setAttribute(\"style\"", "http://cdn", "https://"):
        assert banned not in text, banned
    assert not re.search(r"""["']style["']\s*:""", text)


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_audit_js_parses() -> None:
    subprocess.run(["node", "--check", str(JS)], check=True)
