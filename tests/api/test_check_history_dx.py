"""Quick check's coder fields over real HTTP (issue #16 item 5): the prior sessions and relief the Medicare LCD rules
read (prior_blocks, prior_relief_percent, relief_months, prior_sessions), validated with 422s naming the bad value,
and ICD-10-CM diagnoses per claim line, validated per line and carried to the corrected claim.

The expected findings are the rules' own (advisor/rules/rules_lcd.py, limits in catalog/lcd.yaml): a first facet RFA
needs two diagnostic blocks each with at least 80% relief (LCD-RFA-BLOCKS), an ESI is allowed four sessions in the
rolling 12 months (LCD-SESSIONS), a repeat ESI needs 50% relief from the last one (LCD-RELIEF)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory().start(ready_path="/healthz")


def check(server, lines: list[Any], **facts: Any) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}/api/check", json={"lines": lines, "payer": "medicare", "facts": facts},
                      timeout=30)


def findings(resp: httpx.Response) -> dict[str, str]:
    assert resp.status_code == 200, resp.text
    return {f["rule"]: f["severity"] for f in resp.json()["findings"]}


RFA = ["64635-RT", "64636-RT"]


def test_one_block_at_50_percent_gets_the_rfa_finding_two_at_80_do_not(server) -> None:  # noqa: ANN001
    assert findings(check(server, RFA)) == {"LCD-RFA-BLOCKS": "info"}  # the blocks not stated: it waits on them
    one = check(server, RFA, prior_blocks=[50])
    assert findings(one) == {"LCD-RFA-BLOCKS": "warning"} and one.json()["status"] == "warnings"
    assert "at least 80% relief; only 1 diagnostic block was documented" in one.json()["findings"][0]["message"]
    low = check(server, RFA, prior_blocks=[80, 50])
    assert "a diagnostic block gave 50% relief" in low.json()["findings"][0]["message"]
    two = check(server, RFA, prior_blocks=[80, 80])
    assert findings(two) == {} and two.json()["status"] == "clean"


def test_a_repeat_rfa_reads_how_long_the_relief_lasted(server) -> None:  # noqa: ANN001
    short = check(server, RFA, prior_sessions={"rfa": 1}, relief_months=3)
    assert findings(short)["LCD-RFA-BLOCKS"] == "warning"
    assert "3 months is short" in next(f["message"] for f in short.json()["findings"] if f["rule"] == "LCD-RFA-BLOCKS")
    assert "LCD-RFA-BLOCKS" not in findings(check(server, RFA, prior_sessions={"rfa": 1}, relief_months=8))


def test_prior_esi_sessions_and_relief(server) -> None:  # noqa: ANN001
    assert "LCD-SESSIONS" not in findings(check(server, ["62323"], prior_sessions={"esi": 3}))
    fifth = check(server, ["62323"], prior_sessions={"esi": 4})
    assert findings(fifth)["LCD-SESSIONS"] == "warning"
    assert "session 5 of esi" in next(f["message"] for f in fifth.json()["findings"] if f["rule"] == "LCD-SESSIONS")
    assert findings(check(server, ["62323"], prior_sessions={"esi": 1}, prior_relief_percent=30)) == {
        "LCD-RELIEF": "warning"}
    assert "LCD-RELIEF" not in findings(check(server, ["62323"], prior_sessions={"esi": 1}, prior_relief_percent=60))


@pytest.mark.parametrize(("facts", "where", "fragment"), [
    ({"prior_relief_percent": 140}, "facts.prior_relief_percent",
     "relief of 140%: relief is a percentage from 0 to 100"),
    ({"prior_relief_percent": -5}, "facts.prior_relief_percent", "relief of -5%"),
    ({"prior_blocks": [80, 140]}, "facts.prior_blocks", "block 2's relief is 140%"),
    ({"prior_sessions": {"rfa": -1}}, "facts.prior_sessions", "rfa: -1 sessions; a count of sessions in the rolling "
                                                              "12 months is 0 to 52"),
    ({"prior_sessions": {"esi": 400}}, "facts.prior_sessions", "esi: 400 sessions"),
    ({"prior_sessions": {"ablation": 1}}, "facts.prior_sessions.ablation.[key]", "'esi', 'facet_diagnostic'"),
    ({"relief_months": -2}, "facts.relief_months", "-2 months"),
    ({"prior_blocks": [80, "most"]}, "facts.prior_blocks.1", "valid integer"),
])
def test_bad_history_is_a_422_naming_the_value(server, facts: dict, where: str, fragment: str) -> None:  # noqa: ANN001
    resp = check(server, RFA, **facts)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert body["where"] == where and fragment in body["message"], body


def test_diagnoses_are_carried_to_each_line_of_the_corrected_claim(server) -> None:  # noqa: ANN001
    resp = check(server, ["99213-25 dx M54.50", "64493-RT dx m47816", "64493-LT dx M47.817 M54.50",
                          {"code": "64494", "modifiers": ["50"], "diagnoses": ["M47.816"]}, "77003"],
                 separate_problem=True, diagnostic=True)
    assert resp.status_code == 200, resp.text
    claim = {ln["code"]: ln for ln in resp.json()["claim"]}
    assert claim["99213"]["diagnoses"] == ["M54.50"]
    # RT and LT merged into one 50 line: it points at both sides' diagnoses, written with the dot, in order
    assert claim["64493"]["modifiers"][0] == "50" and claim["64493"]["diagnoses"] == ["M47.816", "M47.817", "M54.50"]
    assert claim["64494"]["diagnoses"] == ["M47.816"]
    assert "77003" not in claim  # fluoroscopy is included in the facet codes: the line is removed
    plain = check(server, ["64493-50"]).json()["claim"]
    assert "diagnoses" not in plain[0]  # a line without diagnoses reads as before
    assert check(server, [{"code": "64493", "diagnoses": "M47.816 M54.50"}]).json()["claim"][0]["diagnoses"] == [
        "M47.816", "M54.50"]  # a string of codes is read like the text form


def test_a_bad_diagnosis_is_a_422_naming_its_line(server) -> None:  # noqa: ANN001
    resp = check(server, ["64493-50 dx M47.816", "64494-50 dx 47.816"])
    assert resp.status_code == 422
    body = resp.json()
    assert body["where"] == "line 2" and "line 2 (64494-50 dx 47.816)" in body["message"]
    assert "'47.816' is not an ICD-10-CM code" in body["message"]


@pytest.mark.parametrize(("lines", "fragment"), [
    (["64493-50 dx"], "'dx' without a diagnosis"),
    (["64493-50 dx A1 B2 C3 D4 E5"], "'A1' is not an ICD-10-CM code"),
    (["64493-50 dx M47.816 M47.817 M54.50 M54.51 M54.59"], "5 diagnoses on one line; a line points at most 4"),
    (["64493-50 dx M47.816 M47816"], "diagnosis repeated on one line"),
    ([{"code": "64493", "diagnoses": [7]}], "'7' is not an ICD-10-CM code"),
])
def test_diagnosis_errors(server, lines: list[Any], fragment: str) -> None:  # noqa: ANN001
    resp = check(server, lines)
    assert resp.status_code == 422, resp.text
    assert fragment in resp.json()["message"]


def test_every_bad_line_is_reported_at_once(server) -> None:  # noqa: ANN001
    resp = check(server, ["64493-50 dx Q", "64494-50", "64495-50 dx 123"])
    assert resp.status_code == 422
    assert [d["where"] for d in resp.json()["details"]] == ["line 1", "line 3"]


def test_openapi_documents_the_line_diagnoses(server) -> None:  # noqa: ANN001
    schema = httpx.get(f"{server.url}/openapi.json").json()["components"]["schemas"]
    line = next(v for k, v in schema.items() if k.startswith("ClaimLine"))
    assert line["properties"]["diagnoses"]["maxItems"] == 4
