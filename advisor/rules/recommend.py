"""Build claim lines from a structured description of what was done, then run the full check over them.

Everything family-specific comes from the catalog: how a family is counted, sided and guided (families.yaml) and
which code fits a region, level, target, joint size or muscle count (codes.yaml). The question reader turns
"bilateral L4-5 and L5-S1 MBB under fluoro" into Procedure(family=facet_injection, region=lumbar, levels=2,
laterality=bilateral, diagnostic=True); this module turns that into 64493-50-KX, 64494-50-KX.
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.errors import InvalidInput
from advisor.modifiers import discontinued
from advisor.rules.catalog import Catalog, CodeInfo
from advisor.rules.context import Ctx, applied_policy
from advisor.rules.engine import check, status_of
from advisor.rules.model import Encounter, Procedure, Recommendation
from advisor.rules.registry import Family
from advisor.rules.rulebook import registered


def level_units(chain: tuple[str, str, str | None], levels: int) -> dict[str, int]:
    """Units per code for `levels` on one side: the first-level code once, the second-level add-on, then either the
    third-and-beyond code once (facet injections) or the per-level add-on once per extra level (RFA, TFESI)."""
    first, second, third = chain
    units: dict[str, int] = {}
    if levels >= 1:
        units[first] = 1
    if levels >= 2:
        units[second] = 1 if third else levels - 1
    if levels >= 3 and third:
        units[third] = 1
    return units


class _Builder:
    def __init__(self, encounter: Encounter, catalog: Catalog) -> None:
        self.enc = encounter
        self.facts = encounter.facts
        self.catalog = catalog
        self.ctx = Ctx(claim=[], facts=encounter.facts, catalog=catalog)
        self.notes: list[str] = []
        self.emitted: list[ClaimLine] = []

    def finding(self, rule_name: str, message: str, codes: list[str], **kw: object) -> None:
        """A finding of a declared rule raised while building (its id, section and sources come from the rule)."""
        self.ctx.rule = registered()[rule_name]
        self.ctx.add(message, codes, **kw)  # type: ignore[arg-type]
        self.ctx.rule = None

    # --- sides and modifiers ---------------------------------------------------------------------------------------

    def sided(self, code: str, proc: Procedure, family: Family, units: int = 1) -> list[ClaimLine]:
        """Lines for one code with laterality: 50 (or RT+LT lines on a facility claim), RT or LT."""
        info = self.catalog.code(code)
        bilateral_ok = family.sides == "bilateral" and info is not None and info.bilateral in (1, 3)
        kx = ("KX",) if self._needs_kx(proc, family) else ()
        if proc.laterality == "bilateral" and bilateral_ok:
            if self.ctx.facility_claim:
                return [ClaimLine(code=code, modifiers=(m, *kx), units=units) for m in ("RT", "LT")]
            return [ClaimLine(code=code, modifiers=("50", *kx), units=units)]
        side = {"left": ("LT",), "right": ("RT",)}.get(proc.laterality or "", ())
        return [ClaimLine(code=code, modifiers=(*(side if bilateral_ok else ()), *kx), units=units)]

    def _needs_kx(self, proc: Procedure, family: Family) -> bool:
        """Medicare wants KX on diagnostic facet, SI joint and selective nerve root blocks (lcd.yaml)."""
        diagnostic = proc.diagnostic if proc.diagnostic is not None else self.facts.diagnostic
        families = self.catalog.param("kx_diagnostic_families").value
        return bool(diagnostic) and self.ctx.medicare and family.id in families

    # --- code choice -----------------------------------------------------------------------------------------------

    def pick(self, family: Family, proc: Procedure) -> CodeInfo:
        """The family's primary code for this procedure: by region, target or claim type, then guided or not."""
        codes = [c for c in self.catalog.family_codes(family.id) if not c.addon and not c.level]
        if family.select == "region":
            region = self.catalog.registry.code_region(proc.region or "lumbar")
            codes = [c for c in codes if c.region == region] or codes
        elif family.select == "target":
            codes = [c for c in codes if c.target == proc.target] or [c for c in codes if c.target is None] or codes
        elif family.select == "claim_type":
            codes = [c for c in codes if c.facility_only == self.ctx.facility_claim] or codes
        if family.imaging == "twin":
            guided = proc.imaging not in ("none", "ultrasound")
            codes = [c for c in codes if (c.imaging != "without") == guided] or codes
            if proc.imaging is None and codes:
                unguided = self.catalog.code(codes[0].twin or "")
                self.notes.append(f"{codes[0].code}: assumes fluoroscopy or CT guidance (the usual); without imaging "
                                  f"the code is {unguided.code if unguided else 'the unguided one'}.")
        if not codes:
            raise InvalidInput(f"no {family.label} code fits this description", "procedures")
        return codes[0]

    def guidance(self, family: Family, proc: Procedure, primary: str | None = None) -> list[ClaimLine]:
        """The guidance line for families whose codes leave imaging out (once per claim per guidance code): the
        guidance code of that modality whose add-on file row lists the procedure's code as a primary (64520 with
        77003, CMS AOC), else the family's default."""
        code = family.guidance.get(proc.imaging or "")
        if code is None:
            return []
        modality = self.catalog.code(code)
        listed = [c.code for c in self.catalog.family_codes(modality.family) if primary in c.primaries
                  and c.guides == modality.guides] if modality is not None and primary else []
        code = listed[0] if listed else code
        if any(ln.code == code for ln in self.emitted):
            return []
        return [ClaimLine(code=code)]

    # --- families by how they count ----------------------------------------------------------------------------------

    def procedure(self, proc: Procedure) -> list[ClaimLine]:
        if proc.stopped is not None:
            return self.stopped(proc)
        family = self.catalog.family(proc.family)
        if not family.procedure:
            raise InvalidInput(f"{proc.family} is not a procedure family", "procedures")
        variant = family.variants.get(proc.imaging or "")
        if variant:
            family = self.catalog.family(variant)
        if family.counts == "levels":
            made = self.levels(proc, family)
            return made + self.guidance(family, proc, made[0].code if made else None)
        if family.counts == "joints":
            return self.joint(proc, family)
        if family.counts == "muscles":
            return self.trigger_points(proc, family)
        return self.single(proc, family)

    def stopped(self, proc: Procedure) -> list[ClaimLine]:
        """A procedure started and then stopped for the patient's safety: the first code of what was intended, with
        the discontinued modifier of the claim type in the first (pricing) position (53 physician; 73/74 facility,
        modifiers.yaml); add-on levels and separately billed guidance were not done and are not billed. One called off
        before it started is the facility's 73 and nothing on the physician's claim (CPT's note to modifier 53)."""
        if proc.stopped == "before_anesthesia" and not self.ctx.facility_claim:
            self.notes.append(f"The {self.catalog.family(proc.family).label} was called off before it started (no "
                              "anesthetic, needle or injectate): nothing goes on the physician's claim, as modifier "
                              "53 is for a procedure started and then stopped (the facility's claim takes 73).")
            return []
        made = self.procedure(proc.model_copy(update={"stopped": None, "levels": 1, "levels_left": None,
                                                      "levels_right": None, "level_regions": []}))
        mod = discontinued(self.ctx.facility_claim, proc.stopped or "started")
        kept = [ln.model_copy(update={"modifiers": (mod, *ln.modifiers)}) for ln in made
                if not ((i := self.catalog.code(ln.code)) is not None and (i.addon or i.guides))]
        how = "prepared, then called off before any anesthetic" if proc.stopped == "before_anesthesia" else \
            "started and stopped for the patient's safety"
        self.notes.append(f"{', '.join(ln.code for ln in kept)}: {how}: billed once with {mod}; levels and guidance "
                          "not reached are not billed.")
        return kept

    def levels(self, proc: Procedure, family: Family) -> list[ClaimLine]:
        region = proc.region or ("thoracic" if family.select != "region" else "lumbar")
        code_region = self.catalog.registry.code_region(region)
        regions = self.catalog.chains.get(family.id, {})
        chain = regions.get(code_region or "") or next(iter(regions.values()))
        if proc.levels_left is not None or proc.levels_right is not None:
            return self._levels_by_side(proc, family, chain)
        if len({self.catalog.registry.code_region(r) for r in proc.level_regions}) > 1:
            return self._levels_across_regions(proc, family, regions)
        units = level_units(chain, proc.levels)
        self.notes.append(f"{proc.levels} {region} level(s){' bilateral' if proc.laterality == 'bilateral' else ''}: "
                          + " + ".join(units))
        return [ln for code, n in units.items() for ln in self.sided(code, proc, family, n)]

    def _levels_across_regions(self, proc: Procedure, family: Family,
                               regions: dict[str, tuple[str, str, str | None]]) -> list[ClaimLine]:
        """Levels of one session in two code regions (C5-6 with L4-5): each region's levels take that region's own
        chain, a primary and its add-ons, because each add-on is reported with its own region's primary (CPT)."""
        counts: dict[str, int] = {}
        for region in proc.level_regions:
            key = self.catalog.registry.code_region(region) or ""
            counts[key] = counts.get(key, 0) + 1
        if self._one_lumbar_session(proc, family, regions):
            thoracic, lumbar = regions["cervical_thoracic"][0], regions["lumbar_sacral"][1]
            self.notes.append(f"T12-L1 and L1-2 in one session: one lumbar-region session, {thoracic} + {lumbar} "
                              "(the jurisdiction's thoracolumbar counting instruction)")
            return [ln for code in (thoracic, lumbar) for ln in self.sided(code, proc, family, 1)]
        lines: list[ClaimLine] = []
        for key, levels in counts.items():
            chain = regions.get(key) or next(iter(regions.values()))
            units = level_units(chain, levels)
            self.notes.append(f"{levels} level(s) in the {key.replace('_', '/')} region: " + " + ".join(units))
            lines += [ln for code, n in units.items() for ln in self.sided(code, proc, family, n)]
        return lines

    def _one_lumbar_session(self, proc: Procedure, family: Family,
                            regions: dict[str, tuple[str, str, str | None]]) -> bool:
        """T12-L1 with L1-2 (one thoracic and one lumbar facet level) where the jurisdiction counts them as one
        lumbar session (jurisdictions.yaml params.facet_t12_l1_one_session, e.g. CGS from 2025): the thoracic
        primary and the lumbar add-on, once (CGS cope171058, A58364)."""
        return sorted(proc.level_regions) == ["lumbar", "thoracic"] and family.level_unit == "joint" and \
            {"cervical_thoracic", "lumbar_sacral"} <= set(regions) and \
            regions["lumbar_sacral"][1] is not None and \
            self.ctx.policy("params.facet_t12_l1_one_session").value is True

    def _levels_by_side(self, proc: Procedure, family: Family, chain: tuple[str, str, str | None]) -> list[ClaimLine]:
        """Sides with different levels ("right L4-5, left L5-S1"; "bilateral L5-S1, left L4-5"): levels are counted
        whatever their side (CPT counts vertebral levels, not sides), so each distinct level takes the next code of
        the chain, bilateral levels first; a code billed on both sides is one bilateral line, the rest RT or LT."""
        right, left = proc.levels_right or 0, proc.levels_left or 0
        total = max(proc.levels, right, left)
        both = max(0, right + left - total)
        order = ["bilateral"] * both + ["right"] * (right - both) + ["left"] * (left - both)
        first, second, third = chain
        units: dict[tuple[str, str], int] = {}
        for position, side in enumerate(order):
            code = first if position == 0 else second if position == 1 or not third else third
            if code == third and any(c == third for c, _ in units):
                continue  # the third-and-beyond code is billed once per side
            units[(code, side)] = units.get((code, side), 0) + 1
        lines: list[ClaimLine] = []
        for code in (c for c in chain if c):
            for side in ("bilateral", "right", "left"):
                if units.get((code, side)):
                    lines += self.sided(code, proc.model_copy(update={"laterality": side}), family, units[(code, side)])
        self.notes.append(f"levels per side: right {right}, left {left}, {total} distinct: "
                          + ", ".join(str(ln) for ln in lines))
        return lines

    def single(self, proc: Procedure, family: Family) -> list[ClaimLine]:
        code = self.pick(family, proc).code
        if family.sides == "midline" and proc.laterality == "bilateral":
            self.finding("bilateral_50", f"{code} is one injection into a shared space: billed once, one unit, never "
                         "with modifier 50, whatever side the needle approached from.", [code], severity="info",
                         sources=("aapc-bilateral-fee", "cms-a56681"), confidence="unconfirmed")
        return self.sided(code, proc, family) + self.guidance(family, proc, code)

    def joint(self, proc: Procedure, family: Family) -> list[ClaimLine]:
        name = (proc.joint or "").lower()
        if "sacroiliac" in name or name in ("si", "sij", "si joint", "si_joint"):
            self.finding("si_facility_code", "The SI joint is never coded as a major joint (20610/20611): use 27096 "
                         "with fluoroscopy or CT (G0260 on ASC/hospital facility claims).", ["20610", "27096"],
                         sources=("cms-a59243", "cpt-desc-imaging"), confidence="secondary")
            return self.procedure(proc.model_copy(update={"family": "si_joint"}))
        size = proc.joint_size or self.catalog.joint_size(proc.joint) or "major"
        by_size = [c for c in self.catalog.family_codes(family.id) if c.joint_size == size]
        unguided = next(c.code for c in by_size if c.imaging != "included_us")
        guided = next(c.code for c in by_size if c.imaging == "included_us")
        us = self.facts.ultrasound
        us_ok = us is None or all(v is not False for v in (us.real_time, us.permanent_image, us.report))
        if proc.imaging == "ultrasound" and us_ok:
            return self._another_joint(self.sided(guided, proc, family), proc)
        lines = self._another_joint(self.sided(unguided, proc, family), proc)
        if proc.imaging == "ultrasound":
            self.notes.append(f"Ultrasound without a saved image and report: {unguided}, and no 76942.")
        return lines + self.guidance(family, proc, unguided)

    def _another_joint(self, lines: list[ClaimLine], proc: Procedure) -> list[ClaimLine]:
        """A second, different joint billed with the same code: opposite sides tell it apart (RT/LT); on the same
        side it takes XS (59 for commercial payers) so it does not read as the same joint twice."""
        earlier = [ln for ln in self.emitted if ln.code == lines[0].code]
        if not earlier or proc.laterality == "bilateral":
            return lines
        sides = {m for ln in earlier for m in ln.modifiers if m in ("RT", "LT", "50")}
        mine = {m for m in lines[0].modifiers if m in ("RT", "LT")}
        if mine and sides and not mine & sides and "50" not in sides:
            self.notes.append(f"{proc.joint or 'second joint'}: a different joint on the other side "
                              f"({'/'.join(mine)}).")
            return lines
        mod = self.ctx.bypass_modifier
        self.notes.append(f"{proc.joint or 'second joint'}: a different joint, same code: {mod} marks it.")
        return [ln.with_modifiers(mod) for ln in lines]

    def trigger_points(self, proc: Procedure, family: Family) -> list[ClaimLine]:
        muscles = proc.muscles or self.facts.muscles
        codes = {c.muscles: c.code for c in self.catalog.family_codes(family.id)}
        if muscles is None:
            self.finding("tpi_muscles", f"The number of distinct muscles decides the code (1-2 muscles {codes['1-2']}, "
                         f"3 or more {codes['3+']}); it was not given, so {codes['1-2']} is shown.",
                         list(codes.values()), severity="warning", confidence="secondary", pending="muscles")
        code = codes["3+"] if muscles and muscles >= 3 else codes["1-2"]
        return [ClaimLine(code=code), *self.guidance(family, proc, code)]

    def em(self) -> list[ClaimLine]:
        visit = self.enc.em
        if visit is None:
            return []
        separate = visit.separate_problem if visit.separate_problem is not None else self.facts.separate_problem
        if not self.enc.procedures:
            return [ClaimLine(code=visit.code)] if visit.code else []
        if separate and visit.code:
            return [ClaimLine(code=visit.code, modifiers=("25",))]
        if separate:
            self.notes.append("Bill the E/M level the note supports, with modifier 25 on the E/M line.")
        elif separate is None and visit.code:
            self.notes.append(f"{visit.code} goes on the claim only if the visit addressed a significant, separately "
                              f"identifiable problem beyond the procedure's own evaluation; then as {visit.code}-25 "
                              "(25 on the E/M line, never on the procedure). The question doesn't say.")
        return []


def recommend(encounter: Encounter, catalog: Catalog) -> Recommendation:
    """Claim lines for the encounter, then the same checks a submitted claim gets."""
    builder = _Builder(encounter, catalog)
    lines: list[ClaimLine] = []
    for proc in encounter.procedures:
        made = builder.procedure(proc)
        builder.emitted += made
        lines += made
    lines = builder.em() + lines
    facts = encounter.facts
    if encounter.em is not None and facts.separate_problem is None:
        facts = facts.model_copy(update={"separate_problem": encounter.em.separate_problem,
                                         "new_patient": encounter.em.new_patient})
    diag = next((p.diagnostic for p in encounter.procedures if p.diagnostic is not None), None)
    if facts.diagnostic is None and diag is not None:
        facts = facts.model_copy(update={"diagnostic": diag})
    muscles = next((p.muscles for p in encounter.procedures if p.muscles), None)
    if facts.muscles is None and muscles:
        facts = facts.model_copy(update={"muscles": muscles})
    result = check(lines, facts, catalog) if lines else None
    findings = builder.ctx.findings + (result.findings if result else [])
    return Recommendation(
        claim=result.claim if result else [],
        status=status_of(findings),
        findings=findings,
        notes=builder.notes,
        applied=applied_policy(facts, catalog),
    )


__all__ = ["level_units", "recommend"]
