"""The working state one check passes through its rules: the claim being corrected and the findings so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from advisor.claims import ClaimLine
from advisor.modifiers import in_group
from advisor.rules.catalog import Catalog, CodeInfo, Param
from advisor.rules.model import Applied, ClaimType, Confidence, Facts, Finding, Payer, Severity

if TYPE_CHECKING:
    from advisor.rules.rulebook import Rule

# Both groups come from the one modifier list (catalog/modifiers.yaml, read through advisor.modifiers).
X_MODIFIERS = in_group("x")  # 59, XE, XS, XP, XU: bypass an NCCI PTP edit
ANATOMIC = in_group("anatomic")  # RT, LT, eyelids, fingers, toes, coronary arteries


NOTE_RULE = "LCD-NOTE"  # a Medicare LCD rule's finding shown to a commercial payer as a note


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
    notes_only: bool = False  # a Medicare LCD rule run for a commercial payer: its findings become notes

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
    def bypass_modifier(self) -> str:
        """The modifier that bypasses a PTP edit: on Medicare claims the specific X modifier CMS asks for (XE for a
        separate encounter the same day, else XS for a separate site), on commercial claims 59."""
        if not self.medicare:
            return "59"
        return "XE" if self.facts.separate_encounter else "XS"

    @property
    def claim_type(self) -> ClaimType:
        return self.facts.claim

    @property
    def facility_claim(self) -> bool:
        """An ASC or hospital outpatient facility claim; the physician's own claim is professional at any POS."""
        return self.facts.claim is not ClaimType.PROFESSIONAL

    @property
    def jurisdiction(self) -> str | None:
        """The MAC jurisdiction whose LCDs apply: the request's, else the one LCD number the question names belongs
        to, else ADVISOR_MAC, else None (shared values)."""
        return jurisdiction_of(self.facts, self.catalog)[0]

    @property
    def policy_date(self) -> date:
        """The date LCD revisions are read at: the date of service, else today (the LCDs in force now)."""
        return self.facts.date_of_service or date.today()

    def policy(self, key: str) -> Param:
        """An LCD parameter (`params.x`, `sessions.x`, `relief.x`) for this claim's jurisdiction and date: a dated or
        jurisdiction-specific variant from jurisdictions.yaml when one applies, else the lcd.yaml value. With no
        jurisdiction known, `differs` says which jurisdictions have a different value."""
        group, _, name = key.partition(".")
        base: Param = {"params": self.catalog.params, "sessions": self.catalog.sessions,
                       "relief": self.catalog.relief}[group][name]
        table = self.catalog.jurisdictions
        jurisdiction = self.jurisdiction
        chosen, differs = table.variants(key, jurisdiction, self.policy_date)
        if chosen is None:
            return base
        return Param(
            value=chosen.value, sources=list(chosen.sources), confidence=chosen.confidence,
            note=chosen.note or base.note, jurisdiction=None if chosen.shared else jurisdiction,
            scope=[] if chosen.shared else list(chosen.jurisdictions), topic=chosen.topic,
            section=chosen.section, revision=chosen.revision,
            differs=[f"in {table.labels(v.jurisdictions)}: {v.note or v.value} ({v.revision})" for v in differs],
        )

    def lcd_citation(self, topic: str | None, section: str | None) -> list[str]:
        """The LCD / billing article (with section) of this claim's jurisdiction for a topic (facet, esi, si), as a
        citation; nothing when no jurisdiction is known or its LCD for the topic is not in the table."""
        jurisdiction = self.jurisdiction
        if jurisdiction is None or topic is None:
            return []
        table = self.catalog.jurisdictions
        ref = table.lcd(topic, jurisdiction)
        return [ref.cite(table.mac(jurisdiction), section)] if ref else []

    def applied(self) -> Applied:
        """What this check was decided under, stated on its result."""
        return applied_policy(self.facts, self.catalog)

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
            pending: str | None = None, citations: list[str] | None = None,
            jurisdiction: str | None = None) -> None:
        """Record a finding of the running rule: its id, default severity, explaining section and primary sources
        come from the rule's declaration; `sources` adds the catalog values' own sources after them and `citations`
        ready-made citations (a jurisdiction's LCD). A Medicare LCD rule run for a commercial payer records a note."""
        rule = self.rule
        if rule is None:
            raise RuntimeError("Ctx.add outside a registered rule")
        if confidence == "unconfirmed":
            message += " (This rests on a value not yet confirmed against the official CMS table or CPT text.)"
        finding = rule.finding
        if self.notes_only:  # one id for every note, so a payer's own findings and Medicare's never mix
            message = f"Medicare LCD rule {finding}, for reference (this payer's own policy decides): {message}"
            finding, severity, pending = NOTE_RULE, "info", None
        cited = list(dict.fromkeys([*rule.sources, *sources]))
        self.findings.append(
            Finding.model_construct(
                rule=finding, severity=severity or rule.severity, message=message, codes=sorted(set(codes)),
                sources=[*self.catalog.cite(cited), *(citations or ())], confidence=confidence,
                explains=rule.explains, pending=pending, jurisdiction=jurisdiction,
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


CLAIM_WORDS = {ClaimType.PROFESSIONAL: "the physician's professional claim", ClaimType.ASC: "the ASC facility claim",
               ClaimType.HOSPITAL_OUTPATIENT: "the hospital outpatient facility claim"}


def jurisdiction_of(facts: Facts, catalog: Catalog) -> tuple[str | None, Literal["request", "setting", "none"]]:
    """The jurisdiction and where it came from: facts.mac; else the jurisdiction an LCD number named in the question
    (facts.lcds) belongs to, when it names exactly one (L38773 is CGS's J15; L35936 is NGS's J6 and JK, so it decides
    nothing); else ADVISOR_MAC; else none."""
    if facts.mac:
        return facts.mac, "request"
    named = {j for lcd in facts.lcds for j in catalog.jurisdictions.by_lcd(lcd)}
    if len(named) == 1:
        return next(iter(named)), "request"
    return (catalog.default_mac, "setting") if catalog.default_mac else (None, "none")


def applied_policy(facts: Facts, catalog: Catalog) -> Applied:
    """Payer, claim type and MAC jurisdiction (the request's, else ADVISOR_MAC, else none) a decision was made
    under, with the sentence every check result and answer states."""
    table = catalog.jurisdictions
    jurisdiction, origin = jurisdiction_of(facts, catalog)
    if facts.payer is not Payer.MEDICARE:
        where = "Medicare LCD rules are shown as notes only (the payer's own policy decides)"
    elif jurisdiction is None:
        where = ("no MAC jurisdiction given (set ADVISOR_MAC or send facts.mac): LCD values shared by the "
                 "jurisdictions apply, and findings name where a jurisdiction differs")
    else:
        how = "from this request" if origin == "request" else "from ADVISOR_MAC"
        where = f"LCDs of {table.mac(jurisdiction).label}, {how}"
    when = facts.date_of_service.isoformat() if facts.date_of_service else "today (no date of service given)"
    return Applied(
        payer=facts.payer, claim_type=facts.claim, jurisdiction=jurisdiction,
        mac=table.mac(jurisdiction).mac if jurisdiction else None, mac_from=origin,
        statement=f"{facts.payer.value.capitalize()}, {CLAIM_WORDS[facts.claim]}; {where}; policy as of {when}.",
    )
