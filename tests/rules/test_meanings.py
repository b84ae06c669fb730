"""The indicator meanings shared by the chat's look-ups and the encoder view cover every value the catalog holds
and cite sources the catalog has."""

from __future__ import annotations

from advisor.rules.catalog import curated_catalog
from advisor.rules.meanings import (
    BILATERAL_MEANING,
    GLOBAL_MEANING,
    IMAGING_MEANING,
    MAI_APPEAL,
    MAI_SOURCES,
    PTP_MI_MEANING,
    PTP_SOURCES,
    bypass_rules,
    bypass_summary,
)


def test_every_catalog_value_has_a_meaning() -> None:
    catalog = curated_catalog()
    for info in catalog.codes.values():
        assert info.global_days in GLOBAL_MEANING and info.bilateral in BILATERAL_MEANING
        assert info.imaging in IMAGING_MEANING
        assert info.mai is None or info.mai in MAI_APPEAL
    assert {p.mi for p in catalog.pairs.values()} <= set(PTP_MI_MEANING)
    assert set(MAI_SOURCES) | set(PTP_SOURCES) <= set(catalog.sources)


def test_bypass_rules_by_indicator() -> None:
    catalog = curated_catalog()
    never = catalog.ptp("64493", "27096")
    assert never is not None and never.mi == 0
    does, does_not = bypass_rules(never)
    assert does == [] and "never bypassed" in does_not[0] and bypass_summary(never) == "never bypassed by any modifier"
    distinct = catalog.ptp("64635", "64493")
    assert distinct is not None and distinct.mi == 1
    does, does_not = bypass_rules(distinct)
    assert any("XS on 64493" in x for x in does) and any("on 64635, the column-1 code" in x for x in does_not)
    assert any("same side" in x for x in does_not)
    assert "on 64493, the column-2 code" in bypass_summary(distinct)
