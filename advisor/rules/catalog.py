"""Load and validate the curated catalog (codes, PTP pairs, LCD parameters) from the YAML data files.

Every value carries its provenance: the sources it rests on, its effective date and a confidence mark, so a finding
can say when it rests on an unconfirmed value.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.claims import is_em_code
from advisor.errors import DataError
from advisor.modifiers import load_modifiers
from advisor.rules.jurisdiction import Jurisdictions, load_jurisdictions
from advisor.rules.model import Confidence, weakest
from advisor.rules.registry import Family, Registry, load_registry, read_yaml

CATALOG_DIR = Path(__file__).parent / "catalog"
ImagingKind = Literal["included", "included_us", "without", "separate", "na"]
LevelPosition = Literal["1", "2", "3+", "2+"]
CATALOG_FILES = ("sources", "codes", "ptp", "lcd", "families", "anatomy", "vocabulary", "modifiers", "payment",
                 "jurisdictions")
PROVENANCED = ("imaging", "addon", "global", "bilateral", "mue", "mai", "facility_only")


class Source(BaseModel):
    """One public source (sources.yaml). P = the policy's own text (CMS, a MAC, OIG), with its document id and
    section; S/R = secondary summaries and third-party notes, cited as corroboration or marked secondary-only."""

    id: str
    title: str
    url: str | None
    tag: Literal["P", "S", "R"]
    doc: str | None = None
    section: str | None = None
    checked: date | None = None
    text_read: bool = True

    @property
    def primary(self) -> bool:
        """Primary support: a primary document whose text was read (a named but unread one is only a lead)."""
        return self.tag == "P" and self.text_read

    def cite(self) -> str:
        """Citation text: title, then the document id and section for a primary source, then the address; a
        secondary or third-party source says so, so nobody mistakes it for the policy's own text."""
        text = self.title
        if self.tag == "P":
            where = ", ".join(p for p in (None if (self.doc or "") in text else self.doc, self.section) if p)
            text += f" [{where}]" if where else ""
            text += "" if self.text_read else " (not read here: a lead, not support)"
        else:
            text += " (secondary)" if self.tag == "S" else " (third-party note)"
        return f"{text} <{self.url}>" if self.url else text


class Provenance(BaseModel):
    sources: list[str]
    effective: date
    confidence: Confidence


class CodeInfo(BaseModel):
    """One catalog row, values resolved, with per-value provenance."""

    model_config = ConfigDict(frozen=True)

    code: str
    descriptor: str
    family: str
    region: str | None = None
    level: LevelPosition | None = None
    target: str | None = None
    guides: Literal["fluoroscopy", "ct", "ultrasound"] | None = None
    muscles: Literal["1-2", "3+"] | None = None
    imaging: ImagingKind
    twin: str | None = None
    addon: bool
    primaries: tuple[str, ...] = ()
    open_primaries: bool = False
    global_days: Literal["000", "010", "090", "XXX", "YYY", "ZZZ"]
    bilateral: int = Field(ge=0, le=9)
    mue: int | None = Field(None, ge=0, description="None: not found yet; no MUE is applied until the CMS table is "
                                                    "imported.")
    mai: int | None = Field(None, ge=1, le=3)
    joint_size: str | None = None
    em_kind: str | None = None
    facility_only: bool = False
    provenance: dict[str, Provenance]

    def prov(self, field: str) -> Provenance:
        return self.provenance[field]


class PtpPair(BaseModel):
    model_config = ConfigDict(frozen=True)

    col1: str
    col2: str
    mi: Literal[0, 1, 9]
    rationale: str
    sources: list[str]
    confidence: Confidence
    note: str | None = None
    table: str = "curated"


class MueEdit(BaseModel):
    """The MUE one code is checked against: units, adjudication indicator (MAI) and the table they come from."""

    model_config = ConfigDict(frozen=True)

    code: str
    mue: int = Field(ge=0)
    mai: Literal[1, 2, 3]
    bilateral: int | None = None
    sources: list[str]
    confidence: Confidence
    table: str = "curated"


class Param(BaseModel):
    value: Any
    sources: list[str]
    confidence: Confidence
    note: str | None = None
    # Set when resolved per jurisdiction and date (Ctx.policy): whose value it is and what the finding should cite.
    jurisdiction: str | None = None
    scope: list[str] = Field(default_factory=list, description="The jurisdictions sharing this value's variant.")
    topic: str | None = None
    section: str | None = None
    revision: str | None = None
    differs: list[str] = Field(default_factory=list, description="Where other jurisdictions differ (MAC unknown).")


class NonCovered(BaseModel):
    codes: list[str]
    why: str
    sources: list[str]
    confidence: Confidence


class Catalog(BaseModel):
    """The curated tables, indexed for the rules. Pure data: no I/O after loading."""

    version: str
    codes: dict[str, CodeInfo]
    pairs: dict[tuple[str, str], PtpPair]
    params: dict[str, Param]
    payment: dict[str, Param] = Field(default_factory=dict, description="payment.yaml: fee schedule rules.")
    noncovered: list[NonCovered]
    sessions: dict[str, Param]
    relief: dict[str, Param]
    sources: dict[str, Source]
    registry: Registry
    jurisdictions: Jurisdictions
    default_mac: str | None = Field(None, description="ADVISOR_MAC as a jurisdiction code (set by build_catalog).")

    def code(self, code: str) -> CodeInfo | None:
        return self.codes.get(code)

    # --- views derived from the family registry and the code rows ----------------------------------------------------

    def family(self, family_id: str) -> Family:
        return self.registry.family(family_id)

    def family_codes(self, family_id: str) -> list[CodeInfo]:
        """The curated codes of a family, in catalog order."""
        return self._by_family.get(family_id, [])

    @cached_property
    def _by_family(self) -> dict[str, list[CodeInfo]]:
        grouped: dict[str, list[CodeInfo]] = {}
        for info in self.codes.values():
            grouped.setdefault(info.family, []).append(info)
        return grouped

    def chain(self, family_id: str, code_region: str | None) -> tuple[str, str, str | None]:
        """(first level, second level, third-and-beyond reported once or None when the add-on repeats per level)."""
        try:
            return self.chains[family_id][code_region or ""]
        except KeyError:
            regions = ", ".join(sorted(self.chains.get(family_id, {}))) or "none"
            raise DataError(f"{family_id}: no level codes for region {code_region!r} (has: {regions})",
                            "codes.yaml") from None

    @cached_property
    def chains(self) -> dict[str, dict[str, tuple[str, str, str | None]]]:
        """family -> code region -> level chain, from each code's `level` position (codes.yaml)."""
        out: dict[str, dict[str, tuple[str, str, str | None]]] = {}
        for family_id, infos in self._by_family.items():
            by_region: dict[str, dict[str, str]] = {}
            for info in infos:
                if info.level:
                    by_region.setdefault(info.region or "", {})[info.level] = info.code
            for region, levels in by_region.items():
                second = levels.get("2") or levels.get("2+")
                if "1" not in levels or second is None:
                    raise DataError(f"codes.yaml: {family_id} {region} needs a level 1 and a level 2 or 2+ code",
                                    "codes.yaml")
                out.setdefault(family_id, {})[region] = (levels["1"], second, levels.get("3+"))
        return out

    @cached_property
    def level_chains(self) -> dict[str, tuple[str, str | None]]:
        """first-level code -> (second-level add-on, third-and-beyond add-on or None)."""
        return {first: (second, third) for regions in self.chains.values() for first, second, third in regions.values()}

    @cached_property
    def once_addons(self) -> frozenset[str]:
        """Add-ons reported once per side (second-level and third-and-beyond codes of a chain with a 3+ code)."""
        return frozenset(c.code for c in self.codes.values() if c.level in ("2", "3+"))

    @cached_property
    def per_level_addons(self) -> frozenset[str]:
        """Add-ons billed once per added level (with 50 their units still count levels per side)."""
        return frozenset(c.code for c in self.codes.values() if c.level == "2+")

    @cached_property
    def guidance_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes.values() if c.guides)

    def joint_size(self, name: str | None) -> str | None:
        """major/intermediate/small for a joint or bursa named in words or by its anatomy id."""
        if not name:
            return None
        lowered = name.lower()
        joints = self.registry.joints()
        if lowered in joints:
            return joints[lowered].size
        return next((a.size for a in joints.values() for w in a.words if w in lowered), None)

    def ptp(self, a: str, b: str) -> PtpPair | None:
        """The edit between two codes in either order (column 1 first in the result)."""
        return self.pairs.get((a, b)) or self.pairs.get((b, a))

    def for_check(self, codes: list[str], dos: date | None) -> Catalog:
        """The catalog one check reads (claim codes, date of service); the curated tables serve every claim alike.
        With imported CMS tables (advisor.data.tables.ImportedCatalog) this preloads the claim's PTP/MUE/MPFS rows."""
        return self

    @property
    def dated(self) -> bool:
        """True when checks depend on the date of service (imported CMS tables); the curated tables do not."""
        return False

    def mue_edit(self, code: str) -> MueEdit | None:
        """The MUE for a code: the curated row here; the imported CMS table, when loaded, for every code."""
        return self._curated_mues.get(code)

    @cached_property
    def _curated_mues(self) -> dict[str, MueEdit]:
        """MUE edits of the curated rows, built once (every check asks for them)."""
        return {
            code: MueEdit(
                code=code, mue=info.mue, mai=info.mai, bilateral=info.bilateral,
                sources=["mue-mai-palmetto", *info.prov("mue").sources],
                confidence=weakest(info.prov("mue").confidence, info.prov("mai").confidence),
            )
            for code, info in self.codes.items() if info.mue is not None and info.mai is not None
        }

    def param(self, name: str) -> Param:
        return self.params[name]

    def cite(self, source_ids: list[str]) -> list[str]:
        """Citation texts, primary sources first (secondary ones only corroborate), otherwise in the given order."""
        ordered = sorted(source_ids, key=lambda s: not self.sources[s].primary)
        return [self._citations[s] for s in ordered]

    @cached_property
    def _citations(self) -> dict[str, str]:
        """Citation text per source id, built once (findings cite the same few sources over and over)."""
        return {sid: src.cite() for sid, src in self.sources.items()}

    def noncovered_for(self, code: str) -> NonCovered | None:
        return next((n for n in self.noncovered if code in n.codes), None)


def _split(raw: Any, row: dict[str, Any], field: str, where: str) -> tuple[Any, Provenance]:
    """A value written plainly inherits the row's provenance; {v, src, eff, conf} overrides it."""
    if isinstance(raw, dict) and "v" in raw:
        value, over = raw["v"], raw
    else:
        value, over = raw, {}
    try:
        prov = Provenance(
            sources=list(over.get("src", row.get("src", []))),
            effective=over.get("eff", row.get("eff")),
            confidence=over.get("conf", row.get("conf")),
        )
    except ValidationError as exc:
        raise DataError(f"{where}: provenance of {field!r} is incomplete ({exc.errors()[0]['msg']})", where) from None
    if not prov.sources:
        raise DataError(f"{where}: {field!r} names no source", where)
    return value, prov


def _code_row(row: dict[str, Any], families: set[str]) -> CodeInfo:
    where = f"codes.yaml {row.get('code', '?')}"
    values: dict[str, Any] = {}
    provenance: dict[str, Provenance] = {}
    for field in PROVENANCED:
        if field in row or field != "facility_only":
            value, prov = _split(row.get(field, False), row, field, where)
            key = "global_days" if field == "global" else field
            values[key], provenance[field] = value, prov
    primaries = row.get("primaries", ())
    if isinstance(primaries, dict):  # a list written with its own provenance: {v: [...], src: [...], conf: ...}
        primaries, provenance["primaries"] = _split(primaries, row, "primaries", where)
    try:
        info = CodeInfo(
            code=row["code"],
            descriptor=row["desc"],
            family=row["family"],
            region=row.get("region"),
            level=row.get("level"),
            target=row.get("target"),
            guides=row.get("guides"),
            muscles=row.get("muscles"),
            twin=row.get("twin"),
            primaries=tuple(primaries),
            open_primaries=row.get("open_primaries", False),
            joint_size=row.get("joint_size"),
            em_kind=row.get("em_kind"),
            provenance=provenance,
            **values,
        )
    except (KeyError, ValidationError) as exc:
        raise DataError(f"{where}: invalid row ({exc})", where) from None
    if info.family not in families:
        raise DataError(f"{where}: family {info.family!r} is not in families.yaml", where)
    return info


def _param(raw: dict[str, Any], where: str) -> Param:
    try:
        return Param(value=raw["v"], sources=raw["src"], confidence=raw["conf"], note=raw.get("note"))
    except (KeyError, TypeError, ValidationError) as exc:
        raise DataError(f"{where}: expected {{v, src, conf}} ({exc})", where) from None


def load_curated(directory: Path = CATALOG_DIR) -> Catalog:
    """Read and cross-check the YAML files; every source id must exist and every code be known."""
    files = {name: read_yaml(directory / f"{name}.yaml")
             for name in ("sources", "codes", "ptp", "lcd", "payment", "jurisdictions")}
    jurisdictions = load_jurisdictions(files["jurisdictions"])
    raw_sources = {**files["sources"]["sources"], **jurisdictions.sources}
    sources = {sid: Source(id=sid, **raw) for sid, raw in raw_sources.items()}
    registry = load_registry(directory, set(sources))
    codes = {row["code"]: _code_row(row, set(registry.families)) for row in files["codes"]["codes"]}
    pairs: dict[tuple[str, str], PtpPair] = {}
    for row in files["ptp"]["pairs"]:
        pair = PtpPair(
            col1=row["col1"], col2=row["col2"], mi=row["mi"], rationale=row["rationale"],
            sources=row["src"], confidence=row["conf"], note=row.get("note"),
        )
        pairs[(pair.col1, pair.col2)] = pair
    lcd = files["lcd"]
    params = {k: _param(v, f"lcd.yaml params.{k}") for k, v in lcd["params"].items()}
    sessions = {k: _param(v, f"lcd.yaml sessions.{k}") for k, v in lcd["sessions"].items()}
    relief = {k: _param(v, f"lcd.yaml relief.{k}") for k, v in lcd["relief"].items()}
    payment = {k: _param(v, f"payment.yaml params.{k}") for k, v in files["payment"]["params"].items()}
    noncovered = [
        NonCovered(codes=n["codes"], why=n["why"], sources=n["src"], confidence=n["conf"]) for n in lcd["noncovered"]
    ]
    used = [s for c in codes.values() for p in c.provenance.values() for s in p.sources]
    used += [s for p in pairs.values() for s in p.sources]
    used += [s for group in (params, sessions, relief, payment) for p in group.values() for s in p.sources]
    used += [s for n in noncovered for s in n.sources]
    used += [s for m in jurisdictions.macs.values() for s in m.sources]
    used += [s for refs in jurisdictions.lcds.values() for r in refs.values() for s in r.sources]
    used += [s for vs in jurisdictions.policy.values() for v in vs for s in v.sources]
    groups = {"params": params, "sessions": sessions, "relief": relief}
    split = {k: k.partition(".") for k in jurisdictions.policy}
    unknown_keys = sorted(k for k, (group, _, name) in split.items() if name not in groups.get(group, {}))
    if unknown_keys:
        raise DataError(f"jurisdictions.yaml policy overrides parameters missing from lcd.yaml: "
                        f"{', '.join(unknown_keys)}", "jurisdictions.yaml")
    used += [s for m in load_modifiers(directory / "modifiers.yaml").values() for s in m.src]
    unguided = [f.without_imaging for f in registry.families.values() if f.without_imaging]
    used += [s for w in unguided for s in w.src]
    used += [s for f in registry.families.values() if f.unlisted_techniques for s in f.unlisted_techniques.src]
    missing = sorted(set(used) - set(sources))
    if missing:
        raise DataError(f"catalog cites unknown source ids: {', '.join(missing)}", "sources.yaml")
    mismatched = sorted(c for c, info in codes.items() if (info.family == "em") != is_em_code(c))
    if mismatched:
        raise DataError(f"codes.yaml: family em must hold exactly the E/M codes (99202-99499): {', '.join(mismatched)}",
                        "codes.yaml")
    unknown = sorted({w.code for w in unguided if w.code} - set(codes))
    if unknown:
        raise DataError(f"families.yaml without_imaging names codes missing from codes.yaml: {', '.join(unknown)}",
                        "families.yaml")
    unknown = sorted({c for p in pairs for c in p} - set(codes))
    if unknown:
        raise DataError(f"ptp.yaml names codes missing from codes.yaml: {', '.join(unknown)}", "ptp.yaml")
    targets = {c.target for c in codes.values() if c.target} - set(registry.anatomy)
    if targets:
        raise DataError(f"codes.yaml names targets missing from anatomy.yaml: {', '.join(sorted(targets))}",
                        "codes.yaml")
    digest = hashlib.sha256(b"".join((directory / f"{n}.yaml").read_bytes() for n in CATALOG_FILES)).hexdigest()[:8]
    version = f"{files['codes']['version']}+{digest}"
    return Catalog(
        version=version, codes=codes, pairs=pairs, params=params, payment=payment, noncovered=noncovered,
        sessions=sessions, relief=relief, sources=sources, registry=registry, jurisdictions=jurisdictions,
    )


@lru_cache(maxsize=4)
def curated_catalog(directory: Path = CATALOG_DIR) -> Catalog:
    """The curated catalog, read and cross-checked once per process. The app's catalog (curated plus any imported
    CMS tables) is built by the composition root, advisor.services.build_catalog."""
    return load_curated(directory)
