"""The rules engine: `check` runs the registered rules (advisor.rules.rulebook) in the order their declarations give,
over a copy of the claim; `recommend` builds the claim from a description of the encounter and then checks it.
Pure functions of their arguments: the catalog is passed in (built once by the composition root), no I/O.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from advisor.claims import ClaimLine, coerce_lines
from advisor.errors import InvalidInput
from advisor.rules.catalog import Catalog
from advisor.rules.context import Ctx
from advisor.rules.model import CheckResult, Encounter, Facts, Finding, Payer, Recommendation, Status
from advisor.rules.rulebook import Rule, ordered, registered


@lru_cache(maxsize=1)
def rules_in_order() -> tuple[Rule, ...]:
    """The registered rules, ordered from their `after` declarations (computed once per process)."""
    return tuple(ordered(registered()))


def status_of(findings: list[Finding]) -> Status:
    severities = {f.severity for f in findings}
    return "errors" if "error" in severities else "warnings" if "warning" in severities else "clean"


def _applies(rule: Rule, payer: Payer) -> bool:
    return rule.payer == "any" or rule.payer == payer.value


def _as_note(rule: Rule, payer: Payer) -> bool:
    """Commercial payers keep the coding rules and see the Medicare LCD rules as notes: a Medicare rule that only
    reports (writes nothing on the claim) runs for them with its findings turned into info notes."""
    return rule.payer == "medicare" and payer is not Payer.MEDICARE and not rule.writes


MAX_PASSES = 3  # a correction can expose another (a PTP edit drops the line a guidance code belonged to)


def check(lines: list[ClaimLine], facts: Facts, catalog: Catalog) -> CheckResult:
    """Run every rule over the claim, again over the corrected claim until it no longer changes (the corrected claim
    is a fixed point: checking it again changes nothing); findings say what is wrong and why, each once."""
    ctx = Ctx(claim=list(lines), facts=facts, catalog=catalog)
    for _ in range(MAX_PASSES):  # later passes see the earlier findings (rules that note "already corrected" do)
        before = list(ctx.claim)
        for rule in rules_in_order():
            note = _as_note(rule, facts.payer)
            if note or _applies(rule, facts.payer):
                ctx.rule, ctx.notes_only = rule, note
                rule.fn(ctx)
        ctx.rule, ctx.notes_only = None, False
        if ctx.claim == before:
            break
    unique: dict[tuple[str, str], Finding] = {}
    for f in ctx.findings:
        unique.setdefault((f.rule, f.message), f)  # each finding once, in the order first found
    findings = list(unique.values())
    return CheckResult(status=status_of(findings), findings=findings, claim=ctx.claim, applied=ctx.applied())


def parse_facts(raw: dict[str, Any]) -> Facts:
    """Encounter facts from a raw mapping; the first problem is an InvalidInput naming the field."""
    try:
        return Facts.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(["facts", *(str(p) for p in err["loc"])])
        raise InvalidInput(f"{where}: {err['msg'].removeprefix('Value error, ')}", where) from None


def parse_check_body(body: dict[str, Any]) -> tuple[list[ClaimLine], Facts]:
    """The claim lines and facts of a raw `{lines, payer, facts}` body; the first problem is an InvalidInput
    (the CLI validates this way before it hands the body to a running server, so both fail alike)."""
    unknown = set(body) - {"lines", "payer", "facts"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}; expected lines, payer, facts", "body")
    lines = coerce_lines(list(body.get("lines") or []))
    facts_raw = dict(body.get("facts") or {})
    if body.get("payer") is not None:
        facts_raw["payer"] = body["payer"]
    return lines, parse_facts(facts_raw)


def check_request(body: dict[str, Any], catalog: Catalog) -> CheckResult:
    """Validate a raw `{lines, payer, facts}` body (CLI --file, eval) and check it."""
    return check(*parse_check_body(body), catalog)


def recommend(encounter: Encounter, catalog: Catalog) -> Recommendation:
    """Claim lines for a described encounter, checked like any claim (built in advisor.rules.recommend, which
    itself calls check(), hence the import at call time)."""
    from advisor.rules.recommend import recommend as build

    return build(encounter, catalog)


__all__ = ["check", "check_request", "parse_check_body", "parse_facts", "recommend", "rules_in_order", "status_of"]
