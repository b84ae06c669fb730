"""Hypothesis strategies for claims and encounter facts, shared by the engine's property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from advisor.claims import ClaimLine
from advisor.rules.catalog import curated_catalog
from advisor.rules.model import Facts, Setting, UltrasoundDocs

OUTSIDE = ["64999", "J1030", "0232T"]  # well-formed codes the catalog does not hold
MODS = ["25", "50", "51", "57", "59", "XE", "XS", "XP", "XU", "RT", "LT", "KX", "76", "GA"]


def claim_lines(extra_codes: list[str] | None = None) -> st.SearchStrategy[ClaimLine]:
    """Lines of catalog codes (plus `extra_codes`) with up to three common modifiers and 1-6 units."""
    return st.builds(
        ClaimLine, code=st.sampled_from(sorted(curated_catalog().codes) + (extra_codes or [])),
        modifiers=st.lists(st.sampled_from(MODS), max_size=3, unique=True).map(tuple),
        units=st.integers(min_value=1, max_value=6),
    )


encounter_facts = st.builds(
    Facts,
    payer=st.sampled_from(["medicare", "commercial"]),
    setting=st.sampled_from(list(Setting)),
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
