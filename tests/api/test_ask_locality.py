"""The chat request's locality over real HTTP (issue #16): GET /api/localities lists what `locality` accepts, POST
/api/ask and /api/ask/stream check it before any work (422 naming how to list the valid ones; 409 when no GPCI file
is imported), and the answer's estimate is priced for it and names it.

Prices are the hand-worked ones of tests/data/test_answer_estimate.py: 64493-50-KX is 238.49 nationally and 272.63
in Manhattan (13202-01, GPCI 1.064 / 1.162 / 1.586)."""

from __future__ import annotations

import httpx
import pytest

from tests.data.cms_files import payment_data_dir

QUESTION = "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?"


@pytest.fixture(scope="module")
def server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    data_dir = payment_data_dir(tmp_path_factory.mktemp("ask_locality"))
    return session_server_factory(data_dir=data_dir).start(ready_path="/healthz")


@pytest.fixture(scope="module")
def bare_server(session_server_factory, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN001, ANN201
    return session_server_factory(data_dir=tmp_path_factory.mktemp("no_gpci") / "data").start(ready_path="/healthz")


def ask(server, path: str = "/api/ask", **body: object) -> httpx.Response:  # noqa: ANN001
    return httpx.post(f"{server.url}{path}", json={"question": QUESTION, **body}, timeout=60)


def test_the_localities_are_listed_with_their_table(server) -> None:  # noqa: ANN001
    body = httpx.get(f"{server.url}/api/localities", params={"date": "2026-03-14"}).json()
    assert body["table"] == "CMS GPCI 2026" and body["notice"] is None and body["date"] == "2026-03-14"
    manhattan = next(p for p in body["localities"] if p["key"] == "13202-01")
    assert (manhattan["state"], manhattan["pw_gpci"], manhattan["pe_gpci"], manhattan["mp_gpci"]) == (
        "NY", 1.064, 1.162, 1.586)
    assert manhattan["origin"]["kind"] == "imported"


@pytest.mark.parametrize("named", ["manhattan", "13202-01", "NY-01", "ny 01"])
def test_the_answer_is_priced_for_the_locality_and_says_which(server, named: str) -> None:  # noqa: ANN001
    resp = ask(server, locality=named)
    assert resp.status_code == 200, resp.text
    est = resp.json()["estimate"]
    assert est["locality"]["key"] == "13202-01"
    assert "for locality 13202-01 NY MANHATTAN" in est["label"]
    line = next(ln for ln in est["lines"] if ln["line"] == "64493-50-KX")
    assert line["non_facility"] == pytest.approx(272.63, abs=0.001)


def test_without_a_locality_the_estimate_stays_national(server) -> None:  # noqa: ANN001
    est = ask(server).json()["estimate"]
    assert est["locality"] is None and est["label"].startswith("Estimate: national Medicare")


@pytest.mark.parametrize("payer", [None, "commercial"])
def test_an_unknown_locality_is_a_422_saying_how_to_list_them(server, payer: str | None) -> None:  # noqa: ANN001
    """Checked whatever the payer, before any work: nothing is answered or stored."""
    before = httpx.get(f"{server.url}/api/conversations").json()
    resp = ask(server, locality="atlantis", **({"payer": payer} if payer else {}))
    assert resp.status_code == 422
    body = resp.json()
    assert body["where"] == "locality"
    assert "'atlantis' is no locality of the CMS GPCI 2026 file" in body["message"]
    assert "`advisor localities` or GET /api/localities lists them all" in body["message"]
    assert httpx.get(f"{server.url}/api/conversations").json() == before


def test_an_ambiguous_locality_names_the_choices(server) -> None:  # noqa: ANN001
    body = ask(server, locality="CA").json()
    assert "names several localities" in body["message"] and "GET /api/localities" in body["message"]


def test_the_stream_refuses_an_unknown_locality_before_it_starts(server) -> None:  # noqa: ANN001
    resp = ask(server, "/api/ask/stream", locality="atlantis")
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/json")
    assert "GET /api/localities" in resp.json()["message"]
    streamed = ask(server, "/api/ask/stream", locality="manhattan")
    assert streamed.status_code == 200 and '"key":"13202-01"' in streamed.text


@pytest.mark.parametrize(("locality", "fragment"), [("", "locality is empty"), ("x" * 101, "at most 100")])
def test_an_empty_or_long_locality_is_a_422(server, locality: str, fragment: str) -> None:  # noqa: ANN001
    resp = ask(server, locality=locality)
    assert resp.status_code == 422 and fragment in resp.json()["message"]


def test_without_the_gpci_file_the_list_is_empty_and_a_locality_is_a_409(bare_server) -> None:  # noqa: ANN001
    body = httpx.get(f"{bare_server.url}/api/localities").json()
    assert body["localities"] == [] and body["table"] is None and "advisor data import" in body["notice"]
    resp = ask(bare_server, locality="manhattan")
    assert resp.status_code == 409 and "GPCI file" in resp.json()["message"]
    assert ask(bare_server).status_code == 200
