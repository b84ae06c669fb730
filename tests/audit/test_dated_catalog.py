"""With imported (dated) CMS tables the audit must not reuse one date's check for another date."""

from __future__ import annotations

from datetime import date

import pytest

from advisor.audit import service
from advisor.audit.csv_input import Row
from advisor.audit.patterns import Claim
from advisor.claims import parse_line
from advisor.rules.catalog import Catalog, load_curated
from advisor.rules.model import ClaimType, Payer


class DatedCatalog(Catalog):
    """The curated tables, flagged as depending on the date of service (as imported CMS tables do)."""

    @property
    def dated(self) -> bool:
        return True


def _claims() -> list[Claim]:
    return [
        Claim(claim_id=str(day), dos=date(2026, 1, day), rows=[
            Row(line=day + 1, claim_id=str(day), patient_id="p1", provider="dr-a", dos=date(2026, 1, day),
                claim_line=parse_line("64493"), payer=Payer.MEDICARE, claim_type=ClaimType.PROFESSIONAL)])
        for day in (1, 2)
    ]


@pytest.mark.parametrize(("dated", "expected_checks"), [(False, 1), (True, 2)])
def test_memo_key_includes_the_date_only_for_dated_catalogs(monkeypatch, dated: bool, expected_checks: int) -> None:  # noqa: ANN001
    curated = load_curated()
    catalog = DatedCatalog(**dict(curated)) if dated else curated
    calls: list[date | None] = []
    real_check = service.check

    def spy(lines, facts, cat):  # noqa: ANN001, ANN202
        calls.append(facts.date_of_service)
        return real_check(lines, facts, cat)

    monkeypatch.setattr(service, "check", spy)
    service.check_claims(_claims(), catalog)
    assert len(calls) == expected_checks
