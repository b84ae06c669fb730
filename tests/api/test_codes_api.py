"""The encoder view over real HTTP on the curated catalog (no CMS tables imported): code detail, search, units,
pairs, the modifier list, and the 4xx answers for bad input (issue #16)."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory().start(ready_path="/healthz")


def get(server, path: str, **params: str) -> httpx.Response:  # noqa: ANN001
    return httpx.get(f"{server.url}{path}", params=params, timeout=30)


def test_code_detail_names_every_value_with_its_origin(server) -> None:  # noqa: ANN001
    body = get(server, "/api/codes/64493", date="2026-05-04").json()
    assert body["code"] == "64493" and body["date"] == "2026-05-04" and body["in_catalog"]
    assert body["descriptor"] and body["family"]["id"] == "facet_injection"
    assert body["family"]["region"] == "lumbar_sacral" and body["family"]["level"] == "1"
    assert body["facts"]["addon"]["value"] is False and body["addons"] == ["64494", "64495"]
    assert body["facts"]["bilateral"]["value"] == 1 and "50" in body["facts"]["bilateral"]["meaning"]
    assert body["facts"]["imaging"]["value"] == "included"
    for fact in body["facts"].values():
        assert fact["origin"]["kind"] == "curated" and fact["origin"]["sources"] and fact["origin"]["confidence"]
    units = body["units"]
    assert (units["mue"], units["mai"], units["per"]) == (1, 2, "date of service")
    assert "appeal" in units["appeal"] and units["origin"]["table"] == "curated"
    assert {s["id"] for s in units["appeal_sources"]} == {"mue-mai-palmetto", "mue-fcso"}
    pairs = {(p["col1"], p["col2"]): p for p in body["pairs"]}
    assert pairs[("64493", "27096")]["mi"] == 0 and pairs[("64635", "64493")]["other"] == "64635"
    assert all(p["origin"]["sources"] for p in body["pairs"])
    assert any(r["rule"].startswith("levels per session") and r["value"] == 2 for r in body["lcd"])
    kx = next(r for r in body["lcd"] if r["rule"] == "kx_diagnostic_families")
    assert {"L38803", "A59243"} <= set(kx["documents"])  # Noridian facet Q&A, the SI billing article
    assert any(s["doc"] == "facet-injections" for s in body["knowledge"])
    assert body["tables"] == [] and "No CMS tables are imported" in body["notices"][0]


def test_add_on_shows_its_primaries_and_noncovered_codes_say_so(server) -> None:  # noqa: ANN001
    body = get(server, "/api/codes/64495").json()
    assert body["facts"]["addon"]["value"] is True and body["primaries"] == ["64493", "64494"]  # CMS AOC_V2026Q2
    assert body["facts"]["global"]["value"] == "ZZZ"
    assert any(r["rule"] == "facet_noncovered_addons" for r in body["lcd"])
    assert get(server, "/api/codes/64625").json()["noncovered"]


def test_code_is_normalised(server) -> None:  # noqa: ANN001
    assert get(server, "/api/codes/g0260").json()["code"] == "G0260"


def test_unknown_code_is_404_with_close_matches(server) -> None:  # noqa: ANN001
    resp = get(server, "/api/codes/64439")
    assert resp.status_code == 404
    body = resp.json()
    assert body["error"] == "NotFound" and "64493" in body["suggestions"]
    assert "did you mean" in body["message"] and "64493" in body["message"]


@pytest.mark.parametrize(("path", "params", "fragment"), [
    ("/api/codes/6449", {}, "not a CPT/HCPCS code"),
    ("/api/codes/64493", {"date": "2026-13-01"}, "date"),
    ("/api/codes/64493/units", {"date": "yesterday"}, "date"),
    ("/api/pairs", {"a": "64493"}, "b"),
    ("/api/pairs", {"a": "64493", "b": "64493"}, "two different codes"),
    ("/api/pairs", {"a": "64493", "b": "ABCDE"}, "not a CPT/HCPCS code"),
    ("/api/codes", {"q": ""}, "q"),
])
def test_bad_input_is_422_naming_the_problem(server, path: str, params: dict, fragment: str) -> None:  # noqa: ANN001
    resp = get(server, path, **params)
    assert resp.status_code == 422, resp.text
    assert fragment in resp.json()["message"]


def test_pair_lookup_either_order(server) -> None:  # noqa: ANN001
    for a, b in (("64635", "64493"), ("64493", "64635")):
        body = get(server, "/api/pairs", a=a, b=b).json()
        assert body["edit"] and body["pair"]["col1"] == "64635" and body["pair"]["col2"] == "64493"
        assert body["pair"]["mi"] == 1 and any("XS on 64493" in x for x in body["bypass"])
        assert any("column-1 code" in x for x in body["not_bypass"])
        assert any("same side" in x for x in body["not_bypass"])
        assert body["sources"]
    never = get(server, "/api/pairs", a="27096", b="64493").json()
    assert never["pair"]["mi"] == 0 and never["bypass"] == [] and "no modifier" in never["not_bypass"][0]
    none = get(server, "/api/pairs", a="64493", b="20552").json()
    assert none["edit"] is False and none["pair"] is None and "No NCCI PTP edit" in none["message"]


def test_unknown_code_with_nothing_close_is_404_not_500(server) -> None:  # noqa: ANN001
    """No close match at all (99999): still a 404 saying how to search, never a crash building the hint."""
    resp = httpx.get(server.url + "/api/codes/99999")
    assert resp.status_code == 404
    body = resp.json()
    assert body["error"] == "NotFound" and body["suggestions"] == [] and "search by words" in body["message"]


def test_unknown_code_in_a_pair_is_404(server) -> None:  # noqa: ANN001
    resp = get(server, "/api/pairs", a="64493", b="64439")
    assert resp.status_code == 404 and resp.json()["where"] == "b"


def test_units(server) -> None:  # noqa: ANN001
    body = get(server, "/api/codes/64636/units").json()
    assert body["mue"] is not None and body["mai"] in (1, 2, 3) and body["meaning"] and body["appeal"]


def test_search_by_code_and_by_words(server) -> None:  # noqa: ANN001
    by_code = [h["code"] for h in get(server, "/api/codes", q="6449").json()]
    assert by_code == ["64490", "64491", "64492", "64493", "64494", "64495"]
    by_words = get(server, "/api/codes", q="sacroiliac joint injection").json()
    assert by_words and "27096" in [h["code"] for h in by_words[:6]]
    assert get(server, "/api/codes", q="zzzz nothing").json() == []


def test_modifier_list(server) -> None:  # noqa: ANN001
    mods = {m["mod"]: m for m in get(server, "/api/modifiers").json()}
    assert {"25", "50", "59", "XS", "RT", "KX"} <= set(mods) and "XY" not in mods
    assert mods["XS"]["group"] == "x" and mods["XS"]["sources"]


def test_check_rejects_unknown_modifiers_on_every_line(server) -> None:  # noqa: ANN001
    resp = httpx.post(f"{server.url}/api/check", json={"lines": ["64493-XY", "64494", {"code": "99213",
                                                                                         "modifiers": ["2S"]}]})
    assert resp.status_code == 422
    body = resp.json()
    assert [d["where"] for d in body["details"]] == ["line 1", "line 3"]
    assert "XS" in body["details"][0]["message"] and "25" in body["details"][1]["message"]
    assert "Valid modifiers on pain claims" in body["message"]


def test_openapi_documents_the_routes(server) -> None:  # noqa: ANN001
    paths = get(server, "/openapi.json").json()["paths"]
    assert {"/api/codes", "/api/codes/{code}", "/api/codes/{code}/units", "/api/pairs", "/api/modifiers"} <= set(paths)
