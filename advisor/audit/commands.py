"""`advisor audit CLAIMS.csv [--report audit.html] [--out findings.csv]`: audit a practice's claim-line export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from advisor.audit.service import AuditResult  # imported at call time: the CLI starts without the audit stack


def audit_cmd(
    claims: Annotated[Path, typer.Argument(help="CSV export of claim lines (see `advisor.audit.csv_input`).")],
    report: Annotated[Path | None, typer.Option("--report", help="Write the HTML report here.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the findings CSV here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
    mod25_threshold: Annotated[
        float | None, typer.Option("--mod25-threshold", min=0.0, max=1.0, help="Flag providers above this rate.")
    ] = None,
    claim_type: Annotated[str, typer.Option(
        "--claim-type", help="The file's claim type where it has no claim type column: professional (default; a "
                             "physician's export, whatever the POS), asc or hospital_outpatient.")] = "professional",
    mac: Annotated[str | None, typer.Option(
        "--mac", help="The file's MAC (J15, JE, CGS, OH...) where it has no mac column; default ADVISOR_MAC.")] = None,
) -> None:
    """Check every claim in a CSV export and report the panel patterns auditors look for."""
    from advisor.audit.csv_input import map_claim_type
    from advisor.audit.service import findings_csv, options_from, run_audit
    from advisor.errors import AdvisorError
    from advisor.settings import get_settings

    settings = get_settings()
    options = options_from(settings)
    if mod25_threshold is not None:
        options = options.model_copy(update={"mod25_threshold": mod25_threshold})
    try:
        kind = map_claim_type(claim_type)
    except ValueError as exc:
        typer.echo(f"error: --claim-type: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        result = run_audit(claims, settings, options=options, claim_type=kind, mac=mac)
    except AdvisorError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    try:
        if report is not None:
            from advisor.audit.report import render_report

            report.write_text(render_report(result, title=f"Practice audit: {claims.name}",
                                            mod25_threshold=options.mod25_threshold), encoding="utf-8")
        if out is not None:
            out.write_text(findings_csv(result), encoding="utf-8", newline="")
    except OSError as exc:
        typer.echo(f"error: cannot write output: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    typer.echo(render_text(result))
    if report is not None:
        typer.echo(f"report: {report}")
    if out is not None:
        typer.echo(f"findings: {out}")


def render_text(result: AuditResult) -> str:
    s = result.summary
    lines = [
        f"{s.claims:,} claims, {s.lines:,} lines, {s.providers} providers, {s.patients} patients "
        f"({s.first_dos} to {s.last_dos}); read in {s.seconds:.1f} s",
        f"claims with errors: {s.claims_with_errors:,} ({s.error_rate * 100:.1f}%), "
        f"with warnings: {s.claims_with_warnings:,} ({s.warning_rate * 100:.1f}%)",
    ]
    if s.malformed_rows:
        lines.append(f"malformed rows skipped: {s.malformed_rows}")
        lines += [f"  line {e.line}: {e.reason}" for e in result.row_errors[:10]]
        if s.malformed_rows > 10:
            lines.append(f"  … {s.malformed_rows - 10} more (see --out findings.csv)")
    lines += [f"note: {n}" for n in s.notes]
    lines.append("patterns:")
    for p in result.patterns:
        mark = "FLAG" if p.flagged else "ok  "
        lines.append(f"  {mark} {p.id}: {p.title}")
        for f in p.flags[:5]:
            lines.append(f"       - {f.subject}: {f.message}")
        if len(p.flags) > 5:
            lines.append(f"       … {len(p.flags) - 5} more")
    if s.findings_by_rule:
        lines.append("findings by rule: " + ", ".join(f"{k} {v}" for k, v in s.findings_by_rule.items()))
    return "\n".join(lines)
