"""Build claim lines from a structured description of what was done, then run the full check over them.

The chat layer calls this: it turns "bilateral L4-5 and L5-S1 MBB under fluoro" into
Procedure(family=facet_injection, region=lumbar, levels=2, laterality=bilateral, diagnostic=True).
"""

from __future__ import annotations

from advisor.claims import ClaimLine
from advisor.rules.catalog import Catalog, joint_sizes, load_catalog
from advisor.rules.context import Ctx
from advisor.rules.engine import check, status_of
from advisor.rules.rules_levels import SPINE_CODES
from advisor.rules.model import Encounter, Procedure, Recommendation, Setting

JOINT_CODES = {"small": ("20600", "20604"), "intermediate": ("20605", "20606"), "major": ("20610", "20611")}
GUIDANCE_CODE = {"fluoroscopy": "77002", "ct": "77012", "ultrasound": "76942"}


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


def joint_size(name: str | None) -> str | None:
    """Major/intermediate/small from a joint or bursa name (CPT's examples; the rest is our mapping)."""
    if not name:
        return None
    lowered = name.lower()
    return next((size for joint, size in joint_sizes().items() if joint in lowered), None)


class _Builder:
    def __init__(self, encounter: Encounter, catalog: Catalog) -> None:
        self.enc = encounter
        self.facts = encounter.facts
        self.ctx = Ctx(claim=[], facts=encounter.facts, catalog=catalog)
        self.notes: list[str] = []
        self.emitted: list[ClaimLine] = []

    @property
    def asc(self) -> bool:
        return self.facts.setting is Setting.ASC

    def sided(self, code: str, proc: Procedure, units: int = 1) -> list[ClaimLine]:
        """Lines for one code with laterality: 50 (or RT+LT lines on an ASC claim), RT or LT."""
        info = self.ctx.catalog.code(code)
        bilateral_ok = info is not None and info.bilateral in (1, 3)
        kx = ("KX",) if self._needs_kx(proc, info.family if info else "") else ()
        if proc.laterality == "bilateral" and bilateral_ok:
            if self.asc:
                return [ClaimLine(code=code, modifiers=(m, *kx), units=units) for m in ("RT", "LT")]
            return [ClaimLine(code=code, modifiers=("50", *kx), units=units)]
        side = {"left": ("LT",), "right": ("RT",)}.get(proc.laterality or "", ())
        return [ClaimLine(code=code, modifiers=(*(side if bilateral_ok else ()), *kx), units=units)]

    def _needs_kx(self, proc: Procedure, family: str) -> bool:
        """Medicare wants KX on diagnostic facet, SI joint and selective nerve root blocks."""
        diagnostic = proc.diagnostic if proc.diagnostic is not None else self.facts.diagnostic
        families = self.ctx.catalog.param("kx_diagnostic_families").value
        return bool(diagnostic) and self.ctx.medicare and family in families

    def spine(self, proc: Procedure, family: str) -> list[ClaimLine]:
        region = proc.region or "lumbar"
        chain = SPINE_CODES[family][0 if region in ("cervical", "thoracic") else 1]
        if proc.levels_left is not None or proc.levels_right is not None:
            return self._spine_by_side(proc, chain)
        lines = [ln for code, units in level_units(chain, proc.levels).items() for ln in self.sided(code, proc, units)]
        self.notes.append(f"{proc.levels} {region} level(s){' bilateral' if proc.laterality == 'bilateral' else ''}: "
                          + " + ".join(level_units(chain, proc.levels)))
        return lines

    def _spine_by_side(self, proc: Procedure, chain: tuple[str, str, str | None]) -> list[ClaimLine]:
        """Sides with different levels (bilateral L5-S1, left L4-5): each side counts its own levels; a code billed
        the same on both sides becomes one bilateral line, the rest keep RT or LT."""
        right_side = level_units(chain, proc.levels_right or 0)
        left_side = level_units(chain, proc.levels_left or 0)
        lines: list[ClaimLine] = []
        for code in (c for c in chain if c):
            right, left = right_side.get(code), left_side.get(code)
            if right and left and right == left:
                lines += self.sided(code, proc.model_copy(update={"laterality": "bilateral"}), right)
                continue
            for side, units in (("right", right), ("left", left)):
                if units:
                    lines += self.sided(code, proc.model_copy(update={"laterality": side}), units)
        self.notes.append(f"levels per side: right {proc.levels_right or 0}, left {proc.levels_left or 0}: "
                          + ", ".join(str(ln) for ln in lines))
        return lines

    def procedure(self, proc: Procedure) -> list[ClaimLine]:
        family = proc.family
        if family == "facet_injection" and proc.imaging == "ultrasound":
            family = "facet_us"
        if family in SPINE_CODES:
            return self.spine(proc, family)
        if family in ("ilesi", "epidural_catheter"):
            cervical = proc.region in ("cervical", "thoracic")
            guided = proc.imaging not in ("none", "ultrasound")
            table = {"ilesi": ("62320", "62321", "62322", "62323"),
                     "epidural_catheter": ("62324", "62325", "62326", "62327")}[family]
            code = table[(0 if cervical else 2) + (1 if guided else 0)]
            if proc.imaging is None:
                self.notes.append(f"{code}: assumes fluoroscopy or CT guidance (the usual); without imaging the code "
                                  f"is {table[(0 if cervical else 2)]}.")
            if proc.laterality == "bilateral":
                self.ctx.add("BILATERAL-50", "info",
                             f"{code} is one injection into a shared epidural space: billed once, one unit, never with "
                             "modifier 50, whatever side the needle approached from.", [code],
                             ["shuhub-table", "verity-a56681"], "secondary")
            return [ClaimLine(code=code)]
        if family == "si_joint":
            if proc.imaging in ("none", "ultrasound"):
                return self._si_unguided(proc)
            return self.sided("G0260" if self.ctx.facility_claim else "27096", proc)
        if family == "si_nerve_block":
            return self.sided("64451", proc)
        if family == "si_rfa":
            return self.sided("64625", proc)
        if family == "joint":
            return self.joint(proc)
        if family == "trigger_point":
            return self.trigger_points(proc)
        raise ValueError(f"unknown procedure family {family}")

    def _si_unguided(self, proc: Procedure) -> list[ClaimLine]:
        self.ctx.add("SI-IMAGING", "warning",
                     "An SI joint injection without fluoroscopy or CT is not 27096; CPT points to 20552 (not confirmed "
                     "against the CPT book), and Medicare's SI LCDs do not cover it.", ["27096", "20552"],
                     ["old-lcd-l31359", "verity-l39455"], "unconfirmed")
        return [ClaimLine(code="20552")]

    def joint(self, proc: Procedure) -> list[ClaimLine]:
        name = (proc.joint or "").lower()
        if "sacroiliac" in name or name in ("si", "sij", "si joint"):
            self.ctx.add("SI-NOT-20610", "error",
                         "The SI joint is never coded as a major joint (20610/20611): use 27096 with fluoroscopy or CT "
                         "(G0260 on ASC/hospital facility claims).", ["20610", "27096"], ["old-lcd-l31359"],
                         "secondary")
            return self.procedure(proc.model_copy(update={"family": "si_joint"}))
        size = proc.joint_size or joint_size(proc.joint) or "major"
        unguided, guided = JOINT_CODES[size]
        us_ok = self.facts.ultrasound is None or all(
            v is not False for v in (self.facts.ultrasound.real_time, self.facts.ultrasound.permanent_image,
                                     self.facts.ultrasound.report))
        if proc.imaging == "ultrasound" and us_ok:
            return self._another_joint(self.sided(guided, proc), proc)
        lines = self._another_joint(self.sided(unguided, proc), proc)
        if proc.imaging == "ultrasound":
            self.notes.append(f"Ultrasound without a saved image and report: {unguided}, and no 76942.")
        elif proc.imaging in ("fluoroscopy", "ct") and not any(
                ln.code == GUIDANCE_CODE[proc.imaging] for ln in self.emitted):
            lines.append(ClaimLine(code=GUIDANCE_CODE[proc.imaging]))
        return lines

    def _another_joint(self, lines: list[ClaimLine], proc: Procedure) -> list[ClaimLine]:
        """A second, different joint billed with the same code: opposite sides tell it apart (RT/LT); on the same
        side it takes XS (59 for commercial payers) so it does not read as the same joint twice."""
        earlier = [ln for ln in self.emitted if ln.code == lines[0].code]
        if not earlier or proc.laterality == "bilateral":
            return lines
        sides = {m for ln in earlier for m in ln.modifiers if m in ("RT", "LT", "50")}
        mine = {m for m in lines[0].modifiers if m in ("RT", "LT")}
        if mine and sides and not mine & sides and "50" not in sides:
            self.notes.append(f"{proc.joint or 'second joint'}: a different joint on the other side ({'/'.join(mine)}).")
            return lines
        mod = "XS" if self.ctx.medicare else "59"
        self.notes.append(f"{proc.joint or 'second joint'}: a different joint, same code: {mod} marks it.")
        return [ln.with_modifiers(mod) for ln in lines]

    def trigger_points(self, proc: Procedure) -> list[ClaimLine]:
        muscles = proc.muscles or self.facts.muscles
        if muscles is None:
            self.ctx.add("TPI-MUSCLES", "warning",
                         "The number of distinct muscles decides the code (1-2 muscles 20552, 3 or more 20553); it was "
                         "not given, so 20552 is shown.", ["20552", "20553"], ["aapc-tpi"], "secondary")
        code = "20553" if muscles and muscles >= 3 else "20552"
        lines = [ClaimLine(code=code)]
        if proc.imaging in GUIDANCE_CODE:
            lines.append(ClaimLine(code=GUIDANCE_CODE[proc.imaging]))
        return lines

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
        return []


def recommend(encounter: Encounter, catalog: Catalog | None = None) -> Recommendation:
    """Claim lines for the encounter, then the same checks a submitted claim gets."""
    catalog = catalog or load_catalog()
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
    if len({p.family for p in encounter.procedures}) > 1 and facts.distinct_sites is None:
        facts = facts.model_copy(update={"distinct_sites": True})
    result = check(lines, facts, catalog) if lines else None
    findings = builder.ctx.findings + (result.findings if result else [])
    return Recommendation(
        claim=result.claim if result else [],
        status=status_of(findings),
        findings=findings,
        notes=builder.notes,
    )
