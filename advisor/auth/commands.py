"""`advisor users add|list|remove|set-role|set-password`: the accounts sign-in uses (ADVISOR_AUTH=true), in the
server's database (the same ADVISOR_DATA_DIR or ADVISOR_DATABASE_URL as `advisor serve`)."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Annotated

import typer

from advisor.errors import AdvisorError
from advisor.store.commands import record_cli

if TYPE_CHECKING:
    from advisor.auth.accounts import AccountStore

users_app = typer.Typer(help="Accounts for sign-in (ADVISOR_AUTH=true): add, list, remove, set-role, set-password.",
                        no_args_is_help=True)
PASSWORD_ENV = "ADVISOR_NEW_PASSWORD"


def _accounts() -> AccountStore:
    from advisor.services import Services
    from advisor.settings import get_settings

    return Services(get_settings()).accounts


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _password(given: str | None, confirm: bool = True) -> str:
    """The password: ADVISOR_NEW_PASSWORD (scripts), else asked for without echo (twice)."""
    if given:
        return given
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))


@users_app.command("add")
def add_cmd(
    name: Annotated[str, typer.Argument(help="The sign-in name (letters, digits, . _ @ + -), e.g. an e-mail.")],
    role: Annotated[str, typer.Option(help="coder | lead | admin")] = "coder",
    sso: Annotated[bool, typer.Option("--sso", help="Signs in through OIDC (no password): the role applies when "
                                      "they first sign in with this name.")] = False,
) -> None:
    """Add an account. The password is asked for (or read from ADVISOR_NEW_PASSWORD); at least 10 characters."""
    try:
        accounts = _accounts()
        password = None if sso else _password(os.environ.get(PASSWORD_ENV))
        account = accounts.add_user(name, role, password, origin="oidc" if sso else "local")
    except AdvisorError as exc:
        _fail(exc.message)
    record_cli("user.create", account.id, role=account.role)
    typer.echo(f"added {account.name} ({account.role}, {'single sign-on' if sso else 'password'})")


@users_app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the accounts: name, role, how they sign in."""
    found = _accounts().list_users()
    if as_json:
        typer.echo(json.dumps([a.model_dump(mode="json") for a in found], indent=2))
        return
    if not found:
        typer.echo("no accounts yet: advisor users add NAME --role admin")
    for a in found:
        typer.echo(f"{a.name}\t{a.role}\t{a.origin}\t{a.created:%Y-%m-%d}")


@users_app.command("remove")
def remove_cmd(
    name: Annotated[str, typer.Argument(help="The account to remove.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Remove an account with its sessions, API tokens and its whole history (conversations, feedback)."""
    if not yes:
        typer.confirm(f"Remove {name} and all of their history?", abort=True)
    try:
        account = _accounts().remove_user(name)
    except AdvisorError as exc:
        _fail(exc.message)
    record_cli("user.delete", account.id)
    typer.echo(f"removed {account.name}")


@users_app.command("set-role")
def set_role_cmd(
    name: Annotated[str, typer.Argument(help="The account.")],
    role: Annotated[str, typer.Argument(help="coder | lead | admin")],
) -> None:
    """Change an account's role (takes effect on its next request)."""
    try:
        account = _accounts().set_role(name, role)
    except AdvisorError as exc:
        _fail(exc.message)
    record_cli("user.update", account.id, role=account.role)
    typer.echo(f"{account.name} is now {account.role}")


@users_app.command("set-password")
def set_password_cmd(name: Annotated[str, typer.Argument(help="The account.")]) -> None:
    """Set a new password (asked for, or ADVISOR_NEW_PASSWORD); the account's sessions are signed out."""
    try:
        accounts = _accounts()
        account = accounts.set_password(name, _password(os.environ.get(PASSWORD_ENV)))
    except AdvisorError as exc:
        _fail(exc.message)
    record_cli("user.update", account.id, password=True)
    typer.echo(f"new password set for {account.name}")
