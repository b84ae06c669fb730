"""Safe by default: `advisor serve` binds loopback unless told otherwise and then runs in single-user mode (no
sign-in, said by /api/auth/me and the page); asked to bind any other interface without sign-in it refuses to start
(exit 2, naming the setting), and with ADVISOR_AUTH=true it starts and asks for credentials."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from advisor.settings import Settings, auth_problem
from tests.conftest import PROJECT_ROOT, LiveServer, free_port

pytestmark = pytest.mark.slow


class ServeCommand(LiveServer):
    """`advisor serve` itself (the command `make run` runs), on the port the test picks."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None, host: str | None = None) -> None:
        super().__init__(data_dir, env)
        self.host = host

    def command(self) -> list[str]:
        host = ["--host", self.host] if self.host else []
        return [sys.executable, "-m", "advisor", "serve", *host, "--port", str(self.port)]


def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    environment.update({"ADVISOR_DATA_DIR": str(tmp_path / "data"), "ADVISOR_EMBEDDER": "fake", **(env or {})})
    return subprocess.run([sys.executable, "-m", "advisor", "serve", *args], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_the_default_interface_is_loopback() -> None:
    assert Settings(_env_file=None).host == "127.0.0.1"  # type: ignore[call-arg]
    assert not Settings(_env_file=None).auth  # type: ignore[call-arg]
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert auth_problem(Settings(auth=False), host) is None, host
    for host in ("0.0.0.0", "::", "192.168.1.20", "advisor.example.org"):
        assert auth_problem(Settings(auth=False), host) is not None, host
        assert auth_problem(Settings(auth=True), host) is None, host


def test_make_runs_command_serves_single_user_mode_on_loopback(tmp_path: Path) -> None:
    server = ServeCommand(tmp_path / "data", env={"ADVISOR_INDEX_ON_START": "false"})
    try:
        server.start(ready_path="/healthz")
        me = httpx.get(server.url + "/api/auth/me", timeout=30).json()
        assert me == {"id": "local", "name": "local", "role": "admin", "via": "single-user", "mode": "single-user",
                      "csrf": None}
        assert httpx.get(server.url + "/api/auth/config", timeout=30).json()["mode"] == "single-user"
        assert httpx.get(server.url + "/api/conversations", timeout=30).status_code == 200
        assert f"Uvicorn running on http://127.0.0.1:{server.port}" in server.log_tail()
    finally:
        server.stop()


@pytest.mark.parametrize(("args", "env"), [
    (("--host", "0.0.0.0"), {}),
    ((), {"ADVISOR_HOST": "0.0.0.0"}),
    (("--host", "::"), {"ADVISOR_AUTH": "false"}),
])
def test_serve_refuses_a_public_interface_without_sign_in(tmp_path: Path, args: tuple[str, ...],
                                                          env: dict[str, str]) -> None:
    port = free_port()
    done = serve(tmp_path, *args, "--port", str(port), env=env)
    assert done.returncode == 2, done.stderr
    assert "refusing to serve on" in done.stderr and "ADVISOR_AUTH=true" in done.stderr
    assert "advisor users add" in done.stderr and "Traceback" not in done.stderr
    with socket.socket() as sock:  # nothing was left listening
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_serve_on_a_public_interface_with_sign_in_asks_for_credentials(tmp_path: Path) -> None:
    server = ServeCommand(tmp_path / "data", env={"ADVISOR_AUTH": "true", "ADVISOR_INDEX_ON_START": "false"},
                          host="0.0.0.0")
    try:
        server.start(ready_path="/healthz")
        r = httpx.get(server.url + "/api/conversations", timeout=30)
        assert r.status_code == 401 and r.json()["error"] == "Unauthorized"
        assert httpx.get(server.url + "/api/auth/config", timeout=30).json()["mode"] == "sign-in"
        assert "there are no accounts yet: create one with `advisor users add NAME --role admin`" in server.log_tail()
    finally:
        server.stop()


def test_a_trusted_proxy_that_is_not_an_address_is_named(tmp_path: Path) -> None:
    done = serve(tmp_path, env={"ADVISOR_AUTH": "true", "ADVISOR_TRUSTED_PROXIES": "10.0.0.5, proxy.local"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "ADVISOR_TRUSTED_PROXIES: 'proxy.local' is not an IP address or network" in done.stderr
