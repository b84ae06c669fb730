"""A mixed load on a running advisor, for the scale-out test (tests/api/test_scale_out.py) and its benchmark
(benchmarks/bench_scale.py): clients that each, in turn, ask a question, ask a follow-up in the same conversation,
rate an answer, check a claim, read the conversation back on a fresh connection (so usually from another worker)
and open a code's page; plus what the answers must equal (the same requests computed in one process).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

# (question, follow-up): facet, ESI, TFESI, TPI, SI joint, RFA, E/M with 25, a look-up.
PAIRS = [
    ("Right L4-5 facet injection under fluoro, code?", "what if it was bilateral?"),
    ("Bilateral L4-5 and L5-S1 facet injections under fluoro, Medicare: what do I bill?",
     "and for a commercial payer?"),
    ("Can I bill 25 on the 99213 with today's lumbar ESI?", "what if it was a separate problem?"),
    ("TFESI L4-5 bilat fluoro, codes?", "add L5-S1"),
    ("Trigger point injections in 3 muscles, code?", "what about 5 muscles?"),
    ("SI joint injection with fluoro, right side, code?", "and bilateral?"),
    ("RFA of L4-5 and L5-S1 medial branches on the left, codes?", "what if both sides?"),
    ("Global days and MUE for 64493?", "and for 64494?"),
]
CLAIMS = [["99213-25", "64493-50", "64494-50"], ["64635", "64493"], ["64493 x3"], ["20610", "20553"],
          ["64483-RT", "64484-RT"], ["G0260-RT", "20552"]]
CODES = ["64493", "64635", "20552"]
DOS = "2026-05-04"
STEPS = ("ask", "follow_up", "feedback", "check", "read", "code")
VOLATILE = ("conversation_id", "answer_id")


def stable(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without the ids that differ between any two askings."""
    return {k: v for k, v in answer.items() if k not in VOLATILE}


def check_body(claim: list[str]) -> dict[str, Any]:
    return {"lines": claim, "payer": "medicare", "facts": {"date_of_service": DOS, "distinct_sites": True}}


@dataclass
class Reference:
    """What one process answers to every request of the mix (asked in order, so follow-ups see their question)."""

    answers: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)  # (pair, 0 | 1)
    checks: dict[int, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)


def reference(ask: Callable[[str, str | None], dict[str, Any]], post: Callable[[str, dict[str, Any]], Any],
              get: Callable[[str], Any]) -> Reference:
    """The expected bodies: `ask(question, conversation_id)` and `post`/`get(path)` return parsed JSON."""
    ref = Reference()
    for i, (first, follow) in enumerate(PAIRS):
        a = ask(first, None)
        ref.answers[(i, 0)] = stable(a)
        ref.answers[(i, 1)] = stable(ask(follow, a["conversation_id"]))
    for i, claim in enumerate(CLAIMS):
        ref.checks[i] = post("/api/check", check_body(claim))
    for code in CODES:
        ref.codes[code] = get(f"/api/codes/{code}?date={DOS}")
    return ref


@dataclass
class Call:
    """One request of the load, as the client saw it."""

    step: str
    key: Any
    status: int
    started: float
    ended: float
    body: Any = None
    since: float | None = None  # a follow-up: when its conversation's first question was sent

    @property
    def begun(self) -> float:
        return self.since if self.since is not None else self.started


@dataclass
class Written:
    """An acknowledged conversation: its two answers and the rating given to the follow-up's answer."""

    conversation_id: str
    answer_ids: list[str]
    rating: str


@dataclass
class LoadResult:
    calls: list[Call]
    written: list[Written]
    seconds: float
    import_window: tuple[float, float] | None = None  # when the import ran (monotonic), if one did

    def latencies(self, step: str | None = None) -> list[float]:
        return sorted(c.ended - c.started for c in self.calls if step is None or c.step == step)


def _send(url: str, step: str, key: Any, method: str, path: str, body: Any = None, timeout: float = 120.0) -> Call:
    """One request on a new connection: it goes to whichever worker accepts it, and no keep-alive connection can be
    closed by the server's idle timeout just as the next request is sent (a client artefact, not a server failure;
    a worker that drops a request still shows as status 599)."""
    started = time.monotonic()
    try:
        resp = httpx.request(method, url + path, json=body, timeout=timeout)
        status, parsed = resp.status_code, resp.json() if resp.content else None
    except httpx.HTTPError as exc:
        status, parsed = 599, f"{type(exc).__name__}: {exc}"  # no response at all counts as a server failure
    return Call(step, key, status, started, time.monotonic(), parsed)


def run_load(url: str, total: int, clients: int, midway: Callable[[], None] | None = None,
             timeout: float = 120.0) -> LoadResult:
    """`total` requests from `clients` threads, STEPS in turn; `midway` (an import) runs once half are sent, in its
    own thread, while the load goes on; the last quarter waits for it to end. Every request opens its own connection
    (see `_send`), so each goes to whichever worker accepts it: the read-back usually to another worker than the
    writes."""
    lock = threading.Lock()
    sent = 0
    calls: list[Call] = []
    written: list[Written] = []
    window: list[float] = []
    errors: list[BaseException] = []
    midway_thread: threading.Thread | None = None

    def take() -> bool:
        nonlocal sent, midway_thread
        if midway_thread is not None and sent >= total * 3 // 4:
            midway_thread.join()  # the last quarter goes out after the import: the load spans both sides of it
        with lock:
            if sent >= total:
                return False
            sent += 1
            if midway is not None and midway_thread is None and sent >= total // 2:
                def run_midway() -> None:
                    window.append(time.monotonic())
                    try:
                        midway()
                    except BaseException as exc:  # noqa: BLE001 - raised again by run_load
                        errors.append(exc)
                    window.append(time.monotonic())

                midway_thread = threading.Thread(target=run_midway)
                midway_thread.start()
            return True

    def client_loop(n: int) -> None:
        round_ = 0
        while True:
            turn = n + round_
            pair, claim, code = turn % len(PAIRS), turn % len(CLAIMS), CODES[turn % len(CODES)]
            round_ += 1
            mine: list[Call] = []
            if not take():
                return
            first = _send(url, "ask", (pair, 0), "POST", "/api/ask", {"question": PAIRS[pair][0]}, timeout)
            mine.append(first)
            conv = first.body.get("conversation_id") if first.status == 200 else None
            if conv and take():
                follow = _send(url, "follow_up", (pair, 1), "POST", "/api/ask",
                               {"question": PAIRS[pair][1], "conversation_id": conv}, timeout)
                follow.since = first.started
                mine.append(follow)
                if follow.status == 200 and take():
                    rating = "up" if round_ % 2 else "down"
                    rating_body = {"answer_id": follow.body["answer_id"], "rating": rating, "comment": f"c{n}"}
                    rated = _send(url, "feedback", None, "POST", "/api/feedback", rating_body, timeout)
                    mine.append(rated)
                    if rated.status == 201:
                        with lock:
                            written.append(Written(conv, [first.body["answer_id"], follow.body["answer_id"]], rating))
                    if take():
                        checked = check_body(CLAIMS[claim])
                        mine.append(_send(url, "check", claim, "POST", "/api/check", checked, timeout))
                    if take():
                        mine.append(_send(url, "read", conv, "GET", f"/api/conversations/{conv}", None, timeout))
                    if take():
                        mine.append(_send(url, "code", code, "GET", f"/api/codes/{code}?date={DOS}", None, timeout))
            with lock:
                calls.extend(mine)

    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client_loop, n) for n in range(clients)]:
            future.result()
    seconds = time.monotonic() - start
    if midway_thread is not None:
        midway_thread.join()
    if errors:
        raise errors[0]
    return LoadResult(calls, written, seconds, (window[0], window[1]) if len(window) == 2 else None)


def each_worker(url: str, workers: int, visit: Callable[[int, httpx.Client], None], timeout: float = 120.0) -> None:
    """`visit(pid, client)` once per worker process, the client on one keep-alive connection to that worker (new
    connections until /healthz has named `workers` different process ids; a connection stays with the worker that
    accepted it). /healthz is asked again after the visit: the same pid, so nothing went to another worker."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(seen) < workers:
        assert time.monotonic() < deadline, f"reached only workers {sorted(seen)}"
        with httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=1)) as client:
            pid = client.get("/healthz").json()["worker"]
            if pid in seen:
                continue
            visit(pid, client)
            assert client.get("/healthz").json()["worker"] == pid, "the connection moved to another worker"
            seen.add(pid)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


__all__ = ["CLAIMS", "CODES", "DOS", "PAIRS", "Call", "LoadResult", "Reference", "Written", "check_body",
           "each_worker", "p95", "reference", "run_load", "stable"]
