"""Back-pressure and cancellation over real HTTP (issue 15, item 3): answer work runs in a bounded pool (here one
worker and two waiting places), a full pool is a 503 with Retry-After in the one error shape, /healthz stays fast
meanwhile, and a stream whose client has gone is not computed (nor stored)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

SLOW = ("no " * 1333)[:3999]  # ~0.2 s of reading: keeps the one worker busy long enough to observe


@pytest.fixture(scope="module")
def server(session_server_factory):
    return session_server_factory(env={"ADVISOR_ANSWER_WORKERS": "1", "ADVISOR_ANSWER_QUEUE": "2"}).start(
        ready_path="/healthz")


def ask(server, question: str) -> httpx.Response:
    return httpx.post(server.url + "/api/ask", json={"question": question}, timeout=120)


def test_a_full_pool_is_503_with_retry_after_and_healthz_stays_fast(server) -> None:
    health: list[float] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200
            health.append(time.perf_counter() - started)
            time.sleep(0.05)

    watcher = threading.Thread(target=probe)
    watcher.start()
    try:
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(lambda _: ask(server, SLOW), range(12)))
    finally:
        done.set()
        watcher.join()
    codes = sorted(r.status_code for r in results)
    assert set(codes) == {200, 503}, codes
    busy = next(r for r in results if r.status_code == 503)
    assert int(busy.headers["retry-after"]) >= 1
    assert busy.json() == {"error": "Busy", "message": busy.json()["message"], "where": None}
    assert "busy" in busy.json()["message"]
    assert health and max(health) < 1.0, f"/healthz took up to {max(health):.2f} s"
    assert ask(server, "bilateral L4-5 facet injection, codes?").status_code == 200  # places are given back


def test_a_stream_the_client_left_is_not_computed(server) -> None:
    question = "bilateral L4-5 L5-S1 facet injections under fluoro, stream abandoned 7f3a, codes?"
    with ThreadPoolExecutor(2) as pool:
        ahead = [pool.submit(ask, server, SLOW) for _ in range(2)]  # the worker and one waiting place
        time.sleep(0.05)
        with httpx.Client(timeout=30) as client, client.stream(
                "POST", server.url + "/api/ask/stream", json={"question": question}) as res:
            assert res.status_code == 200  # admitted (the last waiting place), then the client goes
        assert all(f.result().status_code == 200 for f in ahead)
    time.sleep(0.5)
    titles = [c["title"] for c in httpx.get(server.url + "/api/conversations", timeout=30).json()]
    assert question not in titles
    assert ask(server, "bilateral L4-5 facet injection, codes?").status_code == 200
