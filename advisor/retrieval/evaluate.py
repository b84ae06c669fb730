"""Retrieval evaluation: recall@5, MRR@10, nDCG@10 at document level for dense, BM25 and hybrid.

Relevance is judged per document (eval/retrieval.yaml lists doc ids), so each ranking of chunks is collapsed
to documents in first-seen order before scoring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from advisor.errors import DataError
from advisor.retrieval.search import Mode, Searcher

MODES: tuple[Mode, ...] = ("dense", "bm25", "hybrid")
METRICS = ("recall@5", "mrr@10", "ndcg@10")


class EvalQuery(BaseModel):
    query: str
    relevant: list[str]


def load_eval_queries(path: Path) -> list[EvalQuery]:
    """A YAML list of {query, relevant} (or {queries: [...]}); DataError names the file and entry."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: cannot read retrieval eval ({exc})", where=str(path)) from None
    if isinstance(raw, dict):
        raw = raw.get("queries")
    if not isinstance(raw, list) or not raw:
        raise DataError(f"{path}: expected a non-empty YAML list of {{query, relevant}}", where=str(path))
    out = []
    for n, item in enumerate(raw, 1):
        try:
            q = EvalQuery.model_validate(item)
        except ValidationError as exc:
            raise DataError(f"{path}: entry {n} is invalid ({exc.errors()[0]['msg']})", where=f"{path}#{n}") from None
        if not q.query.strip() or not q.relevant:
            raise DataError(f"{path}: entry {n} needs a query and at least one relevant doc id", where=f"{path}#{n}")
        out.append(q)
    return out


def doc_ranking(doc_ids: list[str]) -> list[str]:
    """Chunk-level doc ids best first -> distinct documents best first."""
    return list(dict.fromkeys(doc_ids))


def score_ranking(ranking: list[str], relevant: set[str]) -> dict[str, float]:
    """The three metrics for one query with binary relevance."""
    recall = len(relevant & set(ranking[:5])) / len(relevant)
    mrr = next((1.0 / (r + 1) for r, d in enumerate(ranking[:10]) if d in relevant), 0.0)
    dcg = sum(1.0 / math.log2(r + 2) for r, d in enumerate(ranking[:10]) if d in relevant)
    idcg = sum(1.0 / math.log2(r + 2) for r in range(min(len(relevant), 10)))
    return {"recall@5": recall, "mrr@10": mrr, "ndcg@10": dcg / idcg}


@dataclass
class EvalResult:
    queries: int
    means: dict[str, dict[str, float]]
    misses: list[dict[str, Any]] = field(default_factory=list)
    unknown_docs: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"queries": self.queries}
        out.update({mode: {m: round(v, 4) for m, v in vals.items()} for mode, vals in self.means.items()})
        if self.unknown_docs:
            out["unknown_docs"] = self.unknown_docs
        return out


def evaluate(searcher: Searcher, queries: list[EvalQuery], modes: tuple[Mode, ...] = MODES) -> EvalResult:
    known = searcher.doc_ids()
    sums = {mode: dict.fromkeys(METRICS, 0.0) for mode in modes}
    misses = []
    for q in queries:
        relevant = set(q.relevant)
        for mode in modes:
            ranking = doc_ranking([c.doc for c, _ in searcher.rank(q.query, mode, depth=50)])
            for metric, value in score_ranking(ranking, relevant).items():
                sums[mode][metric] += value
            if mode == "hybrid" and not relevant <= set(ranking[:5]):
                misses.append({"query": q.query, "relevant": sorted(relevant), "top5": ranking[:5]})
    n = len(queries)
    unknown = sorted({d for q in queries for d in q.relevant} - known)
    return EvalResult(n, {mode: {m: v / n for m, v in vals.items()} for mode, vals in sums.items()}, misses, unknown)


def format_table(result: EvalResult) -> str:
    lines = [f"retrieval eval: {result.queries} queries", f"{'metric':<10}" + "".join(f"{m:>10}" for m in result.means)]
    for metric in METRICS:
        lines.append(f"{metric:<10}" + "".join(f"{vals[metric]:>10.3f}" for vals in result.means.values()))
    if result.unknown_docs:
        lines.append(f"warning: relevant ids not in the index: {', '.join(result.unknown_docs)}")
    return "\n".join(lines)
