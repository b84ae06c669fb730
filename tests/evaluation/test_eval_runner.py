"""The runner: follow-ups share one conversation, an engine exception fails only its case, checks go through
check_request, the summary has every metric, the HTML report escapes text; and `advisor eval --json` end to end
(fake embedder, temp data dir, offline engine)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from advisor.answer.model import Answer, AskRequest
from advisor.claims import parse_line
from advisor.evaluation.cases import AskCase, CheckCase
from advisor.evaluation.report import render_html
from advisor.evaluation.runner import EvalReport, percentile, run_ask_cases, run_check_cases, summarize
from advisor.rules.catalog import curated_catalog


def case(id: str, question: str, lines: list[str], **kw: Any) -> AskCase:
    return AskCase.model_validate({"id": id, "question": question, "lines": lines, "tags": kw.pop("tags", ["t"]),
                                   "source": "s", **kw})


class FakePipeline:
    """Answers from a table; raises for questions containing 'boom'; records the requests."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.requests: list[AskRequest] = []

    def ask(self, request: AskRequest) -> Answer:
        self.requests.append(request)
        if "boom" in request.question:
            raise RuntimeError("engine exploded")
        return Answer(answer="x", claim=[parse_line(x) for x in self.table.get(request.question, [])],
                      conversation_id=request.conversation_id or f"conv-{len(self.requests)}")


def test_an_engine_exception_fails_only_that_case() -> None:
    cases = [case("a", "one", ["64493"]), case("b", "boom now", ["64493"]), case("c", "three", ["20610"])]
    results = run_ask_cases(FakePipeline({"one": ["64493"], "three": ["20610"]}), cases)
    assert [r.passed for r in results] == [True, False, True]
    bad = results[1]
    assert bad.error == "RuntimeError: engine exploded"
    assert bad.problems == ["engine error: RuntimeError: engine exploded"]
    s = summarize(results)
    assert s["cases"] == 3 and s["accuracy"] == pytest.approx(2 / 3, abs=1e-3) and s["errors"] == 1
    assert s["line_recall"] == pytest.approx(2 / 3, abs=1e-3)
    assert all(r.latency_ms is not None for r in results)


def test_follow_ups_ask_the_history_first_in_one_conversation() -> None:
    pipe = FakePipeline({"and bilateral?": ["64493-50"]})
    c = case("fu", "and bilateral?", ["64493-50"], history=["Right L4-5 facet?", "what if L5-S1 too?"],
             payer="commercial")
    (result,) = run_ask_cases(pipe, [c])
    assert result.passed
    assert [r.question for r in pipe.requests] == ["Right L4-5 facet?", "what if L5-S1 too?", "and bilateral?"]
    assert pipe.requests[0].conversation_id is None
    assert pipe.requests[1].conversation_id == pipe.requests[2].conversation_id == "conv-1"
    assert all(r.payer == "commercial" for r in pipe.requests)


def check_case(**kw: Any) -> CheckCase:
    return CheckCase.model_validate({"id": "k", "tags": ["x"], "source": "s", "rules": [], **kw})


def test_check_cases_through_check_request() -> None:
    results = run_check_cases([
        check_case(id="addon", lines=["64494"], status="errors", rules=["ADDON-PRIMARY"], not_rules=["ADDON-51"]),
        check_case(id="wrong", lines=["64494"], status="clean", rules=["MUE"]),
    ], curated_catalog())
    assert results[0].passed, results[0].problems
    assert not results[1].passed
    assert "status 'errors', expected 'clean'" in results[1].problems
    assert "rule MUE did not fire" in results[1].problems


def test_a_check_exception_fails_only_that_case() -> None:
    def flaky(body: dict[str, Any], catalog: Any) -> Any:
        raise ValueError("bad catalog")

    (r,) = run_check_cases([check_case(lines=["64493"], status="clean")], curated_catalog(), check=flaky)
    assert not r.passed and r.error == "ValueError: bad catalog"


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0


def test_html_report_escapes_and_has_an_svg_chart() -> None:
    evil = "<script>alert(1)</script>"
    results = run_ask_cases(FakePipeline({}), [case("x&y", evil, ["64493"], tags=["<b>tag</b>"])])
    report = EvalReport(engine="offline", results=results, checks=[], baseline=results)
    html = render_html(report.summary())
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<b>tag</b>" not in html and "&lt;b&gt;tag&lt;/b&gt;" in html
    assert "<svg" in html and "<rect" in html and "x&amp;y" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_cli_json_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from advisor.cli import app
    from advisor.settings import get_settings

    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "- id: fac\n  question: 'Bilateral L4-5 and L5-S1 facet injections under fluoro, how do I code it?'\n"
        "  lines: ['64493-50', '64494-50']\n  exact: true\n  tags: [facet, bilateral]\n  source: s\n"
        "- id: oos\n  question: 'What code do I use for a porcelain dental crown?'\n  lines: []\n  exact: true\n"
        "  tags: [out-of-scope]\n  source: s\n", encoding="utf-8")
    checks = tmp_path / "checks.yaml"
    checks.write_text("- id: addon\n  lines: ['64494']\n  status: errors\n  rules: [ADDON-PRIMARY]\n  tags: [x]\n"
                      "  source: s\n", encoding="utf-8")
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ADVISOR_EMBEDDER", "fake")
    monkeypatch.setenv("ADVISOR_ENGINE", "offline")
    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    try:
        result = CliRunner().invoke(app, ["eval", "--cases", str(cases), "--checks", str(checks), "--json", "-q",
                                          "--report", str(tmp_path / "r.html")])
    finally:
        get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("cases", "accuracy", "verdict_accuracy", "line_precision", "line_recall", "exact_match",
                "citation_hit_rate", "per_tag", "failures", "checks", "baseline", "latency_ms"):
        assert key in data, key
    assert data["cases"] == 2 and data["checks"]["cases"] == 1 and data["checks"]["accuracy"] == 1.0
    assert set(data["per_tag"]) == {"facet", "bilateral", "out-of-scope"}
    assert data["baseline"]["cases"] == 2 and "accuracy" in data["baseline"]
    assert set(data["latency_ms"]) == {"p50", "p95"}
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!doctype html>")


def test_cli_rejects_an_unknown_engine(tmp_path: Path) -> None:
    from advisor.cli import app

    result = CliRunner().invoke(app, ["eval", "--engine", "gpt-99", "--no-baseline"])
    assert result.exit_code == 2 and "unknown engine 'gpt-99'" in result.output
