"""The code page shows the LCD and billing article of the code's family topic in every MAC jurisdiction
(catalog/jurisdictions.yaml `lcds`), each with its confidence, over real HTTP (issue #16 item 1)."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="module")
def server(session_server_factory):  # noqa: ANN001, ANN201
    return session_server_factory(env={"ADVISOR_MAC": "CGS"}).start(ready_path="/healthz")


def detail(server, code: str) -> dict:  # noqa: ANN001
    r = httpx.get(f"{server.url}/api/codes/{code}", params={"date": "2026-05-04"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_facet_code_lists_every_jurisdictions_lcd_and_article(server) -> None:  # noqa: ANN001
    body = detail(server, "64493")
    assert body["lcd_topic"] == "facet"
    refs = {j["jurisdiction"]: j for j in body["lcd_by_jurisdiction"]}
    assert len(refs) == 12
    cgs = refs["J15"]
    assert (cgs["mac"], cgs["lcd"], cgs["article"], cgs["confidence"]) == ("CGS", "L38773", "A58364", "confirmed")
    assert cgs["default"] and "OH" in cgs["states"] and cgs["url"].endswith("lcdid=38773")
    assert {s["id"] for s in cgs["sources"]} == {"cgs-l38773", "cgs-t12-l1"}
    assert (refs["JE"]["lcd"], refs["JE"]["confidence"], refs["JE"]["default"]) == ("L38801", "secondary", False)
    assert (refs["JM"]["lcd"], refs["JM"]["article"], refs["JM"]["confidence"]) == ("L38765", "A58350", "confirmed")
    assert refs["JH"]["article"] is None


def test_esi_and_si_codes_use_their_own_topic(server) -> None:  # noqa: ANN001
    esi = detail(server, "64483")
    assert esi["lcd_topic"] == "esi" and {j["jurisdiction"] for j in esi["lcd_by_jurisdiction"]} == {"JE", "JF"}
    si = detail(server, "27096")
    assert si["lcd_topic"] == "si"
    assert {(j["jurisdiction"], j["lcd"], j["confidence"]) for j in si["lcd_by_jurisdiction"]} >= {
        ("J6", "L39455", "secondary"), ("J5", "L39475", "unconfirmed")}


def test_a_code_without_an_lcd_topic_lists_none(server) -> None:  # noqa: ANN001
    body = detail(server, "99213")
    assert body["lcd_topic"] is None and body["lcd_by_jurisdiction"] == []
