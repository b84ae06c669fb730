"""Property tests: no claim crashes the engine, checking is deterministic, and the corrected claim has no errors."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import OUTSIDE, claim_lines, encounter_facts

from advisor.claims import ClaimLine, format_line
from advisor.rules.catalog import curated_catalog
from advisor.rules.engine import check
from advisor.rules.model import Facts

CATALOG = curated_catalog()
lines = claim_lines(OUTSIDE)
facts = encounter_facts


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(claim=st.lists(lines, min_size=1, max_size=8), facts=facts)
def test_check_is_total_deterministic_and_idempotent(claim: list[ClaimLine], facts: Facts) -> None:
    first = check(claim, facts, CATALOG)
    second = check(claim, facts, CATALOG)
    assert first.model_dump() == second.model_dump()
    assert first.status in ("clean", "warnings", "errors")
    assert (first.status == "errors") == any(f.severity == "error" for f in first.findings)
    for finding in first.findings:
        assert finding.message and finding.sources
    if first.claim:
        again = check(first.claim, facts, CATALOG)
        errors = [(f.rule, f.message) for f in again.findings if f.severity == "error"]
        assert not errors, f"{[format_line(x) for x in claim]} -> {[format_line(x) for x in first.claim]}: {errors}"
