"""`advisor eval [--split dev|test|all] [--perturb] [--cases PATH] [--checks PATH] [--engine NAME] [--json]
[--report FILE.html] [--no-baseline]`: the default command of the `eval` sub-app (`advisor eval retrieval` stays a
sub-command)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from advisor.evaluation import eval_app
from advisor.evaluation.cases import DEFAULT_CHECKS


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@eval_app.callback(invoke_without_command=True)
def eval_cmd(
    ctx: typer.Context,
    split: Annotated[str, typer.Option("--split", help="dev (the cases the reader is tuned on), test (written blind, "
                                                        "never tuned on) or all.")] = "dev",
    perturb: Annotated[bool, typer.Option("--perturb", help="Metamorphic run: variants of every case that keep or "
                                                           "change its meaning; prints the consistency rate.")] = False,
    cases: Annotated[Path | None, typer.Option("--cases", help="Ask cases: a YAML file or a directory of them "
                                                               "(instead of --split).")] = None,
    checks: Annotated[Path, typer.Option("--checks", help="Claim-check cases (YAML).")] = DEFAULT_CHECKS,
    engine: Annotated[str | None, typer.Option("--engine", help="offline | openai | anthropic | ollama "
                                                                     "(default: settings.engine).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with every metric.")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="Also write an HTML report here.")] = None,
    no_baseline: Annotated[bool, typer.Option("--no-baseline", help="Skip the retrieval-only baseline.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
    threads: Annotated[int, typer.Option("--threads", min=0, help="torch threads for the embedding model "
                                         "(sentence-transformers only; 0 = torch's default).")] = 1,
) -> None:
    """Score the answer engine on eval/cases (and the rules engine on eval/checks.yaml) against a retrieval-only
    baseline: accuracy, verdicts, claim lines, citations, per tag, latency, every failure."""
    if ctx.invoked_subcommand is not None:
        return
    from advisor.errors import AdvisorError
    from advisor.evaluation.cases import load_ask_cases, load_check_cases, load_split
    from advisor.evaluation.report import format_text, render_html
    from advisor.evaluation.runner import limit_threads, make_services, run_all
    from advisor.evaluation.runner import perturb as run_perturb
    from advisor.settings import get_settings

    try:
        ask_cases = load_ask_cases(cases) if cases is not None else load_split(split)
        check_cases = load_check_cases(checks)
        services = make_services(get_settings(), engine)
    except AdvisorError as exc:
        _fail(exc.message)
    label = str(cases) if cases is not None else split
    if services.settings.embedder == "sentence-transformers":  # ONNX Runtime sets its own threads; no torch import
        limit_threads(threads)
    if perturb:
        consistency = run_perturb(services, ask_cases) | {"split": label}
        if as_json:
            typer.echo(json.dumps(consistency, indent=2))
        else:
            typer.echo(f"split {label}: {consistency['variants']} variants, consistency {consistency['consistency']}")
            for name, row in consistency["by_transform"].items():
                typer.echo(f"  {name:<14} {row['variants']:>4} variants  {row['consistency']:.3f}")
        return

    def progress(done: int, total: int) -> None:
        if not quiet and (done % 25 == 0 or done == total):
            print(f"  {done}/{total} cases", file=sys.stderr, flush=True)

    try:
        result = run_all(services.settings, ask_cases, check_cases, baseline=not no_baseline, progress=progress,
                         services=services, split=label)
    except AdvisorError as exc:
        _fail(exc.message)
    summary = result.summary()
    summary["cases_path"] = label
    if report is not None:
        try:
            report.write_text(render_html(summary), encoding="utf-8")
        except OSError as exc:
            _fail(f"{report}: cannot write the report ({exc.strerror or exc})")
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        typer.echo(format_text(summary))
        if report is not None:
            typer.echo(f"\nreport written to {report}")


__all__ = ["eval_cmd"]
