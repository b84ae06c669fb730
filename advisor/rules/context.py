"""The working state one check passes through its rules: the claim being corrected and the findings so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from advisor.claims import ClaimLine
from advisor.modifiers import in_group
from advisor.rules.catalog import Catalog, CodeInfo
from advisor.rules.model import Confidence, Facts, Finding, Payer, Setting, Severity

if TYPE_CHECKING:
    from advisor.rules.rulebook import Rule

# Both groups come from the one modifier list (catalog/modifiers.yaml, read through advisor.modifiers).
X_MODIFIERS = in_group("x")  # 59, XE, XS, XP, XU: bypass an NCCI PTP edit
ANATOMIC = in_group("anatomic")  # RT, LT, eyelids, fingers, toes, coronary arteries


def carried_modifiers(modifiers: tuple[str, ...]) -> tuple[str, ...]:
    """Modifiers a derived line (an added level or primary) inherits: side, bilateral and KX, nothing else."""
    return tuple(m for m in modifiers if m in ("50", "KX") or m in ANATOMIC)


@dataclass
class Ctx:
    """Claim lines (corrected in place by the rules, in order) plus facts and findings."""

    claim: list[ClaimLine]
    facts: Facts
    catalog: Catalog
    findings: list[Finding] = field(default_factory=list)
    submitted: tuple[ClaimLine, ...] = ()
    rule: Rule | None = None
    _infos: dict[str, CodeInfo | None] = field(default_factory=dict)
    _hint: int = 0  # where replace() starts looking: rules replace lines in claim order

    def __post_init__(self) -> None:
        # Every line its own object (callers may pass one object repeated): replace() finds a line by identity.
        seen: set[int] = set()
        lines: list[ClaimLine] = []
        for ln in self.claim:
            lines.append(ln.model_copy() if id(ln) in seen else ln)
            seen.add(id(ln))
        self.claim = lines
        self.submitted = tuple(self.claim)
        # Bind the catalog to this claim and date: imported CMS tables preload the claim's rows (curated: no-op).
        codes = [ln.code for ln in self.claim] + [c for c in (self.facts.global_procedure_code,) if c]
        self.catalog = self.catalog.for_check(codes, self.facts.date_of_service)

    @property
    def medicare(self) -> bool:
        return self.facts.payer is Payer.MEDICARE

    @property
    def facility_claim(self) -> bool:
        return self.facts.setting in (Setting.ASC, Setting.FACILITY)

    def info(self, line: ClaimLine) -> CodeInfo | None:
        """The catalog row for a line, memoised per check (rules ask for the same codes many times)."""
        code = line.code
        try:
            return self._infos[code]
        except KeyError:
            found = self._infos[code] = self.catalog.code(code)
            return found

    def family_of(self, line: ClaimLine) -> str | None:
        info = self.info(line)
        return info.family if info is not None else None

    def lines_of(self, *families: str) -> list[ClaimLine]:
        return [ln for ln in self.claim if (i := self.info(ln)) is not None and i.family in families]

    def has_code(self, code: str) -> bool:
        return any(ln.code == code for ln in self.claim)

    def add(self, message: str, codes: list[str], *, severity: Severity | None = None,
            sources: tuple[str, ...] | list[str] = (), confidence: Confidence = "confirmed",
            pending: str | None = None) -> None:
        """Record a finding of the running rule: its id, default severity, explaining section and primary sources
        come from the rule's declaration; `sources` adds the catalog values' own sources after them."""
        rule = self.rule
        if rule is None:
            raise RuntimeError("Ctx.add outside a registered rule")
        if confidence == "unconfirmed":
            message += " (This rests on a value not yet confirmed against the official CMS table or CPT text.)"
        cited = list(dict.fromkeys([*rule.sources, *sources]))
        self.findings.append(
            Finding.model_construct(
                rule=rule.finding, severity=severity or rule.severity, message=message, codes=sorted(set(codes)),
                sources=self.catalog.cite(cited), confidence=confidence, explains=rule.explains, pending=pending,
            )
        )

    def has_finding(self, rule: str, code: str) -> bool:
        return any(f.rule == rule and code in f.codes for f in self.findings)

    def replace(self, old: ClaimLine, new: ClaimLine | list[ClaimLine] | None) -> None:
        """Swap one line for zero, one or several lines, keeping its position. The search starts where the last
        replacement ended, so a rule replacing lines in claim order is linear in the lines, not quadratic."""
        claim = self.claim
        start = min(self._hint, len(claim))
        index = next((i for i in range(start, len(claim)) if claim[i] is old), None)
        if index is None:
            index = next(i for i in range(start) if claim[i] is old)
        items = [] if new is None else new if isinstance(new, list) else [new]
        claim[index : index + 1] = items
        self._hint = index + len(items)
