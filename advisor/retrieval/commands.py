"""CLI: `advisor ingest`, `advisor search`, `advisor eval retrieval`. Heavy imports happen inside the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from advisor.errors import AdvisorError
from advisor.settings import PROJECT_ROOT, get_settings

DEFAULT_EVAL = PROJECT_ROOT / "eval" / "retrieval.yaml"


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def ingest_cmd(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Drop the index and embed everything again.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Index knowledge/*.md into Chroma (incremental: only new or changed documents are embedded)."""
    from tqdm import tqdm

    from advisor.retrieval.buildlock import build_lock
    from advisor.retrieval.ingest import ingest

    settings = get_settings()
    bar: tqdm | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if quiet:
            return
        if bar is None:
            bar = tqdm(total=total, desc="embedding chunks", unit="chunk")
        bar.update(done - bar.n)

    try:
        with build_lock(settings, lambda: typer.echo("waiting for another process's index build", err=True)):
            report = ingest(settings, rebuild=rebuild, progress=progress)
    except AdvisorError as exc:
        _fail(exc.message)
    finally:
        if bar is not None:
            bar.close()
    what = f"rebuilt ({report.reason})" if report.rebuilt else "updated"
    typer.echo(
        f"index {what}: {len(report.added)} added, {len(report.updated)} changed, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged; {report.chunks_embedded} chunks embedded, {report.chunks_total} in the "
        f"index; knowledge {report.knowledge_version}; {report.seconds:.1f} s"
    )


def search_cmd(
    query: Annotated[str, typer.Argument(help="A coder's question or keywords, e.g. '64495 bilateral'.")],
    k: Annotated[int, typer.Option("-k", "--k", help="How many passages (1-50).")] = 5,
    code: Annotated[list[str] | None, typer.Option("--code", help="Only passages about this code.")] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Only documents with this topic.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the passages as JSON.")] = False,
) -> None:
    """Search the guidance (hybrid dense + BM25) on a running server when one is up (waiting for its index if it is
    building), else in process, building the index first if it is missing."""
    from advisor.remote import exit_code, via_server
    from advisor.retrieval.passage import Passage, validate_query

    settings = get_settings()
    body = {"query": query, "k": k, **({"codes": code} if code else {}), **({"topics": topic} if topic else {})}
    try:
        validate_query(query, k)  # here either way, so bad input fails alike
        served = via_server(settings, "POST", "/api/search", body, on_wait=lambda m: typer.echo(m, err=True))
        if served is not None:
            passages = [Passage.model_validate(p) for p in served["results"]]
        else:
            from advisor.retrieval.search import Searcher

            passages = Searcher.open(settings).search(query, k=k, codes=code, topics=topic)
    except AdvisorError as exc:
        _fail(exc.message, exit_code(exc))
    if as_json:
        typer.echo(json.dumps({"results": [p.model_dump() for p in passages]}, indent=2))
        return
    if not passages:
        typer.echo("no passages found")
    for n, p in enumerate(passages, 1):
        snippet = " ".join(p.text.split())
        snippet = snippet if len(snippet) <= 300 else snippet[:297] + "..."
        typer.echo(f"{n}. [{p.doc}] {p.title} > {p.section or '(intro)'}  (score {p.score:.4f})\n   {snippet}\n")


def eval_retrieval_cmd(
    file: Annotated[Path, typer.Option("--file", help="YAML list of {query, relevant: [doc ids]}.")] = DEFAULT_EVAL,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    misses: Annotated[bool, typer.Option("--misses", help="Also list queries hybrid misses in the top 5.")] = False,
) -> None:
    """Recall@5, MRR@10 and nDCG@10 for dense, BM25 and hybrid retrieval, side by side."""
    from advisor.retrieval.evaluate import evaluate, format_table, load_eval_queries
    from advisor.retrieval.search import Searcher

    try:
        queries = load_eval_queries(file)
        result = evaluate(Searcher.open(get_settings()), queries)
    except AdvisorError as exc:
        _fail(exc.message)
    if as_json:
        typer.echo(json.dumps(result.summary(), indent=2))
    else:
        typer.echo(format_table(result))
    if misses:
        for miss in result.misses:
            typer.echo(f"miss: {miss['query']!r} wanted {miss['relevant']} got {miss['top5']}", err=as_json)
