"""`advisor`: the command line (serve, check, and the commands each feature module registers)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from advisor.claims import join_unit_args
from advisor.errors import AdvisorError
from advisor.settings import get_settings

app = typer.Typer(help="Pain Coding Advisor: interventional pain coding, checked by a rules engine.",
                  no_args_is_help=True)


def fail(message: str, code: int = 2) -> None:
    """Print a user-facing error to stderr and exit (2 = bad input)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="Worker processes, each with its own model "
                                                "(default ADVISOR_WORKERS, 1); the index is built once and shared.")]
    = None,
) -> None:
    """Start the web app and JSON API."""
    import uvicorn

    from advisor.settings import auth_problem

    settings = get_settings()
    workers = workers or settings.workers
    host, port = host or settings.host, port or settings.port
    problem = auth_problem(settings, host)
    if problem:
        fail(problem)
    if settings.auth and not (settings.oidc_enabled or settings.trusted_proxies):
        from advisor.services import Services

        if not Services(settings).accounts.list_users():
            typer.echo("note: sign-in is on and there are no accounts yet: create one with `advisor users add NAME "
                       "--role admin`", err=True)
    # With a trusted proxy, its own address must reach advisor.api.auth, which alone decides whom to trust with
    # X-Forwarded-* and the user header (uvicorn would otherwise replace it by X-Forwarded-For's).
    proxy_headers = not settings.trusted_proxies
    if workers == 1:
        from advisor.api.app import create_app

        # the app knows the interface it is served on (/mcp guards against DNS rebinding on loopback only)
        uvicorn.run(create_app(settings.model_copy(update={"host": host, "port": port})), host=host, port=port,
                    log_level="info", proxy_headers=proxy_headers)
        return
    # Several processes: uvicorn spawns each worker, which builds its own app (and model) from the environment.
    os.environ.update({"ADVISOR_HOST": host, "ADVISOR_PORT": str(port)})
    uvicorn.run("advisor.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", proxy_headers=proxy_headers)


@app.command("check")
def check_cmd(
    lines: Annotated[list[str] | None, typer.Argument(help="Claim lines, e.g. 99213-25 64493-50 '64636 x2'.")] = None,
    payer: Annotated[str | None, typer.Option(help="medicare | commercial")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="encounter.json: {lines, payer, facts}.")] = None,
    claim_type: Annotated[str | None, typer.Option(
        "--claim-type", help="professional (default; the physician's claim at any POS) | asc | hospital_outpatient")
    ] = None,
    mac: Annotated[str | None, typer.Option(
        "--mac", help="Medicare contractor whose LCDs apply: jurisdiction (J15, JE), MAC (CGS) or state (OH); "
                      "overrides ADVISOR_MAC.")] = None,
    dos: Annotated[str | None, typer.Option("--dos", help="Date of service: 2026-03-14 or 03/14/2026.")] = None,
    setting: Annotated[str | None, typer.Option(
        "--setting", help="office (the physician's claim) | asc (the ASC facility claim) | facility (hospital "
                          "outpatient facility claim).")] = None,
    fact: Annotated[list[str] | None, typer.Option(
        "--fact", help="An encounter fact, key=value, repeatable: --fact separate_problem=true --fact "
                       "prior_sessions.esi=2 --fact imaging=fluoroscopy.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 on warnings too, not only on errors.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Check the claim lines of one date of service against the rules (on a running server when one is up).
    Exit 0 clean, 1 when the claim has errors (warnings too with --strict), 2 for input it cannot read."""
    from advisor.checkflags import exit_status, flag_facts, merge_facts
    from advisor.remote import exit_code, via_server
    from advisor.rules.engine import parse_check_body
    from advisor.rules.model import CheckResult

    body: dict[str, Any] = {}
    if file is not None:
        try:
            body = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"{file}: cannot read encounter JSON ({exc})")
        if not isinstance(body, dict):
            fail(f"{file}: expected a JSON object with 'lines', 'payer' and 'facts'")
    if lines:
        body["lines"] = list(body.get("lines", [])) + join_unit_args(lines)
    if payer is not None:
        body["payer"] = payer
    if not body.get("lines"):
        fail("give claim lines, e.g. `advisor check 99213-25 64493-50`, or --file encounter.json")
    settings = get_settings()
    try:
        # the named flags, each a fact of the encounter (a new flag such as --claim-type is one more entry)
        named = {"date_of_service": dos, "setting": setting, "claim_type": claim_type, "mac": mac}
        body = merge_facts(body, flag_facts(fact or [], named))
        claim, facts = parse_check_body(body)  # validated here either way, so bad input fails alike
        served = via_server(settings, "POST", "/api/check", body)
        if served is not None:
            result = CheckResult.model_validate(served)
        else:
            from advisor.rules.engine import check
            from advisor.services import build_catalog

            result = check(claim, facts, build_catalog(settings))
    except AdvisorError as exc:
        fail(exc.message, exit_code(exc))
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        from advisor.rules.render import render_check

        typer.echo(render_check(result))
    raise typer.Exit(exit_status(result.status, strict))


@app.command("ask")
def ask_cmd(
    question: Annotated[str, typer.Argument(help="The coding question, in your own words.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full answer as JSON.")] = False,
    payer: Annotated[str | None, typer.Option(help="medicare | commercial (overrides the question).")] = None,
    conversation: Annotated[str | None, typer.Option(help="Continue this conversation id.")] = None,
    locality: Annotated[str | None, typer.Option(
        "--locality", help="Medicare locality of the answer's payment estimate: MAC-locality (01182-18), state and "
                           "locality (CA-18) or a unique part of its name (`advisor localities` lists them).")] = None,
    plain: Annotated[bool, typer.Option("--plain", help="Print the answer's Markdown raw instead of rendering it "
                                                        "for the terminal.")] = False,
) -> None:
    """Answer a coding question: verdict, claim lines from the rules engine, and cited guidance (on a running
    server when one is up)."""
    from pydantic import ValidationError

    from advisor.answer.commands import run_ask
    from advisor.remote import exit_code

    settings = get_settings()
    try:
        markdown: Callable[[str], str] | None = None
        if not (plain or as_json):
            from advisor.terminal import render_markdown

            markdown = render_markdown
        typer.echo(run_ask(settings, question, payer, conversation, as_json, markdown, locality))
    except ValidationError as exc:
        fail("; ".join(str(e.get("msg", "invalid")).removeprefix("Value error, ") for e in exc.errors()))
    except AdvisorError as exc:
        fail(exc.message, exit_code(exc))


def _register_retrieval() -> None:
    """`advisor ingest`, `advisor search` and the `advisor eval` sub-app (retrieval; answers later)."""
    from advisor.evaluation import eval_app
    from advisor.retrieval.commands import ingest_cmd, search_cmd

    app.command("ingest")(ingest_cmd)
    app.command("search")(search_cmd)
    app.add_typer(eval_app, name="eval")


_register_retrieval()


def _register_data() -> None:
    """`advisor data import|status|remove|diff`: the official CMS tables (advisor/data)."""
    from advisor.data.commands import data_app

    app.add_typer(data_app, name="data")


_register_data()


def _register_audit() -> None:
    """`advisor audit CLAIMS.csv` (practice audit; imports its heavy parts lazily)."""
    from advisor.audit.commands import audit_cmd

    app.command("audit")(audit_cmd)


_register_audit()


def _register_encoder() -> None:
    """`advisor code`, `advisor pair`, `advisor modifiers`, `advisor estimate`: the encoder view (advisor/encoder)."""
    from advisor.encoder.commands import code_cmd, estimate_cmd, localities_cmd, modifiers_cmd, pair_cmd

    app.command("code")(code_cmd)
    app.command("estimate")(estimate_cmd)
    app.command("localities")(localities_cmd)
    app.command("pair")(pair_cmd)
    app.command("modifiers")(modifiers_cmd)


_register_encoder()


def _register_sources() -> None:
    """`advisor sources --check | --report`: primary-source coverage of the catalog and the knowledge documents."""
    from advisor.sourcing.commands import sources_cmd

    app.command("sources")(sources_cmd)


_register_sources()


def _register_store() -> None:
    """`advisor access-log` and `advisor retention run` (advisor/store)."""
    from advisor.store.commands import access_log_cmd, retention_app

    app.command("access-log")(access_log_cmd)
    app.add_typer(retention_app, name="retention")


_register_store()


def _register_users() -> None:
    """`advisor users add|list|remove|set-role|set-password` (advisor/auth)."""
    from advisor.auth.commands import users_app

    app.add_typer(users_app, name="users")


_register_users()


def _register_mcp() -> None:
    """`advisor mcp`: the MCP server over stdio (advisor/mcp; the SDK is imported only when it runs)."""
    from advisor.mcp.commands import mcp_cmd

    app.command("mcp")(mcp_cmd)


_register_mcp()


def main() -> None:
    """Entry point of the `advisor` script and `python -m advisor`."""
    from pydantic import ValidationError

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ValidationError as exc:  # an ADVISOR_* setting with a bad value: name it instead of a traceback
        if exc.title != "Settings":
            raise
        for err in exc.errors():
            where = "ADVISOR_" + "_".join(str(p) for p in err["loc"]).upper()
            typer.echo(f"error: {where}: {str(err['msg']).removeprefix('Value error, ')}", err=True)
        sys.exit(2)
