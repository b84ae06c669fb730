"""Servers with sign-in on (ADVISOR_AUTH=true), real uvicorn over real HTTP, and accounts made beforehand in the
server's own database through the same AccountStore `advisor users add` uses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from advisor.api.principal import Principal
from advisor.services import Services
from advisor.settings import Settings
from tests.conftest import LiveServer

PASSWORD = "correct-horse-battery"
AUTH_ENV = {"ADVISOR_AUTH": "true", "ADVISOR_INDEX_ON_START": "false"}


@dataclass
class Team:
    """A signed-in server: one API token per account name, and the accounts' principals."""

    server: LiveServer
    tokens: dict[str, str] = field(default_factory=dict)
    people: dict[str, Principal] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, name: str | None) -> httpx.Client:
        """An HTTP client acting as `name` through its API token (None: anonymous)."""
        headers = {"Authorization": f"Bearer {self.tokens[name]}"} if name else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def session(self, name: str, password: str = PASSWORD) -> tuple[httpx.Client, str]:
        """A browser-like client signed in with name and password: (client with its cookies, CSRF token)."""
        client = httpx.Client(base_url=self.url, timeout=60)
        r = client.post("/api/auth/login", json={"name": name, "password": password})
        assert r.status_code == 200, r.text
        return client, r.json()["csrf"]


def make_accounts(data_dir: Path, people: dict[str, str]) -> Team:
    """Accounts name -> role (password PASSWORD) and a token each, written before the server starts."""
    accounts = Services(Settings(data_dir=data_dir, database_url=None)).accounts
    team = Team(server=None)  # type: ignore[arg-type]
    for name, role in people.items():
        account = accounts.add_user(name, role, PASSWORD)
        principal = Principal(id=account.id, name=account.name, role=account.role)
        team.people[name] = principal
        team.tokens[name] = accounts.create_token(principal, "tests").token
    accounts.store.close()
    return team


@pytest.fixture
def team_factory(tmp_path: Path) -> Iterator[Callable[..., Team]]:
    """Start a sign-in server with these accounts (name -> role)."""
    made = 0

    def make(people: dict[str, str], env: dict[str, str] | None = None,
             server_class: type[LiveServer] = LiveServer) -> Team:
        nonlocal made
        data_dir = tmp_path / f"auth{made}"
        made += 1
        team = make_accounts(data_dir, people)
        team.server = server_class(data_dir, env={**AUTH_ENV, **(env or {})})
        servers.append(team.server)
        team.server.start(ready_path="/healthz")
        return team

    servers: list[LiveServer] = []
    yield make
    for server in servers:
        server.stop()

    return make


@pytest.fixture(scope="module")
def team(session_server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory) -> Team:
    """One sign-in server per module: a coder, a lead, an admin and a second coder."""
    data_dir = tmp_path_factory.mktemp("team") / "data"
    team = make_accounts(data_dir, {"carla": "coder", "leo": "lead", "ada": "admin", "bob": "coder"})
    team.server = session_server_factory(data_dir, env=AUTH_ENV).start(ready_path="/healthz")
    return team
