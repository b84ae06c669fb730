"""One date parser (advisor/dates.py) for every place a date of service is typed: ISO and US forms accepted, a clear
error for an impossible or day-first date, alike on the API (422), the audit, the MCP tools and the CLI (exit 2)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from advisor.dates import parse_date


@pytest.mark.parametrize("text", ["2026-03-14", "2026/03/14", "20260314", "03/14/2026", "3/14/2026", "03-14-2026",
                                  "03/14/26", "14.03.2026", " 2026-03-14 00:00:00 ", "2026-03-14T00:00:00"])
def test_iso_and_us_forms(text: str) -> None:
    assert parse_date(text) == date(2026, 3, 14)


@pytest.mark.parametrize(("text", "fragment"), [
    ("14/03/2026", "written day first"),       # ambiguous in a US system: asked, not guessed
    ("02/30/2026", "not a real date"),         # impossible
    ("2026-13-01", "not a real date"),
    ("13/13/2026", "not a real date"),
    ("March 14, 2026", "is not a date"),
    ("", "is not a date"),
    ("2026-3", "is not a date"),
])
def test_ambiguous_and_impossible_dates_say_what_to_write(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_date(text, "date of service")
    assert fragment in str(err.value) and "date of service" in str(err.value)
    assert "YYYY-MM-DD" in str(err.value) or "write" in str(err.value)


def test_day_first_error_names_the_date_to_write() -> None:
    with pytest.raises(ValueError, match=r"write 03/14/2026 or 2026-03-14"):
        parse_date("14/03/2026")


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory().start(ready_path="/healthz")


def test_the_api_takes_us_dates_and_names_a_bad_one(server) -> None:  # noqa: ANN001
    ok = httpx.post(f"{server.url}/api/check", json={"lines": ["64493"], "facts": {"date_of_service": "03/14/2026"}},
                    timeout=30)
    assert ok.status_code == 200, ok.text
    bad = httpx.post(f"{server.url}/api/check", json={"lines": ["64493"], "facts": {"date_of_service": "14/03/2026"}},
                     timeout=30)
    assert bad.status_code == 422 and "written day first" in bad.json()["message"]
    code = httpx.get(f"{server.url}/api/codes/64493", params={"date": "03/14/2026"}, timeout=30)
    assert code.status_code == 200 and code.json()["date"] == "2026-03-14"
    impossible = httpx.get(f"{server.url}/api/codes/64493", params={"date": "02/30/2026"}, timeout=30)
    assert impossible.status_code == 422 and "not a real date" in impossible.json()["message"]
    assert "Traceback" not in impossible.text


def test_the_audit_reads_the_same_forms() -> None:
    from advisor.audit.csv_input import read_csv

    text = ("claim_id,patient_id,provider,dos,code,modifiers,units,payer,pos\n"
            "C1,P1,D1,03/14/2026,20610,,1,Medicare,11\n"
            "C2,P1,D1,14/03/2026,20610,,1,Medicare,11\n")
    parsed = read_csv(text.encode())
    assert [r.dos for r in parsed.rows] == [date(2026, 3, 14)]
    assert [e.line for e in parsed.errors] == [3] and "written day first" in parsed.errors[0].reason
