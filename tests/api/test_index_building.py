"""Answers while the index builds (issue #14 item 3), over real HTTP with the real model on ONNX Runtime, a fresh
data dir and the real knowledge base (embedding its ~270 chunks takes ~15 s here: long enough to watch)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

QUESTION = "Right L4-5 facet injection under fluoro, code?"


def health(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/healthz", timeout=10).json()


def test_rules_answer_at_once_while_the_index_builds(live_server_factory: Any, onnx_model_cache: Path) -> None:
    srv = live_server_factory(env={"ADVISOR_EMBEDDER": "onnx", "ADVISOR_MODEL_CACHE_DIR": str(onnx_model_cache)})
    srv.start(ready_path="/healthz")
    up = time.monotonic()
    first = health(srv.url)
    assert first["index"] == "building", first
    assert first["index_build"]["percent"] < 100

    search = httpx.post(f"{srv.url}/api/search", json={"query": "bilateral MBB units"}, timeout=10)
    assert search.status_code == 503, search.text  # answers at once: never waits for the build
    assert set(search.json()) == {"error", "message", "where"} and search.json()["error"] == "IndexBuilding"
    assert re.match(r"Guidance index building, \d+%", search.json()["message"]), search.json()
    assert 1 <= int(search.headers["Retry-After"]) <= 30

    # the CLI, handed the server, waits for the build (telling how far it is on stderr), then prints passages
    waiting_cli = subprocess.Popen(
        [sys.executable, "-m", "advisor", "search", "bilateral MBB units", "-k", "2"], text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**srv.environment(), "ADVISOR_SERVER_URL": srv.url})

    answer = httpx.post(f"{srv.url}/api/ask", json={"question": QUESTION}, timeout=60)
    waited = time.monotonic() - up
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert waited < 5, f"first answer took {waited:.1f} s after the server came up"
    assert body["claim"] == [{"code": "64493", "modifiers": ["RT"], "units": 1}]  # the rules engine answered
    assert re.match(r"Guidance index building, \d+%", body["notice"] or ""), body["notice"]

    seen = [first["index_build"]]
    deadline = time.monotonic() + 600
    while (now := health(srv.url))["index"] == "building" and time.monotonic() < deadline:
        seen.append(now["index_build"])
        time.sleep(0.3)
    assert now["index"] == "ready" and now["index_build"]["percent"] == 100, (now, srv.log_tail())
    percents = [s["percent"] for s in seen]
    assert percents == sorted(percents) and any(0 < p < 100 for p in percents), percents
    assert any(s["phase"] == "embedding" and 0 < s["done"] < s["total"] for s in seen), seen

    log = srv.log_tail(20000)
    assert re.search(r"guidance index building: \d+% \(\d+/\d+ chunks embedded\)", log), log
    assert re.search(r"guidance index ready: \d+ chunks", log), log

    out, err = waiting_cli.communicate(timeout=120)
    assert waiting_cli.returncode == 0 and "Guidance index building" in err, err
    assert out.startswith("1. [") and "\n2. [" in out, out

    found = httpx.post(f"{srv.url}/api/search", json={"query": "bilateral MBB units"}, timeout=30)
    assert found.status_code == 200 and found.json()["results"], found.text

    after = httpx.post(f"{srv.url}/api/ask", json={"question": QUESTION}, timeout=60).json()
    assert after["notice"] is None or "index building" not in after["notice"]
    assert after["claim"] == body["claim"] and after["verdict"] == body["verdict"]
    assert after["knowledge_version"] != body["knowledge_version"]  # the index is in use now
