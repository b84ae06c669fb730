"""LangChain tools over the rules engine and the searcher, for LLM engines.

The LLM must call these: `recommend_codes` and `check_claim` run the real rules engine, `search_guidance` the
hybrid search. Every result is logged in a ToolLog, which is what the guard accepts as support: a code the
LLM writes that no tool returned (and that the question did not contain) is removed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field

from advisor.answer.compose import CitationRegistry
from advisor.claims import coerce_lines, format_line
from advisor.errors import AdvisorError
from advisor.reader.encounter import to_encounter
from advisor.reader.reader import read
from advisor.rules.engine import check
from advisor.rules.recommend import recommend

RULE_TOOLS = ("recommend_codes", "check_claim")


@dataclass
class ToolLog:
    """What the tools returned during one answer (the guard's evidence) and the passages they numbered."""

    registry: CitationRegistry
    calls: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)

    @property
    def used_rules(self) -> bool:
        return any(name in RULE_TOOLS for name in self.calls)


class RecommendArgs(BaseModel):
    description: str = Field(description="The services done, in the coder's words, e.g. 'bilateral L4-5 MBB, fluoro'.")


class CheckArgs(BaseModel):
    lines: list[str] = Field(description="Claim lines like '99213-25', '64493-50', '64636 x2'.", min_length=1,
                             max_length=30)


class SearchArgs(BaseModel):
    query: str = Field(description="What to look up in the coding guidance.", min_length=1, max_length=500)


def make_tools(state: dict[str, Any], pipeline: Any, log: ToolLog) -> list[BaseTool]:
    """Tools bound to one question: its payer and facts apply to every rules call."""
    facts = state["understanding"].encounter.facts
    payer = state["request"].payer

    def recommend_codes(description: str) -> str:
        encounter = to_encounter(read(description, pipeline.catalog), pipeline.catalog, payer or facts.payer.value,
                                 pipeline.settings.default_payer)
        if not encounter.procedures:
            return _record(log, "recommend_codes", {"error": "no procedure recognised in the description"})
        rec = recommend(encounter, pipeline.catalog)
        return _record(log, "recommend_codes", {
            "claim": [format_line(ln) for ln in rec.claim], "status": rec.status, "notes": rec.notes,
            "findings": [{"rule": f.rule, "severity": f.severity, "message": f.message} for f in rec.findings]})

    def check_claim(lines: list[str]) -> str:
        try:
            parsed = coerce_lines(lines)
        except AdvisorError as exc:
            return _record(log, "check_claim", {"error": exc.message})
        result = check(parsed, facts, pipeline.catalog)
        return _record(log, "check_claim", {
            "status": result.status, "corrected_claim": [format_line(ln) for ln in result.claim],
            "findings": [{"rule": f.rule, "severity": f.severity, "message": f.message} for f in result.findings]})

    def search_guidance(query: str) -> str:
        searcher = pipeline.searcher
        passages = searcher.search(query, k=4) if searcher is not None else []
        numbered = [{"n": log.registry.cite(p), "doc": p.doc, "section": p.section, "text": p.text[:900]}
                    for p in passages]
        return _record(log, "search_guidance", {"passages": numbered})

    return [
        StructuredTool.from_function(recommend_codes, name="recommend_codes", args_schema=RecommendArgs,
                                     description="Claim lines the rules engine recommends for services described."),
        StructuredTool.from_function(check_claim, name="check_claim", args_schema=CheckArgs,
                                     description="Check proposed claim lines; returns findings and the corrected "
                                                 "claim."),
        StructuredTool.from_function(search_guidance, name="search_guidance", args_schema=SearchArgs,
                                     description="Search the coding guidance; cite results as [n]."),
    ]


def _record(log: ToolLog, name: str, payload: dict[str, Any]) -> str:
    text = json.dumps(payload)
    log.calls.append(name)
    log.results.append(text)
    return text
