"""Shared test fixtures. Add yours below; don't rewrite others'."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- system packages the tests need


def apt_install(package: str) -> None:
    """Install a Debian package with apt (the dev and CI machines run as root); fail the test with apt's output."""
    if shutil.which("apt-get") is None:
        pytest.fail(f"{package} is missing and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", package]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


# --------------------------------------------------------------------------- live server (real uvicorn, real HTTP)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`uvicorn advisor.api.app:create_app --factory` in a subprocess on a free loopback port.

    Settings come from ADVISOR_* environment variables: a temp data dir, the fake (hashing) embedder and the
    offline engine unless `env` says otherwise. stop() and start() again on the same data dir = a restart.
    """

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, app: str = "advisor.api.app:create_app"):
        self.data_dir = Path(data_dir)
        self.app = app
        self.extra_env = dict(env or {})
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-server.log"

    @property
    def url(self) -> str:
        assert self.port is not None, "server not started"
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
        env.update(
            {
                "ADVISOR_DATA_DIR": str(self.data_dir),
                "ADVISOR_EMBEDDER": "fake",
                "ADVISOR_ENGINE": "offline",
                "PYTHONUNBUFFERED": "1",
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        """The server process (a subclass may run `advisor serve` instead)."""
        return [sys.executable, "-m", "uvicorn", self.app, "--factory", "--host", "127.0.0.1",
                "--port", str(self.port), "--log-level", "warning", "--no-access-log"]

    def start(self, timeout: float = 120.0, ready_path: str = "/api/conversations") -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            self.command(),
            cwd=PROJECT_ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + ready_path, timeout=2).status_code < 500:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


def _server_factory(base: Path) -> tuple[Callable[..., LiveServer], list[LiveServer]]:
    made: list[LiveServer] = []

    def make(data_dir: Path | None = None, env: dict[str, str] | None = None, **kw: str) -> LiveServer:
        server = LiveServer(data_dir or base / f"data{len(made)}", env=env, **kw)
        made.append(server)
        return server

    return make, made


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Build (not start) LiveServers on temp data dirs; every one is stopped at teardown."""
    make, made = _server_factory(tmp_path)
    yield make
    for server in made:
        server.stop()


@pytest.fixture(scope="session")
def session_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    """Like live_server_factory, for servers shared by a whole module or session."""
    make, made = _server_factory(tmp_path_factory.mktemp("servers"))
    yield make
    for server in made:
        server.stop()


# --------------------------------------------------------------------------- the real model on ONNX Runtime


@pytest.fixture(scope="session")
def onnx_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model cache (ADVISOR_MODEL_CACHE_DIR) shared by the session: the ONNX export runs once, not per test."""
    return tmp_path_factory.mktemp("model-cache")


# --------------------------------------------------------------------------- the CLI works in process in tests

# `advisor ask|search|check` would hand their work to an advisor answering on 127.0.0.1:8000 (ADVISOR_SERVER_URL
# auto); a test that runs the CLI must not reach whatever server happens to run on this machine. Tests of the
# served path set ADVISOR_SERVER_URL themselves (tests/test_remote_cli.py).
os.environ.setdefault("ADVISOR_SERVER_URL", "off")


# --------------------------------------------------------------------------- PostgreSQL and Chroma servers


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster shared by the session (tests/servers.py), or ADVISOR_TEST_POSTGRES_URL;
    skipped where neither can be had."""
    from tests.servers import Missing, postgres_cluster

    cluster = postgres_cluster(install=apt_install)
    try:
        url = cluster.__enter__()
    except Missing as exc:
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        cluster.__exit__(None, None, None)


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    """A `chroma run` server on loopback for one test (tests/servers.py)."""
    from tests.servers import chroma_server

    with chroma_server(tmp_path / "chroma") as url:
        yield url
