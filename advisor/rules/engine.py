"""The rules engine: `check` runs every rule in order over a copy of the claim; `recommend` builds the claim from a
description of the encounter and then checks it. Pure functions: same input, same output, no I/O.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from advisor.claims import ClaimLine, coerce_lines
from advisor.errors import InvalidInput
from advisor.rules import rules_claim, rules_em, rules_imaging, rules_lcd, rules_levels, rules_modifiers
from advisor.rules.catalog import Catalog, load_catalog
from advisor.rules.context import Ctx
from advisor.rules.model import CheckResult, Encounter, Facts, Finding, Recommendation, Status

RULES = (
    rules_levels.catalog_unknown,
    *rules_modifiers.RULES,
    rules_imaging.imaging_mismatch,
    rules_imaging.si_joint,
    rules_levels.facet_levels,
    rules_levels.addon_once,
    rules_levels.catheter_once,
    rules_levels.tpi,
    rules_imaging.imaging_included,
    rules_imaging.us_docs,
    rules_claim.rt_lt_pairs,
    rules_claim.bilateral,
    rules_levels.joint_units,
    rules_claim.addon_primary,
    rules_claim.mue,  # before PTP, so a bypass is judged on the lines that stay within the MUE
    rules_claim.ptp,
    rules_imaging.imaging_included,  # again: guidance left without its procedure by a PTP removal
    *rules_em.RULES,
    *rules_lcd.RULES,
)


def status_of(findings: list[Finding]) -> Status:
    severities = {f.severity for f in findings}
    return "errors" if "error" in severities else "warnings" if "warning" in severities else "clean"


def check(lines: list[ClaimLine], facts: Facts | None = None, catalog: Catalog | None = None) -> CheckResult:
    """Run every rule over the claim; findings say what is wrong and why, `claim` is the corrected claim."""
    ctx = Ctx(claim=list(lines), facts=facts or Facts(), catalog=catalog or load_catalog())
    for rule in RULES:
        rule(ctx)
    return CheckResult(status=status_of(ctx.findings), findings=ctx.findings, claim=ctx.claim)


def check_request(body: dict[str, Any], catalog: Catalog | None = None) -> CheckResult:
    """Validate a raw `{lines, payer, facts}` body (CLI --file, eval) and check it."""
    unknown = set(body) - {"lines", "payer", "facts"}
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(sorted(unknown))}; expected lines, payer, facts", "body")
    lines = coerce_lines(list(body.get("lines") or []))
    facts_raw = dict(body.get("facts") or {})
    if body.get("payer") is not None:
        facts_raw["payer"] = body["payer"]
    try:
        facts = Facts.model_validate(facts_raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(f"facts.{field}: {err['msg']}", f"facts.{field}") from None
    return check(lines, facts, catalog)


def recommend(encounter: Encounter, catalog: Catalog | None = None) -> Recommendation:
    """Claim lines for a described encounter, checked like any claim (built in advisor.rules.recommend, which
    itself calls check(), hence the import at call time)."""
    from advisor.rules.recommend import recommend as build

    return build(encounter, catalog)


__all__ = ["check", "check_request", "recommend", "status_of"]
