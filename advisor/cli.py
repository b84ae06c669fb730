"""`advisor`: the command line (serve, check, and the commands each feature module registers)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from advisor.errors import AdvisorError
from advisor.settings import get_settings

app = typer.Typer(help="Pain Coding Advisor: interventional pain coding, checked by a rules engine.", no_args_is_help=True)


def fail(message: str, code: int = 2) -> None:
    """Print a user-facing error to stderr and exit (2 = bad input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Interface to bind.")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Start the web app and JSON API."""
    import uvicorn

    from advisor.api.app import create_app

    settings = get_settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port, log_level="info")


@app.command("check")
def check_cmd(
    lines: Annotated[Optional[list[str]], typer.Argument(help="Claim lines, e.g. 99213-25 64493-50 '64636 x2'.")] = None,
    payer: Annotated[Optional[str], typer.Option(help="medicare | commercial")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="encounter.json: {lines, payer, facts}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check the claim lines of one date of service against the rules."""
    from advisor.rules.engine import check_request

    body: dict[str, Any] = {}
    if file is not None:
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"{file}: cannot read encounter JSON ({exc})")
        if not isinstance(body, dict):
            fail(f"{file}: expected a JSON object with 'lines', 'payer' and 'facts'")
    if lines:
        body["lines"] = list(body.get("lines", [])) + lines
    if payer is not None:
        body["payer"] = payer
    if not body.get("lines"):
        fail("give claim lines, e.g. `advisor check 99213-25 64493-50`, or --file encounter.json")
    try:
        result = check_request(body)
    except AdvisorError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    from advisor.rules.render import render_check

    typer.echo(render_check(result))


def main() -> None:
    """Entry point of the `advisor` script and `python -m advisor`."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
