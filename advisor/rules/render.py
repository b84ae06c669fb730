"""Plain-text rendering of a check result for the terminal."""

from __future__ import annotations

from advisor.claims import line_text
from advisor.rules.model import CheckResult

MARK = {"error": "ERROR", "warning": "WARN ", "info": "info "}


def render_check(result: CheckResult) -> str:
    out = [f"status: {result.status}"]
    for f in result.findings:
        out.append(f"  {MARK[f.severity]} [{f.rule}] {f.message}")
        if f.sources:
            out.append(f"         sources: {'; '.join(f.sources)}")
    out.append("corrected claim: " + (", ".join(line_text(ln) for ln in result.claim) or "(no billable lines)"))
    if result.applied is not None:
        out.append(f"applied: {result.applied.statement}")
    return "\n".join(out)
