"""Property tests: no claim crashes the engine, checking is deterministic, and the corrected claim has no errors."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.claims import ClaimLine, format_line
from advisor.rules.catalog import curated_catalog
from advisor.rules.engine import check
from advisor.rules.model import Facts, UltrasoundDocs

CATALOG = curated_catalog()
CODES = sorted(CATALOG.codes) + ["64999", "J1030", "0232T"]  # plus codes outside the catalog
MODS = ["25", "50", "51", "57", "59", "XE", "XS", "XP", "XU", "RT", "LT", "KX", "76", "GA"]

lines = st.builds(
    ClaimLine,
    code=st.sampled_from(CODES),
    modifiers=st.lists(st.sampled_from(MODS), max_size=3, unique=True).map(tuple),
    units=st.integers(min_value=1, max_value=6),
)
facts = st.builds(
    Facts,
    payer=st.sampled_from(["medicare", "commercial"]),
    setting=st.sampled_from(["office", "facility", "asc"]),
    separate_problem=st.none() | st.booleans(),
    new_patient=st.none() | st.booleans(),
    diagnostic=st.none() | st.booleans(),
    imaging=st.none() | st.sampled_from(["fluoroscopy", "ct", "ultrasound", "none"]),
    ultrasound=st.none() | st.builds(UltrasoundDocs, real_time=st.none() | st.booleans(),
                                     permanent_image=st.none() | st.booleans(), report=st.none() | st.booleans()),
    muscles=st.none() | st.integers(min_value=1, max_value=8),
    prior_relief_percent=st.none() | st.integers(min_value=0, max_value=100),
    sedation=st.none() | st.booleans(),
    radicular=st.none() | st.booleans(),
    ablation=st.none() | st.sampled_from(["thermal", "pulsed", "chemical", "cryo", "laser"]),
    distinct_sites=st.none() | st.booleans(),
    days_since_global_procedure=st.none() | st.integers(min_value=0, max_value=30),
)


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
