"""The quick CLI (issue #14 item 4): `advisor check|ask|search` print the same thing, and exit with the same status,
whether a running server does the work (ADVISOR_SERVER_URL, or auto-detected on host:port) or the CLI does it in
process; and `advisor serve --workers 2` builds the index once and serves it from both workers. Real servers on free
ports, real subprocesses, the fake (hashing) embedder so the index builds in about a second."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PROJECT_ROOT, LiveServer, free_port

QUESTION = "bilateral L4-5 L5-S1 medial branch block, medicare, codes?"
IDS = re.compile(r"\b[0-9a-f]{32}\b")


def cli(data_dir: Path, server_url: str, *args: str, port: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_EMBEDDER": "fake", "ADVISOR_SERVER_URL": server_url,
                "NO_PROXY": "127.0.0.1,localhost"})
    if port is not None:
        env["ADVISOR_PORT"] = str(port)
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=PROJECT_ROOT)


def wait_ready(url: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = httpx.get(f"{url}/healthz", timeout=10).json()
        if health["index"] == "ready":
            return health
        time.sleep(0.2)
    raise AssertionError(f"index not ready after {timeout} s: {health}")


@pytest.fixture(scope="module")
def server(session_server_factory: Callable[..., LiveServer]) -> Iterator[LiveServer]:
    srv = session_server_factory().start(ready_path="/healthz")
    wait_ready(srv.url)
    yield srv
    srv.stop()


# (arguments, exit status): `check` exits 1 when the claim has errors (and on warnings with --strict)
COMMANDS = [
    (("check", "99213-25", "64493-50", "64494-50"), 0),
    (("check", "99213-25", "64493-50", "64494-50", "--strict"), 1),
    (("check", "99213-25", "64493", "x3", "--payer", "commercial", "--json"), 1),
    (("check", "20610", "20553", "--dos", "03/14/2026", "--fact", "distinct_sites=true"), 0),
    (("search", "MBB bilateral units", "-k", "4"), 0),
    (("search", "64495 bilateral", "--json", "--code", "64495"), 0),
    (("ask", QUESTION), 0),
    (("ask", QUESTION, "--json"), 0),
    (("ask", QUESTION, "--plain"), 0),
]


@pytest.mark.parametrize(("args", "status"), COMMANDS, ids=[" ".join(c[0][:1] + c[0][-1:]) for c in COMMANDS])
def test_served_and_in_process_print_the_same(server: LiveServer, args: tuple[str, ...], status: int) -> None:
    served = cli(server.data_dir, server.url, *args)
    local = cli(server.data_dir, "off", *args)
    assert served.returncode == local.returncode == status, (served.stderr, local.stderr)
    # an answer gets new conversation and answer ids each time it is asked; nothing else may differ
    assert IDS.sub("<id>", served.stdout) == IDS.sub("<id>", local.stdout)
    assert served.stdout.strip() and served.stderr == local.stderr == ""


BAD = [
    (("check", "6449X"), "line 1"),
    (("check", "64493", "--payer", "aetna"), "payer"),
    (("check", "64493", "--dos", "14/03/2026"), "written day first"),
    (("check", "64493", "--fact", "no_such_fact=1"), "no_such_fact"),
    (("search", "facet", "-k", "0"), "k must be"),
    (("ask", "   "), "the question is empty"),
    (("ask", QUESTION, "--conversation", "no-such-conversation"), "does not exist"),
]


@pytest.mark.parametrize("args,fragment", BAD, ids=[" ".join(b[0][:2]) for b in BAD])
def test_bad_input_exits_2_with_the_same_message(server: LiveServer, args: tuple[str, ...], fragment: str) -> None:
    served = cli(server.data_dir, server.url, *args)
    local = cli(server.data_dir, "off", *args)
    assert served.returncode == local.returncode == 2, (served.stderr, local.stderr)
    assert served.stderr == local.stderr and fragment in served.stderr and "Traceback" not in served.stderr


def test_auto_detect_uses_the_server_on_the_configured_port(server: LiveServer, tmp_path: Path) -> None:
    """With ADVISOR_SERVER_URL=auto and ADVISOR_PORT pointing at the server, the answer is stored by the server
    (its conversation is there), and the CLI's own, empty data dir is never used."""
    own = tmp_path / "cli-data"
    done = cli(own, "auto", "ask", QUESTION, port=server.port)
    assert done.returncode == 0, done.stderr
    conversation = re.search(r"conversation ([0-9a-f]{32})", done.stdout)
    assert conversation, done.stdout
    assert httpx.get(f"{server.url}/api/conversations/{conversation.group(1)}", timeout=10).status_code == 200
    assert not own.exists()


def test_auto_detect_without_a_server_works_in_process(tmp_path: Path) -> None:
    done = cli(tmp_path / "data", "auto", "check", "64493-50", port=free_port())
    assert done.returncode == 0 and "corrected claim: 64493-50" in done.stdout, done.stderr


def test_an_explicit_server_that_is_down_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    done = cli(tmp_path / "data", f"http://127.0.0.1:{free_port()}", "check", "64493-50")
    assert done.returncode == 1
    assert "cannot reach the advisor server" in done.stderr and "ADVISOR_SERVER_URL=off" in done.stderr


def test_a_bad_server_url_setting_is_named(tmp_path: Path) -> None:
    done = cli(tmp_path / "data", "localhost:8000", "check", "64493-50")
    assert done.returncode == 2 and "ADVISOR_SERVER_URL" in done.stderr and "Traceback" not in done.stderr


def test_serve_with_two_workers_builds_once_and_both_answer(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_DATA_DIR": str(data), "ADVISOR_EMBEDDER": "fake", "PYTHONUNBUFFERED": "1"})
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--workers", "2", "--port", str(port)],
                                env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        workers: dict[int, str] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (len(workers) == 2 and set(workers.values()) == {"ready"}):
            try:
                health = httpx.get(f"{url}/healthz", timeout=5).json()
                workers[health["worker"]] = health["index"]
            except httpx.HTTPError:
                time.sleep(0.2)
        assert len(workers) == 2 and set(workers.values()) == {"ready"}, (workers, log_path.read_text())
        bodies = [httpx.post(f"{url}/api/search", json={"query": f"facet level {n}", "k": 3}, timeout=30)
                  for n in range(12)]
        assert all(b.status_code == 200 and len(b.json()["results"]) == 3 for b in bodies)
        again = [httpx.post(f"{url}/api/search", json={"query": "facet level 3", "k": 3}, timeout=30).json()
                 for _ in range(6)]
        assert all(a == bodies[3].json() for a in again)  # both workers read the same index
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    log = log_path.read_text()
    assert log.count("guidance index ready") == 2, log
    assert len(re.findall(r"guidance index building: 100%", log)) == 1, log  # built by one worker only


HEAVY = ("chromadb", "onnxruntime", "sentence_transformers", "torch", "langchain", "langchain_core", "numpy")


@pytest.mark.parametrize("mode", ["off", "served"])
def test_check_loads_no_model_store_or_llm_library(server: LiveServer, mode: str) -> None:
    """`advisor check` cold stays well under 1 s because it never imports the retrieval or LLM stack."""
    code = ("import sys\nsys.argv = ['advisor', 'check', '99213-25', '64493-50']\nfrom advisor.cli import app\n"
            "try:\n    app()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_DATA_DIR": str(server.data_dir), "NO_PROXY": "127.0.0.1,localhost",
                "ADVISOR_SERVER_URL": "off" if mode == "off" else server.url})
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert "corrected claim: 99213-25, 64493-50" in done.stdout
    assert "LOADED []" in done.stdout, done.stdout
