"""Run the evaluation: ask cases through the same code path as POST /api/ask (`pipeline.ask(AskRequest)`), check cases
through the same path as POST /api/check (`check_request` with the app's catalog), and the retrieval-only baseline.

One Services (one pipeline, one searcher, one embedding model) serves every case; conversations live in a memory
store so the evaluation never writes to the app's database. An exception on one case is that case's failure.
"""

from __future__ import annotations

import logging
import math
import time
import typing
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from advisor.errors import InvalidInput
from advisor.evaluation.cases import AskCase, CheckCase
from advisor.evaluation.scoring import CaseResult, error_result, score_answer, score_check
from advisor.rules.catalog import Catalog
from advisor.settings import Settings

log = logging.getLogger("advisor.evaluation")
Progress = Callable[[int, int], None]


class PipelineLike(Protocol):
    def ask(self, request: Any) -> Any: ...


def limit_threads(threads: int | None) -> None:
    """Pin torch's intra-op threads (the eval embeds one short query at a time: on a busy machine one thread is
    several times faster than torch's default of one per core). None leaves torch alone."""
    if not threads:
        return
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency; the fake embedder does not need it
        return
    torch.set_num_threads(threads)


def make_services(settings: Settings, engine: str | None = None) -> Any:
    """The app's Services with the engine override and a memory conversation store (nothing written to the DB)."""
    from advisor.answer.pipeline import MemoryStore
    from advisor.services import Services

    if engine is not None and engine != settings.engine:
        allowed = typing.get_args(Settings.model_fields["engine"].annotation)
        if engine not in allowed:
            raise InvalidInput(f"unknown engine {engine!r}; choose one of {', '.join(allowed)}", "engine")
        settings = settings.model_copy(update={"engine": engine})
    services = Services(settings)
    services.__dict__["store"] = MemoryStore()  # pre-seed the cached_property: make_pipeline picks this store up
    return services


def ask_case(pipeline: PipelineLike, case: AskCase) -> tuple[Any, float]:
    """Ask the history questions, then the case's question, in one conversation; latency of the last ask in ms."""
    from advisor.answer.model import AskRequest

    conversation_id = None
    for question in case.history:
        earlier = pipeline.ask(AskRequest(question=question, conversation_id=conversation_id, payer=case.payer))
        conversation_id = earlier.conversation_id
    started = time.perf_counter()
    answer = pipeline.ask(AskRequest(question=case.question, conversation_id=conversation_id, payer=case.payer))
    return answer, (time.perf_counter() - started) * 1000


@dataclass
class _ConstantAnswer:
    """The constant baseline: 'No', no lines, nothing else, whatever the question."""

    verdict: str = "no"
    kind: str = "claim"
    answer: str = ""
    claim: list[Any] = field(default_factory=list)
    citations: list[Any] = field(default_factory=list)
    lookup: list[Any] = field(default_factory=list)


def constant_baseline(cases: Sequence[AskCase]) -> dict[str, Any]:
    """How a constant 'always No, no lines' answer scores on the same cases: the floor the real score is read
    against."""
    results = [score_answer(case, _ConstantAnswer()) for case in cases]
    summary = summarize(results)
    return {k: summary[k] for k in ("cases", "passed", "accuracy", "verdict_accuracy", "exact_match")} | {
        "name": "always No, no lines"}


def warm_up(pipeline: PipelineLike) -> None:
    """One throwaway question first, so the lazy index/model loading is not charged to the first case's latency."""
    from advisor.answer.model import AskRequest

    try:
        pipeline.ask(AskRequest(question="Right L4-5 facet injection under fluoro, code?"))
    except Exception as exc:  # noqa: BLE001 - the cases will report the problem themselves
        log.warning("warm-up question failed (%s)", type(exc).__name__)


def run_ask_cases(pipeline: PipelineLike, cases: Sequence[AskCase],
                  progress: Progress | None = None) -> list[CaseResult]:
    results = []
    for n, case in enumerate(cases, 1):
        started = time.perf_counter()
        try:
            answer, latency = ask_case(pipeline, case)
            result = score_answer(case, answer)
            result.latency_ms = latency
        except Exception as exc:  # noqa: BLE001 - one broken case must not stop the run
            log.warning("case %s: %s", case.id, type(exc).__name__)
            result = error_result(case, exc, (time.perf_counter() - started) * 1000)
        results.append(result)
        if progress:
            progress(n, len(cases))
    return results


def run_check_cases(cases: Sequence[CheckCase], catalog: Catalog,
                    check: Callable[..., Any] | None = None) -> list[CaseResult]:
    """Each case's body through check_request (what POST /api/check runs) with the app's catalog."""
    if check is None:
        from advisor.rules.engine import check_request

        check = check_request
    results = []
    for case in cases:
        started = time.perf_counter()
        try:
            result = score_check(case, check(case.body(), catalog))
            result.latency_ms = (time.perf_counter() - started) * 1000
        except Exception as exc:  # noqa: BLE001
            result = error_result(case, exc, (time.perf_counter() - started) * 1000)
        results.append(result)
    return results


# --- summary ----------------------------------------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def summarize(results: Sequence[CaseResult]) -> dict[str, Any]:
    """Case/verdict accuracy, micro line precision/recall, exact match, citation hit rate, per tag, latency."""
    n = len(results)
    verdicts = [r.verdict_ok for r in results if r.verdict_ok is not None]
    cites = [r.citation_ok for r in results if r.citation_ok is not None]
    tags: dict[str, list[bool]] = {}
    for r in results:
        for tag in r.tags:
            tags.setdefault(tag, []).append(r.passed)
    latencies = [r.latency_ms for r in results if r.latency_ms is not None and r.error is None]
    return {
        "cases": n,
        "passed": sum(r.passed for r in results),
        "accuracy": _ratio(sum(r.passed for r in results), n),
        "verdict_cases": len(verdicts),
        "verdict_accuracy": _ratio(sum(verdicts), len(verdicts)),
        "line_precision": _ratio(sum(r.matched for r in results), sum(r.n_produced for r in results)),
        "line_recall": _ratio(sum(r.matched for r in results), sum(r.n_expected for r in results)),
        "exact_match": _ratio(sum(r.exact_match for r in results), n),
        "citation_cases": len(cites),
        "citation_hit_rate": _ratio(sum(cites), len(cites)),
        "per_tag": {t: _ratio(sum(v), len(v)) for t, v in sorted(tags.items(), key=lambda kv: (-len(kv[1]), kv[0]))},
        "per_tag_cases": {t: len(v) for t, v in sorted(tags.items(), key=lambda kv: (-len(kv[1]), kv[0]))},
        "errors": sum(r.error is not None for r in results),
        "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95)},
    }


def failure_kinds(results: Sequence[CaseResult]) -> list[tuple[str, int]]:
    """The most common failure kinds ('missing 64493-KX', 'verdict no->None', ...), most frequent first."""
    counts = Counter(kind for r in results for kind in r.kinds)
    return counts.most_common()


@dataclass
class EvalReport:
    """Everything one `advisor eval` run produced."""

    engine: str
    results: list[CaseResult]
    checks: list[CaseResult]
    baseline: list[CaseResult] | None = None
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        out = summarize(self.results)
        out["engine"] = self.engine
        out["failures"] = [r.to_dict() for r in self.results if not r.passed]
        out["failure_kinds"] = [{"kind": k, "count": c} for k, c in failure_kinds(self.results)]
        check_summary = summarize(self.checks)
        out["checks"] = {
            "cases": check_summary["cases"], "passed": check_summary["passed"], "accuracy": check_summary["accuracy"],
            "per_tag": check_summary["per_tag"], "failures": [r.to_dict() for r in self.checks if not r.passed],
        }
        if self.baseline is not None:
            b = summarize(self.baseline)
            out["baseline"] = {
                "name": "retrieval only (top-3 passages, no rules engine)",
                **{k: b[k] for k in ("cases", "passed", "accuracy", "verdict_accuracy", "line_precision",
                                     "line_recall", "exact_match", "citation_hit_rate", "per_tag", "latency_ms")},
            }
        else:
            out["baseline"] = None
        out["seconds"] = round(self.seconds, 1)
        out.update(self.meta)
        return out


def run_all(settings: Settings, ask_cases: Sequence[AskCase], check_cases: Sequence[CheckCase],
            engine: str | None = None, baseline: bool = True, progress: Progress | None = None,
            services: Any = None, split: str = "dev") -> EvalReport:
    """The whole evaluation over one Services: ask cases, check cases, and (optionally) the baseline."""
    started = time.perf_counter()
    services = services or make_services(settings, engine)
    pipeline = services.answerer
    warm_up(pipeline)
    results = run_ask_cases(pipeline, ask_cases, progress)
    checks = run_check_cases(check_cases, services.catalog)
    base = None
    if baseline:
        from advisor.evaluation.baseline import run_baseline

        try:
            searcher = services.searcher
        except Exception as exc:  # noqa: BLE001 - no index: the baseline cannot run; say so instead of crashing
            log.warning("baseline skipped: retrieval unavailable (%s)", type(exc).__name__)
            searcher = None
        if searcher is not None:
            base = run_baseline(searcher, ask_cases)
    return EvalReport(engine=services.settings.engine, results=results, checks=checks, baseline=base,
                      seconds=time.perf_counter() - started,
                      meta={"split": split, "constant_baseline": constant_baseline(ask_cases)})


def perturb(services: Any, cases: Sequence[AskCase]) -> dict[str, Any]:
    """The metamorphic run (advisor.evaluation.perturb) through the same pipeline as the evaluation."""
    from advisor.answer.model import AskRequest
    from advisor.evaluation.perturb import run_perturbation

    pipeline = services.answerer
    warm_up(pipeline)

    def ask(case: AskCase, question: str) -> Any:
        conversation_id = None
        for earlier in case.history:
            conversation_id = pipeline.ask(AskRequest(question=earlier, conversation_id=conversation_id,
                                                      payer=case.payer)).conversation_id
        return pipeline.ask(AskRequest(question=question, conversation_id=conversation_id, payer=case.payer))

    return run_perturbation(ask, cases)


__all__ = [
    "EvalReport", "ask_case", "constant_baseline", "failure_kinds", "limit_threads", "make_services", "percentile",
    "perturb", "run_all", "run_ask_cases", "run_check_cases", "summarize",
]
