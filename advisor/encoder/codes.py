"""The code detail (`advisor code 64493`, GET /api/codes/{code}), code search and the modifier list.

Every value names its origin: the imported CMS table and version that serves the date of service, or the curated
catalog row with its sources and confidence. Where both exist and disagree, the imported value is the one the
claim checker applies and the curated one is shown beside it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from advisor.encoder.knowledge import sections_for
from advisor.encoder.model import (
    CodeDetail,
    CodeHit,
    CuratedValue,
    Difference,
    Fact,
    FamilyRef,
    JurisdictionLcd,
    LcdRule,
    ModifierInfo,
    SourceRef,
)
from advisor.encoder.pairs import curated_pair, pairs_of, units_in
from advisor.encoder.scope import Scope, documents_of
from advisor.modifiers import modifiers
from advisor.rules.catalog import Catalog, CodeInfo, Param
from advisor.rules.meanings import (
    ASSISTANT_MEANING,
    BILATERAL_MEANING,
    GLOBAL_MEANING,
    IMAGING_MEANING,
    MULT_PROC_MEANING,
)
from advisor.rules.rules_lcd import TOPICS

MAX_HITS = 25
# CodeInfo attribute and provenance key of each fact the detail shows from the catalog row.
ROW_FACTS = {"addon": ("addon", "addon"), "global": ("global_days", "global"), "bilateral": ("bilateral", "bilateral"),
             "imaging": ("imaging", "imaging"), "facility_only": ("facility_only", "facility_only")}
MEANINGS: dict[str, dict] = {"global": GLOBAL_MEANING, "bilateral": BILATERAL_MEANING, "imaging": IMAGING_MEANING}
FACILITY_ONLY = "reported on the facility claim only (no physician line)"


def code_detail(code: str, catalog: Catalog, on: date | None, knowledge_dir: Path) -> CodeDetail:
    """Everything the advisor holds about one code on a date of service."""
    scope = Scope.of(catalog, on, [code])
    code = scope.require(code)
    info, curated = scope.view.code(code), scope.curated(code)
    detail = CodeDetail(code=code, date=scope.day, in_catalog=curated is not None, units=units_in(code, scope),
                        pairs=pairs_of(code, scope), knowledge=sections_for(code, knowledge_dir),
                        tables=scope.table_info(), notices=scope.notices())
    if info is not None and curated is not None:
        _from_row(detail, info, curated, scope)
    _from_mpfs(detail, scope)
    detail.differences += _unit_differences(detail)
    detail.differences += [
        Difference(field="ptp", curated=f"{mine.col1}/{mine.col2} MI {mine.mi}",
                   imported=f"{p.col1}/{p.col2} MI {p.mi}", table=p.origin.table, curated_confidence=mine.confidence)
        for p in detail.pairs if p.curated_mi is not None and (mine := curated_pair(scope, p.col1, p.col2))]
    if curated is None:
        detail.notices.append(f"{code} is not in the curated catalog: only the imported CMS rows are shown, with no "
                              "descriptor (the advisor never reproduces CPT's descriptors).")
    return detail


def _from_row(detail: CodeDetail, info: CodeInfo, curated: CodeInfo, scope: Scope) -> None:
    """The catalog row's values (imported ones applied, as checks see them), its family, LCD rules and add-ons."""
    catalog = scope.view
    detail.descriptor = info.descriptor
    fam = catalog.family(info.family)
    detail.family = FamilyRef(id=fam.id, label=fam.label, region=info.region, level=info.level, target=info.target,
                              joint_size=info.joint_size, sides=fam.sides, imaging_rule=fam.imaging)
    for name, (attr, key) in ROW_FACTS.items():
        if key not in info.provenance:
            continue
        value, mine, prov = getattr(info, attr), getattr(curated, attr), info.prov(key)
        meaning = MEANINGS.get(name, {}).get(value) if name in MEANINGS else _meaning(name, value, info)
        fact = Fact(value=value, meaning=meaning, origin=scope.origin(prov))
        if fact.origin.kind == "imported" and mine != value:
            cprov = curated.prov(key)
            fact.curated = CuratedValue(value=mine, origin=scope.curated_origin(cprov.sources, cprov.confidence,
                                                                                cprov.effective))
            detail.differences.append(Difference(field=name, curated=mine, imported=value, table=fact.origin.table,
                                                 curated_confidence=cprov.confidence))
        detail.facts[name] = fact
    detail.primaries = list(info.primaries)
    detail.addons = [c.code for c in catalog.codes.values() if info.code in c.primaries]
    detail.twin = info.twin
    detail.lcd = _lcd_rules(info, catalog, scope)
    detail.lcd_topic = next((TOPICS[d] for d in fam.docs if d in TOPICS), None)
    detail.lcd_by_jurisdiction = _lcd_by_jurisdiction(detail.lcd_topic, catalog, scope)
    noncovered = catalog.noncovered_for(info.code)
    detail.noncovered = noncovered.why if noncovered else None


def _meaning(name: str, value: object, info: CodeInfo) -> str | None:
    if name == "addon":
        return (f"an add-on code: reported only with {', '.join(info.primaries) or 'its primary procedure'}, never "
                "alone, and exempt from modifier 51") if value else "a primary (stand-alone) code"
    if name == "facility_only":
        return FACILITY_ONLY if value else None
    return None


def _from_mpfs(detail: CodeDetail, scope: Scope) -> None:
    """The imported MPFS row: the multiple-procedure indicator (and global/bilateral for codes outside the
    catalog, where no curated row supplies them)."""
    if scope.tables is None:
        return
    row = scope.tables.mpfs(detail.code, scope.day)
    if row is None:
        return
    origin = scope.imported(row.version)
    if row.assistant is not None:
        detail.facts["assistant"] = Fact(value=row.assistant, meaning=ASSISTANT_MEANING.get(row.assistant),
                                         origin=origin)
    if row.mult_proc is not None:
        detail.facts["multiple_procedure"] = Fact(value=row.mult_proc, meaning=MULT_PROC_MEANING.get(row.mult_proc),
                                                  origin=origin)
    if "global" not in detail.facts and row.global_days:
        detail.facts["global"] = Fact(value=row.global_days, meaning=GLOBAL_MEANING.get(row.global_days),
                                      origin=origin)
    if "bilateral" not in detail.facts and row.bilateral is not None and row.bilateral.isdigit():
        detail.facts["bilateral"] = Fact(value=int(row.bilateral), meaning=BILATERAL_MEANING.get(int(row.bilateral)),
                                         origin=origin)


def _unit_differences(detail: CodeDetail) -> list[Difference]:
    units = detail.units
    if units.curated is None or units.origin is None:
        return []
    return [Difference(field="mue", curated=units.curated.value, imported=f"MUE {units.mue}, MAI {units.mai}",
                       table=units.origin.table, curated_confidence=units.curated.origin.confidence)]


def _lcd_rules(info: CodeInfo, catalog: Catalog, scope: Scope) -> list[LcdRule]:
    """The Medicare LCD and billing-article rules (lcd.yaml) that apply to the code or its family."""
    fam = catalog.family(info.family)
    found: list[tuple[str, Param]] = []
    found += [(f"sessions per rolling 12 months ({k})", p) for k in fam.session_keys if (p := catalog.sessions.get(k))]
    found += [(f"minimum prior relief, percent ({k})", p) for k, p in catalog.relief.items()
              if any(k == s or k.startswith(f"{s}_") for s in fam.session_keys)]
    if fam.level_limit:
        found.append((f"levels per session ({fam.level_limit})", catalog.param(fam.level_limit)))
    found += [(name, p) for name, p in catalog.params.items()
              if isinstance(p.value, list) and (info.code in p.value or fam.id in p.value)]
    rules = [LcdRule(rule=name, value=p.value, note=p.note, documents=documents_of(p.sources, catalog),
                     confidence=p.confidence, sources=scope.refs(p.sources)) for name, p in found]
    noncovered = catalog.noncovered_for(info.code)
    if noncovered is not None:
        rules.append(LcdRule(rule="not covered", value=True, note=noncovered.why,
                             documents=documents_of(noncovered.sources, catalog), confidence=noncovered.confidence,
                             sources=scope.refs(noncovered.sources)))
    return rules


def _lcd_by_jurisdiction(topic: str | None, catalog: Catalog, scope: Scope) -> list[JurisdictionLcd]:
    """The topic's LCD and billing article in every MAC jurisdiction that has one (jurisdictions.yaml `lcds`)."""
    table = catalog.jurisdictions
    refs = table.lcds.get(topic, {}) if topic is not None else {}
    return [JurisdictionLcd(jurisdiction=j, mac=table.mac(j).mac, states=list(table.mac(j).states), lcd=r.lcd,
                            article=r.article, url=r.url, confidence=r.confidence, sources=scope.refs(r.sources),
                            default=j == catalog.default_mac)
            for j, r in refs.items()]


def search_codes(query: str, catalog: Catalog) -> list[CodeHit]:
    """Codes by code (or its start: `6449`) or by words of our descriptor and the family's names."""
    text = query.strip()
    if not text:
        return []
    hits: list[CodeHit] = []
    if re.fullmatch(r"[A-Za-z0-9]{1,5}", text) and any(ch.isdigit() for ch in text):
        prefix = text.upper()
        hits = [_hit(info, catalog) for code, info in sorted(catalog.codes.items()) if code.startswith(prefix)]
        tables = getattr(catalog, "tables", None)
        if tables is not None and len(hits) < MAX_HITS:
            known = {h.code for h in hits}
            hits += [CodeHit(code=c, descriptor=None, family=None, label=None) for c in tables.codes_like(prefix)
                     if c not in known]
        return hits[:MAX_HITS]
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1]
    scored = []
    for order, info in enumerate(catalog.codes.values()):
        fam = catalog.family(info.family)
        haystack = " ".join([info.descriptor, fam.label, *fam.words, info.region or "", info.target or ""]).lower()
        score = sum(1 for w in words if re.search(rf"\b{re.escape(w)}", haystack))
        if score:
            scored.append((-score, order, info))
    return [_hit(info, catalog) for _, _, info in sorted(scored)[:MAX_HITS]]


def _hit(info: CodeInfo, catalog: Catalog) -> CodeHit:
    return CodeHit(code=info.code, descriptor=info.descriptor, family=info.family,
                   label=catalog.family(info.family).label)


def modifier_list(catalog: Catalog) -> list[ModifierInfo]:
    """Every modifier a claim line may carry (catalog/modifiers.yaml), with its meaning and sources."""
    sources = catalog.sources
    return [ModifierInfo(mod=m.mod, group=m.group, means=m.means, common=m.common, confidence=m.conf,
                         sources=[SourceRef(id=s, title=sources[s].title, url=sources[s].url) for s in m.src
                                  if s in sources])
            for m in modifiers().values()]


__all__ = ["code_detail", "modifier_list", "search_codes"]
