"""Scale-out proof (issue #18 item 3): `advisor serve --workers 4` on a throwaway PostgreSQL cluster and a `chroma
run` server, 2,000 mixed requests from 32 concurrent clients with a CMS import (by another process, the CLI) half-way:
no 5xx, every acknowledged write readable from every worker, answers identical to a single-process server's.

The single-process reference is `advisor serve --workers 1` with its own data directory (another host, as far as the
index lock is concerned) on the same database and Chroma server; it answers every distinct request before the load
and again after it. A request finished before the import started must equal the first, one begun after it ended the
second, one during it either. ADVISOR_TEST_SCALE_REQUESTS changes the request count (default 2,000) and
ADVISOR_TEST_SCALE_EMBEDDER the embedder: `fake` (hashing vectors, as every served API test) by default, because
on 2 shared cores the real model's one-time export and index build took ~2.5 of the 4.8 minutes of a run with
`onnx` (which passed too); what this test proves (shared state across workers) does not depend on the vectors.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from advisor.retrieval.store import VectorStore
from advisor.settings import Settings
from tests.conftest import PROJECT_ROOT
from tests.data.cms_files import write_mue, write_ptp_text, write_rvu
from tests.scale_load import CODES, Call, LoadResult, Reference, each_worker, reference, run_load
from tests.servers import advisor_serve, fresh_database

pytestmark = pytest.mark.slow

REQUESTS = int(os.environ.get("ADVISOR_TEST_SCALE_REQUESTS", "2000"))
CLIENTS = 32
WORKERS = 4
EMBEDDER = os.environ.get("ADVISOR_TEST_SCALE_EMBEDDER", "fake")


def http_reference(url: str) -> Reference:
    with httpx.Client(base_url=url, timeout=120) as client:
        def ask(question: str, conversation: str | None) -> dict[str, Any]:
            resp = client.post("/api/ask", json={"question": question, "conversation_id": conversation})
            assert resp.status_code == 200, resp.text
            return resp.json()

        def post(path: str, body: dict[str, Any]) -> Any:
            resp = client.post(path, json=body)
            assert resp.status_code == 200, resp.text
            return resp.json()

        def get(path: str) -> Any:
            resp = client.get(path)
            assert resp.status_code == 200, resp.text
            return resp.json()

        return reference(ask, post, get)


def expected(call: Call, before: Reference, after: Reference) -> Any:
    table = {"ask": "answers", "follow_up": "answers", "check": "checks", "code": "codes"}[call.step]
    return getattr(before, table)[call.key], getattr(after, table)[call.key]


def differences(got: Any, want: Any) -> Any:
    """Where two bodies differ (the assertion's message)."""
    if isinstance(got, dict) and isinstance(want, dict):
        return {k: differences(got.get(k), want.get(k)) for k in got.keys() | want.keys() if got.get(k) != want.get(k)}
    return (got, want)


def phase(call: Call, load: LoadResult) -> str:
    assert load.import_window is not None
    start, end = load.import_window
    return "before" if call.ended < start else "after" if call.begun > end else "during"


def test_four_workers_share_conversations_feedback_imports_and_the_index(
        pg_cluster: str, chroma_url: str, tmp_path: Path, onnx_model_cache: Path) -> None:
    database = fresh_database(pg_cluster)
    # the load comes from one loopback address far faster than a coder types: the answer limits are off here
    # (tests/api/test_rate_limits.py tests them), as in benchmarks/bench_load.py
    env = {"ADVISOR_DATABASE_URL": database, "ADVISOR_CHROMA_URL": chroma_url, "ADVISOR_EMBEDDER": EMBEDDER,
           "ADVISOR_MODEL_CACHE_DIR": str(onnx_model_cache), "ADVISOR_RATE_LIMIT_ASK": "off",
           "ADVISOR_RATE_LIMIT_ASK_ADDRESS": "off"}
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    files = [write_ptp_text(downloads / "ccipra-v321r0-f1.txt"),
             write_mue(downloads / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"),
             write_rvu(downloads / "PPRRVU26_JAN.csv")]

    def cms_import() -> None:
        cli_env = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}, **env,
                   "ADVISOR_DATA_DIR": str(tmp_path / "cli")}
        done = subprocess.run([sys.executable, "-m", "advisor", "data", "import", *map(str, files)], env=cli_env,
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "rules database: PostgreSQL schema cms" in done.stdout, done.stderr

    t0 = time.monotonic()
    with advisor_serve({**env, "ADVISOR_DATA_DIR": str(tmp_path / "four")}, WORKERS, tmp_path / "four.log") as multi, \
            advisor_serve({**env, "ADVISOR_DATA_DIR": str(tmp_path / "one")}, 1, tmp_path / "one.log") as single:
        up = time.monotonic() - t0
        def healthy(pid: int, client: httpx.Client) -> None:
            deps = client.get("/healthz").json()["dependencies"]
            assert deps["database"]["kind"] == "postgresql" and deps["database"]["state"] == "ok", (pid, deps)
            assert deps["chroma"] == {"state": "ok", "kind": "server", "where": chroma_url}
            assert deps["index"]["state"] == "ready" and deps["model"]["state"] == "loaded"

        each_worker(multi, WORKERS, healthy)
        before = http_reference(single)
        started = time.monotonic()
        load = run_load(multi, REQUESTS, CLIENTS, midway=cms_import)
        window = load.import_window or (0.0, 0.0)
        print(f"{REQUESTS} requests in {load.seconds:.1f} s ({REQUESTS / load.seconds:.0f}/s), import "
              f"{window[1] - window[0]:.1f} s; servers up in {up:.1f} s, reference {started - t0 - up:.1f} s")
        after = http_reference(single)

        failed = [(c.step, c.status, str(c.body)[:200]) for c in load.calls if not 200 <= c.status < 300]
        assert not failed, failed[:5]
        assert len(load.calls) == REQUESTS
        assert after.codes["64493"] != before.codes["64493"]  # the import is visible in the reference
        phases = {"before": 0, "during": 0, "after": 0}
        for call in load.calls:
            if call.step in ("feedback", "read"):
                continue
            phases[phase(call, load)] += 1
            was, now = expected(call, before, after)
            got = {k: v for k, v in call.body.items() if k not in ("conversation_id", "answer_id")} \
                if call.step in ("ask", "follow_up") else call.body
            want = {"before": [was], "after": [now], "during": [was, now]}[phase(call, load)]
            assert got in want, (call.step, call.key, phase(call, load), differences(got, want[-1]))
        assert phases["before"] and phases["after"], phases
        for call in load.calls:  # read back mid-load on a fresh connection: both turns, whichever worker answered
            if call.step == "read":
                assert len(call.body["turns"]) == 2

        # Every acknowledged write, read from every worker.
        assert len(load.written) >= REQUESTS // 7
        def reads_everything(pid: int, client: httpx.Client) -> None:
            for w in load.written:
                got = client.get(f"/api/conversations/{w.conversation_id}").json()
                assert [t["answer_id"] for t in got["turns"]] == w.answer_ids, pid
                assert got["turns"][1]["feedback"]["rating"] == w.rating, pid
            for code in CODES:
                assert client.get(f"/api/codes/{code}", params={"date": "2026-05-04"}).json() == after.codes[code]

        each_worker(multi, WORKERS, reads_everything)

    ids = [r[0] for r in VectorStore(Settings(chroma_url=chroma_url, data_dir=tmp_path / "x")).records()]
    assert ids and len(ids) == len(set(ids))  # five processes started, one index, no chunk twice
