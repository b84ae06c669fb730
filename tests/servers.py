"""Throwaway backing servers for tests and benchmarks: a PostgreSQL cluster (initdb + pg_ctl as the postgres user)
and a `chroma run` server, each on a free loopback port, removed when the block ends.

Plain context managers raising `Missing` (with the reason) when a server cannot be had here, so pytest fixtures turn
that into a skip and benchmarks into a message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import free_port

PG_BIN_DIRS = [Path("/usr/local/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]
CHROMA = Path(sys.executable).parent / "chroma"


class Missing(RuntimeError):
    """The server cannot be started on this machine (the message says why)."""


def _pg_tool(name: str) -> str | None:
    for directory in [*PG_BIN_DIRS, *sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)]:
        if (directory / name).is_file():
            return str(directory / name)
    return shutil.which(name)


@contextmanager
def postgres_cluster(install: Callable[[str], None] | None = None, max_connections: int = 300) -> Iterator[str]:
    """A fresh cluster's URL (user advisor, trust auth, fsync off), or ADVISOR_TEST_POSTGRES_URL when set.
    `install` is called with the Debian package name when the binaries are missing and this is root."""
    given = os.environ.get("ADVISOR_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not (initdb and pg_ctl) and os.geteuid() == 0 and install is not None:
        install("postgresql")  # Debian's server package: initdb and pg_ctl under /usr/lib/postgresql/*/bin
        initdb, pg_ctl = _pg_tool("initdb"), _pg_tool("pg_ctl")
    if not (initdb and pg_ctl):
        raise Missing("no PostgreSQL binaries (initdb, pg_ctl) and no ADVISOR_TEST_POSTGRES_URL")
    if os.geteuid() != 0:
        raise Missing("a throwaway cluster needs root (to run initdb as postgres); set ADVISOR_TEST_POSTGRES_URL")
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        raise Missing("no postgres user to run the throwaway cluster") from None
    base = Path(tempfile.mkdtemp(prefix="advisor-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    shutil.chown(base, "postgres")
    shutil.chown(sock, "postgres")
    port = free_port()
    run = {"user": "postgres", "capture_output": True, "text": True, "timeout": 120, "cwd": base}
    done = subprocess.run([initdb, "-D", str(data), "-A", "trust", "-U", "advisor", "-E", "UTF8"], **run)
    if done.returncode != 0:
        raise Missing(f"initdb failed: {done.stderr[-500:]}")
    opts = (f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            f"-c max_connections={max_connections}")
    done = subprocess.run([pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"], **run)
    if done.returncode != 0:
        raise Missing(f"pg_ctl start failed: {done.stderr[-500:]}")
    try:
        yield f"postgresql://advisor@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], **run)
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(url: str) -> str:
    """A new, empty database on the cluster of `url` (tests that must not see each other's rows)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


@contextmanager
def chroma_server(workdir: Path) -> Iterator[str]:
    """`chroma run` on a free loopback port with its data under `workdir`; yields http://127.0.0.1:PORT."""
    if not CHROMA.exists():
        raise Missing(f"the chroma CLI is missing at {CHROMA}")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = workdir / "chroma.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(workdir / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(log_path.read_text(errors="replace"))
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("chroma server did not start")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def advisor_serve(env: dict[str, str], workers: int, log_path: Path, timeout: float = 600.0) -> Iterator[str]:
    """`python -m advisor serve --workers N` on a free loopback port with `env` (ADVISOR_* from the caller's
    environment are dropped first); yields its URL once `workers` different processes report the index ready."""
    from tests.conftest import PROJECT_ROOT

    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    full.update({"ADVISOR_ENGINE": "offline", "NO_PROXY": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1", **env})
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(workers)], cwd=PROJECT_ROOT, env=full, stdout=log,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        ready: set[int] = set()
        deadline = time.monotonic() + timeout
        while len(ready) < workers:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"advisor serve did not come up:\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                health = httpx.get(f"{url}/healthz", timeout=5).json()  # a new connection: any worker may answer
                if health["index"] == "ready":
                    ready.add(health["worker"])
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
