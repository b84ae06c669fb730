"""`advisor data import|status|remove|diff`: the official CMS tables in the local rules database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from advisor.data.backend import RulesDB
    from advisor.data.db import Loaded

data_app = typer.Typer(help="Official CMS tables (NCCI PTP, MUE, MPFS RVU, GPCI): import, status, remove, diff.",
                       no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _db() -> RulesDB:
    """The settings' rules database: PostgreSQL with ADVISOR_DATABASE_URL, else the SQLite file."""
    from advisor.data.backend import rules_db
    from advisor.settings import get_settings

    return rules_db(get_settings())


@data_app.command("import")
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="CMS files as downloaded: ccipra-*.zip/.txt/.xlsx, "
                                                     "MCR_MUE_PractitionerServices_Eff_*.csv/.xlsx/.zip, the RVU zip "
                                                     "(rvu26c-*.zip) or its PPRRVU*.csv and GPCI*.csv.")],
) -> None:
    """Load CMS tables into the rules database (one transaction; re-importing a version changes nothing)."""
    from advisor.data.db import import_paths, status

    db = _db()
    try:
        reports = import_paths(paths, db)
    except AdvisorError as exc:
        _fail(f"{exc.message} (nothing was imported)")
    from advisor.store.commands import record_cli

    for r in reports:
        record_cli("data.import", f"{r.table} {r.part}".strip(), rows=r.rows, status=r.status)
    for r in reports:
        part = f" {r.part}" if r.part else ""
        what = f"{r.rows:,} rows ({r.status})" if r.status != "unchanged" else "already loaded (unchanged)"
        typer.echo(f"{r.table}{part}: {what} from {r.where}")
    for e in status(db):
        if e.partial:
            typer.echo(f"note: {_partial(e)}")
    typer.echo(f"rules database: {db.where}")


def _partial(e: Loaded) -> str:
    return (f"{e.table} is partial: parts {', '.join(e.missing)} not imported; until they are, pairs whose column-1 "
            "code falls in their range are read from the curated pairs")


@data_app.command("status")
def status_cmd(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the imported tables: version, effective date, parts, rows."""
    from advisor.data.db import status

    loaded = status(_db())
    if as_json:
        typer.echo(json.dumps([{**vars(e), "partial": e.partial} for e in loaded], indent=2))
        return
    if not loaded:
        typer.echo("no CMS tables imported; the curated tables serve (advisor data import PATH...)")
        return
    for e in loaded:
        parts = f" parts {','.join(e.parts)}" if e.parts else ""
        typer.echo(f"{e.table:<28} effective {e.effective}{parts}  {e.rows:,} rows  imported {e.imported_at}"
                   + ("  PARTIAL" if e.partial else ""))
    for e in loaded:
        if e.partial:
            typer.echo(f"note: {_partial(e)}")


@data_app.command("remove")
def remove_cmd(
    version: Annotated[str, typer.Argument(help="e.g. v32.1r0, 'CMS PTP v32.1r0', 2026-01-01, '2026 A'.")],
) -> None:
    """Unload one imported table version."""
    from advisor.data.db import remove

    try:
        removed = remove(_db(), version)
    except AdvisorError as exc:
        _fail(exc.message)
    from advisor.store.commands import record_cli

    for table in removed:
        record_cli("data.remove", table)
        typer.echo(f"removed {table}")


@data_app.command("diff")
def diff_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    confirm: Annotated[bool, typer.Option("--confirm/--no-confirm",
                                          help="Also list agreements whose curated mark is not 'confirmed'.")] = True,
    on: Annotated[str | None, typer.Option("--date", help="Compare the tables in effect on this date "
                                                          "(2026-03-14 or 03/14/2026).")] = None,
) -> None:
    """Where the curated catalog (codes.yaml, ptp.yaml) disagrees with the imported CMS tables."""
    from advisor.data.diff import diff
    from advisor.data.tables import ImportedTables
    from advisor.dates import parse_date
    from advisor.rules.catalog import load_curated

    db = _db()
    if db.generation() is None:
        _fail("no CMS tables imported; run `advisor data import PATH...` first")
    try:
        day = parse_date(on, "--date") if on else None
    except ValueError as exc:
        _fail(str(exc))
    tables = ImportedTables(db)
    if tables.empty:
        _fail("no CMS tables imported; run `advisor data import PATH...` first")
    rows = [d for d in diff(load_curated(), tables, day) if confirm or d.kind != "confirm"]
    if as_json:
        typer.echo(json.dumps([d.to_dict() for d in rows], indent=2))
        return
    for d in rows:
        typer.echo(d.line())
    counts = {k: sum(d.kind == k for d in rows) for k in ("differs", "missing_in_cms", "missing_in_curated", "confirm")}
    typer.echo(", ".join(f"{n} {k}" for k, n in counts.items()))
