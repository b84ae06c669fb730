"""deploy/compose.yaml (Docker is not available here, so the file is checked, not run): valid YAML, the three
parts wired to each other, and every ADVISOR_* it sets is a field of the one settings class, with a value that
class accepts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from advisor.settings import Settings
from advisor.settings import is_postgres

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def resolved(value: str) -> str:
    """Compose's `${VAR:-default}` as it reads with VAR unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def test_compose_has_the_app_postgres_and_chroma() -> None:
    services = compose()["services"]
    assert set(services) == {"app", "postgres", "chroma"}
    app = services["app"]
    assert (DEPLOY.parent / app["build"]["context"].replace("..", ".") / app["build"]["dockerfile"]).is_file()
    assert app["depends_on"] == {"postgres": {"condition": "service_healthy"}, "chroma": {"condition":
                                 "service_started"}}  # fmt: skip
    assert all(p.startswith("127.0.0.1:") for p in app["ports"])  # no unauthenticated API on every interface
    for name in ("app", "postgres", "chroma"):
        assert all(v.split(":")[0] in compose()["volumes"] for v in services[name]["volumes"]
                   if not v.startswith("./"))


def test_every_advisor_variable_is_a_setting_with_a_valid_value() -> None:
    env = {k: resolved(str(v)) for k, v in compose()["services"]["app"]["environment"].items()}
    names = [k for k in env if k.startswith("ADVISOR_")]
    assert names == list(env), "the app's environment holds only ADVISOR_* settings"
    unknown = [k for k in names if k.removeprefix("ADVISOR_").lower() not in Settings.model_fields]
    assert not unknown, f"not fields of advisor/settings.py: {unknown}"
    settings = Settings(**{k.removeprefix("ADVISOR_").lower(): v for k, v in env.items()})  # validates each value
    assert settings.workers == 4 and settings.engine == "offline" and settings.remote_llm == "forbid"


def test_the_app_points_at_the_compose_services() -> None:
    services = compose()["services"]
    env = {k: resolved(str(v)) for k, v in services["app"]["environment"].items()}
    database = urlparse(env["ADVISOR_DATABASE_URL"])
    assert is_postgres(env["ADVISOR_DATABASE_URL"]) and database.hostname == "postgres" and database.port == 5432
    pg_env = services["postgres"]["environment"]
    assert (database.username, database.path.lstrip("/")) == (pg_env["POSTGRES_USER"], pg_env["POSTGRES_DB"])
    assert database.password == resolved(pg_env["POSTGRES_PASSWORD"])
    chroma = urlparse(env["ADVISOR_CHROMA_URL"])
    assert (chroma.hostname, chroma.port) == ("chroma", 8000)
    max_connections = int(services["postgres"]["command"][-1].split("=")[1])
    assert int(env["ADVISOR_WORKERS"]) * (10 + 20 + 4 + 8) < max_connections  # the pools' ceilings (store, CMS)
