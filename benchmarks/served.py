"""The app under uvicorn in its own process, for benchmarks that time it over real HTTP (bench_codes, bench_rules):
started on a loopback port with the caller's environment, waited for until /healthz answers, stopped afterwards."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def served_app(env: dict[str, str], port: int, timeout: float) -> Iterator[httpx.Client]:
    """A client on a fresh `uvicorn advisor.api.app:create_app` server (its own process, so the clients' Python does
    not share the server's GIL); the server is terminated when the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "advisor.api.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            yield client
    finally:
        proc.terminate()
        proc.wait(timeout=10)
