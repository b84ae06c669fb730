"""`advisor access-log` (read the access log) and `advisor retention run` (delete conversations past
ADVISOR_RETENTION_DAYS now), on the project database the server uses."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import Annotated

import typer

from advisor.errors import AdvisorError

DAY = "%Y-%m-%d"
retention_app = typer.Typer(help="Retention of conversations (ADVISOR_RETENTION_DAYS).", no_args_is_help=True)


def cli_actor() -> str:
    """The access log's actor for the command line: the operating-system account that ran it."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "unknown"
    from advisor.store.access import as_token

    return "cli:" + as_token(account)[:60]


def record_cli(action: str, target: str | None = None, **detail: int | str | bool) -> None:
    """Log a command-line action in the access log; a log that cannot be written is a warning (the action is done)."""
    from advisor.services import Services
    from advisor.settings import get_settings
    from advisor.store.access import as_token

    try:
        Services(get_settings()).access.record(cli_actor(), action, as_token(target) if target else None, detail)
    except Exception as exc:  # noqa: BLE001 - the action itself succeeded; say the log entry is missing
        typer.echo(f"warning: the access log could not be written ({type(exc).__name__})", err=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def access_log_cmd(
    user: Annotated[str | None, typer.Option(help="Only this actor: a user id, local, system, cli:<account>.")] = None,
    action: Annotated[str | None, typer.Option(help="An action (conversation.open) or its family (conversation).")]
    = None,
    since: Annotated[datetime | None, typer.Option(formats=[DAY], help="From this day (UTC), YYYY-MM-DD.")] = None,
    until: Annotated[datetime | None, typer.Option(formats=[DAY], help="To this day (UTC) inclusive, YYYY-MM-DD.")]
    = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many entries, newest first.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who signed in or out, opened, exported, imported or deleted what, and when (never question or answer text)."""
    from advisor.services import Services
    from advisor.settings import get_settings

    services = Services(get_settings())
    try:
        entries = services.access.entries(user=user, action=action, since=since.date() if since else None,
                                          until=until.date() if until else None, limit=limit)
    except AdvisorError as exc:
        _fail(exc.message)
    record_cli("access_log.read", entries=len(entries))
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in entries], indent=2))
        return
    if not entries:
        typer.echo("no access-log entries match")
    for e in entries:
        detail = " ".join(f"{k}={v}" for k, v in (e.detail or {}).items())
        parts = [e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, e.target or "-", e.address or "-", detail]
        typer.echo("  ".join(parts).rstrip())


@retention_app.command("run")
def retention_run_cmd(
    days: Annotated[int | None, typer.Option(min=1, help="Delete conversations last active more than this many days "
                                                        "ago (default ADVISOR_RETENTION_DAYS).")] = None,
) -> None:
    """Delete conversations past the retention period now (their turns and corrections too; feedback ratings stay).
    The deletion is logged in the access log, counts only."""
    from advisor.services import Services
    from advisor.settings import get_settings
    from advisor.store.retention import delete_inactive

    settings = get_settings()
    days = days or settings.retention_days
    if days is None:
        _fail("no retention period: set ADVISOR_RETENTION_DAYS or pass --days N")
        return
    services = Services(settings)
    result = delete_inactive(services.store, days, services.access, actor=cli_actor())
    typer.echo(f"deleted {result.conversations} conversations ({result.turns} turns, {result.corrections} "
               f"corrections) last active before {result.cutoff:%Y-%m-%d %H:%M} UTC ({days} days)")
